// model.js - one model: live status and progress while it trains, the
// metrics (Performance, per-class F1 and IoU from the EvaluationResult
// object) and the test results gallery (the EvaluationManifest object),
// hosting with inference units, trial detection, and ready-to-copy commands.
import { lfv, s3, s3UriUrl } from '../client.js';
import { fileName } from '../entries.js';
import { clear, confirmTyped, guarded, h, notify, percent, pollUntil } from '../ui.js';

const BUSY = ['TRAINING', 'STARTING_HOSTING', 'STOPPING_HOSTING', 'DELETING'];

export async function modelPage(view, [project, version]) {
  const projectLink = `#/projects/${encodeURIComponent(project)}`;
  const statusNode = h('section#model-status');
  const metricsNode = h('section#metrics');
  const useNode = h('section#use');
  const resultsNode = h('section#test-results');
  view.append(h('p.crumbs', {}, h('a', { href: '#/projects' }, 'Projects'), ' / ',
    h('a', { href: projectLink }, project), ' / ', `Model ${version}`),
  h('h1', {}, `${project} – model ${version}`), statusNode, metricsNode, useNode, resultsNode);

  const tagsNode = h('p#model-tags');
  let shownStatus = null;
  await pollUntil(async () => {
    const answer = await guarded(() => lfv.describeModel(project, version));
    if (!answer) return true;
    const d = answer.ModelDescription;
    if (shownStatus === null) showTags(tagsNode, d.ModelArn);
    renderStatus(statusNode, d, project, version, tagsNode);
    if (d.Status !== shownStatus) {
      shownStatus = d.Status;
      renderUse(useNode, d, project, version, () => { shownStatus = null; });
      if (d.Performance && !metricsNode.childElementCount) renderEvaluation(metricsNode, resultsNode, d);
    }
    return false;
  }, 1500, () => view.isConnected);
}

function renderStatus(node, d, project, version, tagsNode) {
  clear(node,
    h('p', {}, 'Status: ', h('strong.status#model-state', {}, d.Status), d.StatusMessage ? h('span#model-message', {}, ` – ${d.StatusMessage}`) : null),
    d.Description ? h('p', {}, `Description: ${d.Description}`) : null,
    d.KmsKeyId ? h('p', {}, `Encryption: ${d.KmsKeyId}`) : null,
    tagsNode,
    BUSY.includes(d.Status) ? h('progress') : null,
    BUSY.includes(d.Status) || d.Status === 'HOSTED' ? null : h('button.danger', {
      async onclick() {
        if (!await confirmTyped(`Delete model ${version}?`, 'The model and its evaluation go.', 'delete')) return;
        if (await guarded(() => lfv.deleteModel(project, version))) location.hash = `#/projects/${encodeURIComponent(project)}`;
      },
    }, 'Delete model'));
}

async function showTags(node, arn) {
  const answer = await guarded(() => lfv.listTags(arn));
  const tags = answer?.Tags || [];
  node.textContent = tags.length ? `Tags: ${tags.map((t) => `${t.Key}=${t.Value}`).join(', ')}` : '';
}

function metricRow(name, value) {
  return h('div.metric', {}, h('span.value', {}, percent(value)), h('span.name', {}, name));
}

async function renderEvaluation(metricsNode, resultsNode, d) {
  const p = d.Performance;
  metricsNode.append(h('h2', {}, 'Performance'), h('div.metrics#performance', {},
    metricRow('Precision', p.Precision), metricRow('Recall', p.Recall), metricRow('F1 score', p.F1Score)));
  if (d.EvaluationResult) {
    const response = await guarded(() => s3.get(d.EvaluationResult.Bucket, d.EvaluationResult.Key));
    const result = response ? await response.json() : null;
    const details = result?.EvaluationDetails || {};
    const classes = result?.AggregatedEvaluationResults?.Metrics?.PixelAnomalyClassMetrics || [];
    metricsNode.append(h('p', {}, `${details.NumberOfTrainingImages ?? '?'} training images, ` +
      `${details.NumberOfTestingImages ?? '?'} test images.`));
    if (classes.length) metricsNode.append(h('table.list#class-metrics', {},
      h('thead', {}, h('tr', {}, ['Anomaly class', 'Precision', 'Recall', 'F1 score', 'Average IoU'].map((t) => h('th', {}, t)))),
      h('tbody', {}, classes.map((c) => h('tr', {}, h('td', {}, c.ClassName), h('td', {}, percent(c.Precision)),
        h('td', {}, percent(c.Recall)), h('td', {}, percent(c.F1Score)), h('td', {}, percent(c.AIOU)))))));
  }
  if (d.EvaluationManifest) await renderTestResults(resultsNode, d.EvaluationManifest);
}

