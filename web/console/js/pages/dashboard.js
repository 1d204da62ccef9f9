// dashboard.js - the /metrics counters per project: images processed,
// anomalies found and the anomaly ratio, sampled every few seconds while
// the page is open and drawn as a time series.
import { credentials } from '../client.js';
import { signRequest } from '../sigv4.js';
import { History, parsePrometheus, totalsByProject } from '../metrics.js';
import { lineChart } from '../chart.js';
import { clear, h, percent, pollUntil } from '../ui.js';

const SAMPLE_MS = 5000;
const history = new History(); // kept across visits while the tab lives

// /metrics, unsigned first (Prometheus scrapes it), signed if refused.
async function fetchMetrics() {
  let response = await fetch('/metrics', { cache: 'no-store' });
  if (response.status === 401 || response.status === 403) {
    const signed = await signRequest({ method: 'GET', path: '/metrics', headers: { host: location.host } },
      credentials(), 'lookoutvision');
    response = await fetch('/metrics', { cache: 'no-store', headers: signed });
  }
  if (!response.ok) throw new Error(`/metrics answered HTTP ${response.status}`);
  return response.text();
}

export function dashboardPage(view) {
  const summary = h('div.metrics#dashboard-summary');
  const cards = h('div.cards#dashboard-projects');
  const status = h('p.hint#dashboard-status');
  view.append(h('h1', {}, 'Dashboard'), status, summary, cards);
  pollUntil(async () => {
    try {
      history.add(Date.now(), totalsByProject(parsePrometheus(await fetchMetrics())));
      status.textContent = `Sampled every ${SAMPLE_MS / 1000} s while this page is open; last at ${new Date().toLocaleTimeString()}.`;
    } catch (error) {
      status.textContent = `No metrics: ${error.message}`;
    }
    render(summary, cards);
    return false;
  }, SAMPLE_MS, () => view.isConnected);
}

function render(summary, cards) {
  const latest = history.points.at(-1)?.projects || {};
  const totals = Object.values(latest).reduce((t, p) => ({ processed: t.processed + p.processed, anomalies: t.anomalies + p.anomalies }),
    { processed: 0, anomalies: 0 });
  clear(summary,
    h('div.metric', {}, h('span.value', {}, Object.keys(latest).length), h('span.name', {}, 'projects with detections')),
    h('div.metric', {}, h('span.value', {}, totals.processed), h('span.name', {}, 'images processed')),
    h('div.metric', {}, h('span.value', {}, totals.anomalies), h('span.name', {}, 'anomalies found')));
  clear(cards, history.projects().map((project) => {
    const series = history.series(project);
    const last = series.at(-1);
    return h('div.card.project-metrics', { dataset: { project } },
      h('h3', {}, h('a', { href: `#/projects/${encodeURIComponent(project)}` }, project)),
      h('p', {}, `${last.processed} images processed, ${last.anomalies} anomalous (${percent(last.ratio)})`),
      lineChart([
        { name: 'images processed', color: '#2563eb', points: series.map((p) => ({ time: p.time, value: p.processed })) },
        { name: 'anomalies', color: '#dc2626', points: series.map((p) => ({ time: p.time, value: p.anomalies })) },
      ]),
      lineChart([{ name: 'anomaly ratio', color: '#9333ea', points: series.map((p) => ({ time: p.time, value: p.ratio })) }],
        { height: 120, format: (v) => percent(v) }));
  }));
}
