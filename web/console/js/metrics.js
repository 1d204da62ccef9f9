// metrics.js - the Prometheus text format of /metrics, and the per-project
// time series the dashboard draws from successive samples.

// [{name, labels: {k: v}, value}] from the exposition text; comments,
// blank lines and malformed lines are skipped.
export function parsePrometheus(text) {
  const samples = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!match) continue;
    const value = parseSampleValue(match[4]);
    if (Number.isNaN(value) && match[4] !== 'NaN') continue;
    samples.push({ name: match[1], labels: parseLabels(match[3] || ''), value });
  }
  return samples;
}

function parseSampleValue(text) {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

// name="value",... with \\, \" and \n escapes inside the quotes.
function parseLabels(text) {
  const labels = {};
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
  let match;
  while ((match = pattern.exec(text)) !== null)
    labels[match[1]] = match[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
  return labels;
}

export const COUNTERS = {
  processed: 'vigil_processed_images_total',
  anomalies: 'vigil_detected_anomalies_total',
  invalid: 'vigil_invalid_images_total',
  errors: 'vigil_errors_total',
};

// Sums each counter per project (over model versions).
export function totalsByProject(samples) {
  const projects = {};
  const counters = Object.entries(COUNTERS);
  for (const sample of samples) {
    const counter = counters.find(([, name]) => name === sample.name);
    const project = sample.labels.project;
    if (!counter || !project) continue;
    projects[project] ??= { processed: 0, anomalies: 0, invalid: 0, errors: 0 };
    projects[project][counter[0]] += sample.value;
  }
  return projects;
}

// Samples over time: add(time, totals) keeps the last `limit` points.
export class History {
  constructor(limit = 360) {
    this.limit = limit;
    this.points = []; // [{time, projects}]
  }

  add(time, projects) {
    this.points.push({ time, projects });
    if (this.points.length > this.limit) this.points.shift();
  }

  projects() {
    const names = new Set();
    for (const point of this.points) Object.keys(point.projects).forEach((n) => names.add(n));
    return [...names].sort();
  }

  // [{time, processed, anomalies, ratio}] for one project; ratio is the
  // share of anomalous images among those processed so far (0 when none).
  series(project) {
    return this.points.map(({ time, projects }) => {
      const p = projects[project] || { processed: 0, anomalies: 0 };
      return { time, processed: p.processed, anomalies: p.anomalies,
        ratio: p.processed ? p.anomalies / p.processed : 0 };
    });
  }
}