// One test image of the evaluation manifest.
function testResult(line) {
  const e = JSON.parse(line);
  const truth = e['anomaly-label-metadata']?.['class-name'] || null;
  const predicted = e['anomaly-label-detected-metadata']?.['class-name'];
  return {
    sourceRef: e['source-ref'], truth, predicted, correct: truth === predicted,
    confidence: e['anomaly-label-detected-metadata']?.confidence ?? 0,
    maskRef: e['anomaly-mask-ref-detected'] || null,
  };
}

async function renderTestResults(node, location) {
  const response = await guarded(() => s3.get(location.Bucket, location.Key));
  if (!response) return;
  const results = (await response.text()).split('\n').filter((l) => l.trim()).map(testResult);
  const correct = results.filter((r) => r.correct).length;
  const filter = h('select#result-filter', { 'aria-label': 'result filter' }, [['all', 'all test images'], ['correct', 'correct'],
    ['incorrect', 'incorrect'], ['anomaly', 'predicted anomaly'], ['normal', 'predicted normal'],
    ['truth-anomaly', 'labelled anomaly'], ['truth-normal', 'labelled normal']]
    .map(([value, text]) => h('option', { value }, text)));
  const sort = h('select#result-sort', { 'aria-label': 'sort' }, [['name', 'by name'], ['confidence-desc', 'confidence, highest first'],
    ['confidence-asc', 'confidence, lowest first']].map(([value, text]) => h('option', { value }, text)));
  const grid = h('div.grid#result-grid');
  function render() {
    const f = filter.value;
    const kept = results.filter((r) => f === 'all' || (f === 'correct' && r.correct) ||
      (f === 'incorrect' && !r.correct) || r.predicted === f || `truth-${r.truth}` === f);
    kept.sort(sort.value === 'name' ? (a, b) => a.sourceRef.localeCompare(b.sourceRef, undefined, { numeric: true })
      : sort.value === 'confidence-desc' ? (a, b) => b.confidence - a.confidence : (a, b) => a.confidence - b.confidence);
    clear(grid, kept.map(resultCard));
  }
  filter.addEventListener('change', render);
  sort.addEventListener('change', render);
  node.append(h('h2', {}, 'Test results'),
    h('p#results-summary', {}, `${results.length} test images: ${correct} correct, ${results.length - correct} incorrect.`),
    h('div.filters', {}, filter, sort), grid);
  render();
}

function resultCard(r) {
  const image = h('img.thumb', { alt: fileName(r.sourceRef), loading: 'lazy' });
  s3UriUrl(r.sourceRef).then((url) => { image.src = url; });
  const overlay = r.maskRef && r.predicted === 'anomaly' ? h('img.mask.predicted', { alt: '' }) : null;
  if (overlay) s3UriUrl(r.maskRef).then((url) => { overlay.src = url; });
  return h(`figure.image-card.result.${r.correct ? 'correct' : 'incorrect'}`, {},
    h('div.frame', {}, image, overlay),
    h('figcaption', {},
      h(`span.badge.${r.correct ? 'ok' : 'wrong'}`, {}, r.correct ? 'Correct' : 'Incorrect'),
      h('span', {}, `predicted ${r.predicted} (${percent(r.confidence)})`),
      h('span', {}, `labelled ${r.truth || 'unlabelled'}`),
      h('span.name', {}, fileName(r.sourceRef))));
}

function renderUse(node, d, project, version, refresh) {
  const min = h('input#min-units', { type: 'number', min: 1, value: d.MinInferenceUnits || 1 });
  const max = h('input#max-units', { type: 'number', min: 1, placeholder: 'same as minimum' });
  const hosting = d.Status === 'HOSTED';
  const controls = d.Status === 'TRAINED' || d.Status === 'HOSTING_FAILED'
    ? h('form.inline#start-form', {
      async onsubmit(event) {
        event.preventDefault();
        if (await guarded(() => lfv.startModel(project, version, Number(min.value), max.value ? Number(max.value) : 0))) refresh();
      },
    }, h('label', {}, 'Inference units ', min), h('label', {}, 'up to ', max), h('button.primary', { type: 'submit' }, 'Start hosting'))
    : hosting ? h('button#stop-model', { async onclick() { if (await guarded(() => lfv.stopModel(project, version))) refresh(); } }, 'Stop hosting')
      : null;
  clear(node, h('h2', {}, 'Use the model'), controls,
    hosting ? trialDetection(project, version) : null,
    commands(project, version, d));
}

function trialDetection(project, version) {
  const files = h('input#trial-files', { type: 'file', multiple: true, accept: 'image/jpeg,image/png' });
  const results = h('div.grid#trial-results');
  return h('div.trial', {}, h('h3', {}, 'Trial detection'),
    h('form.inline#trial-form', {
      async onsubmit(event) {
        event.preventDefault();
        clear(results);
        for (const file of files.files) results.append(await detectOne(project, version, file));
      },
    }, files, h('button.primary', { type: 'submit' }, 'Detect anomalies')), results);
}

async function detectOne(project, version, file) {
  const picture = h('img.thumb', { src: URL.createObjectURL(file), alt: file.name });
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const r = (await lfv.detectAnomalies(project, version, bytes, file.type || 'application/octet-stream')).DetectAnomalyResult;
    const overlay = r.AnomalyMask ? h('img.mask.predicted', { src: `data:image/png;base64,${r.AnomalyMask}`, alt: 'anomaly mask' }) : null;
    return h(`figure.image-card.trial-result.${r.IsAnomalous ? 'anomaly' : 'normal'}`, {},
      h('div.frame', {}, picture, overlay),
      h('figcaption', {}, h(`span.badge.${r.IsAnomalous ? 'anomaly' : 'normal'}`, {}, r.IsAnomalous ? 'anomaly' : 'normal'),
        h('span', {}, `confidence ${percent(r.Confidence)}`),
        (r.Anomalies || []).filter((a) => a.Name !== 'background').map((a) => h('span', {},
          h('span.swatch', { style: `background:${a.PixelAnomaly?.Color}` }), ` ${a.Name} ${percent(a.PixelAnomaly?.TotalPercentageArea)}`)),
        h('span.name', {}, file.name)));
  } catch (error) {
    notify(`${file.name}: ${error.type ? error.type + ': ' : ''}${error.message}`, 'error');
    return h('figure.image-card.trial-result.failed', {}, h('div.frame', {}, picture),
      h('figcaption', {}, h('span.badge.wrong', {}, 'failed'), h('span', {}, error.message)));
  }
}

function commands(project, version, d) {
  const endpoint = location.origin;
  const output = d.OutputConfig?.S3Location;
  const lines = [
    `aws --endpoint-url ${endpoint} lookoutvision start-model --project-name ${project} --model-version ${version} --min-inference-units 1`,
    `aws --endpoint-url ${endpoint} lookoutvision detect-anomalies --project-name ${project} --model-version ${version} --content-type image/jpeg --body image.jpg`,
    `aws --endpoint-url ${endpoint} lookoutvision stop-model --project-name ${project} --model-version ${version}`,
    `vigil lookoutvision --endpoint-url ${endpoint} detect-anomalies --project-name ${project} --model-version ${version} --content-type image/jpeg --body image.jpg`,
  ];
  if (output) lines.push(`aws --endpoint-url ${endpoint} s3 ls s3://${output.Bucket}/${output.Prefix || ''}`);
  const text = lines.join('\n');
  return h('div.commands', {}, h('h3', {}, 'Commands'), h('pre#cli-commands', {}, text),
    h('button', { async onclick() { await navigator.clipboard.writeText(text); notify('Commands copied.', 'ok'); } }, 'Copy'));
}

