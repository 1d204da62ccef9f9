// project.js - one project: its datasets (create, add images, delete), the
// gallery with labelling (gallery.js), and its models with the Train form.
import { CONSOLE_BUCKET, lfv, s3 } from '../client.js';
import { createFromManifest, createFromPrefix, uploadImages } from '../datasets.js';
import { clear, confirmTyped, errorText, guarded, h, notify, percent, progressBar } from '../ui.js';
import { galleryPanel } from './gallery.js';

export async function projectPage(view, [project]) {
  const datasetsNode = h('section#datasets');
  const galleryNode = h('section#gallery');
  const modelsNode = h('section#models');
  view.append(
    h('p.crumbs', {}, h('a', { href: '#/projects' }, 'Projects'), ' / ', project),
    h('h1', {}, project), datasetsNode, galleryNode, modelsNode);
  const description = await guarded(() => lfv.describeProject(project));
  if (!description) return;
  const types = (description.ProjectDescription.Datasets || []).map((d) => d.DatasetType);
  const reload = () => { view.replaceChildren(); projectPage(view, [project]); };
  const stats = {};
  for (const type of types) {
    const d = await guarded(() => lfv.describeDataset(project, type));
    if (d) stats[type] = d.DatasetDescription;
  }
  renderDatasets(datasetsNode, project, types, stats, reload);
  if (types.length) galleryNode.append(galleryPanel(project, types, reload));
  renderModels(modelsNode, project, stats);
}

function renderDatasets(node, project, types, stats, reload) {
  node.append(h('h2', {}, 'Datasets'));
  if (!types.length) {
    node.append(createWizard(project, reload));
    return;
  }
  node.append(h('div.cards', {}, types.map((type) => datasetCard(project, type, stats[type], reload))));
  if (!types.includes('test'))
    node.append(h('details.add-test', {}, h('summary', {}, 'Add a separate test dataset'),
      sourceForm(project, 'test', reload)));
}

function datasetCard(project, type, d, reload) {
  const s = d?.ImageStats || {};
  const progress = progressBar('Upload');
  const labelSelect = labelChoice();
  const files = h('input', { type: 'file', multiple: true, accept: 'image/jpeg,image/png',
    'aria-label': `add images to ${type}` });
  return h(`div.card.dataset#dataset-${type}`, {},
    h('h3', {}, type === 'train' ? 'Training dataset' : 'Test dataset'),
    h('p', {}, h('span.status', {}, d?.Status || '?'), d?.StatusMessage ? ` – ${d.StatusMessage}` : ''),
    h('dl.stats', {},
      h('dt', {}, 'Images'), h('dd', {}, s.Total ?? 0), h('dt', {}, 'Labelled'), h('dd', {}, s.Labeled ?? 0),
      h('dt', {}, 'Normal'), h('dd', {}, s.Normal ?? 0), h('dt', {}, 'Anomaly'), h('dd', {}, s.Anomaly ?? 0)),
    h('form.add-images', {
      async onsubmit(event) {
        event.preventDefault();
        await runUpload(project, type, [...files.files], labelSelect.value, progress);
        reload();
      },
    }, h('label', {}, 'Add images ', files), h('label', {}, 'as ', labelSelect),
    h('button', { type: 'submit' }, 'Upload'), progress.node),
    h('button.danger', {
      async onclick() {
        if (!await confirmTyped(`Delete the ${type} dataset?`, 'Its entries go; the images stay in S3.', 'delete')) return;
        if (await guarded(() => lfv.deleteDataset(project, type))) reload();
      },
    }, 'Delete dataset'));
}

function labelChoice() {
  return h('select.label-choice', {}, h('option', { value: '' }, 'unlabelled'),
    h('option', { value: 'normal' }, 'normal'), h('option', { value: 'anomaly' }, 'anomaly'));
}

async function runUpload(project, type, files, label, progress) {
  if (!files.length) {
    notify('Choose the images to upload first.', 'error');
    return;
  }
  const result = await guarded(() => uploadImages(project, type, files, label || null, progress.set));
  if (!result) return;
  if (result.added) notify(`${result.added} images added to the ${type} dataset.`, 'ok');
  for (const f of result.failed) notify(`${f.name} was not uploaded: ${f.message}`, 'error');
  if (result.problem) notify(`The uploaded images were not added: ${errorText(result.problem)}`, 'error');
}

// The first datasets: a single one (train, split at training) or separate
// train and test datasets, each from files, an S3 prefix or a manifest.
function createWizard(project, reload) {
  const forms = h('div.sources');
  const choose = (separate) => clear(forms, sourceForm(project, 'train', reload),
    separate ? sourceForm(project, 'test', reload) : null);
  const radio = (value, text, checked) => h('label', {}, h('input', {
    type: 'radio', name: 'configuration', value, checked, onchange: () => choose(value === 'separate'),
  }), text);
  choose(false);
  return h('div.wizard', {},
    h('p', {}, 'A single dataset is split into training and test images at training time; ' +
      'separate datasets let you choose the test images.'),
    h('div.choice', {}, radio('single', 'Single dataset', true), radio('separate', 'Separate training and test datasets', false)),
    forms);
}

function sourceForm(project, type, reload) {
  const source = h('select.source', { 'aria-label': `${type} image source` },
    h('option', { value: 'files' }, 'Upload images from this computer'),
    h('option', { value: 'prefix' }, 'Import images from an S3 prefix'),
    h('option', { value: 'manifest' }, 'Import a Ground Truth manifest'));
  const files = h('input', { type: 'file', multiple: true, accept: 'image/jpeg,image/png', name: 'files' });
  const labelSelect = labelChoice();
  const prefix = h('input', { name: 'prefix', placeholder: 's3://bucket/prefix/' });
  const byFolder = h('input', { type: 'checkbox', name: 'byFolder', checked: true });
  const manifest = h('input', { name: 'manifest', placeholder: 's3://bucket/train.manifest' });
  const parts = {
    files: h('div', {}, h('label', {}, 'Images ', files), h('label', {}, 'label them ', labelSelect)),
    prefix: h('div', {}, h('label', {}, 'S3 prefix ', prefix),
      h('label', {}, byFolder, ' label by normal/ and anomaly/ folders')),
    manifest: h('div', {}, h('label', {}, 'Manifest ', manifest)),
  };
  const body = h('div.source-body', {}, parts.files);
  source.addEventListener('change', () => clear(body, parts[source.value]));
  const progress = progressBar('Upload');
  return h(`form.create-dataset#create-${type}`, {
    async onsubmit(event) {
      event.preventDefault();
      const button = event.submitter;
      button.disabled = true;
      if (source.value === 'files') {
        await runUpload(project, type, [...files.files], labelSelect.value, progress);
      } else {
        const d = await guarded(() => (source.value === 'prefix'
          ? createFromPrefix(project, type, prefix.value.trim(), byFolder.checked)
          : createFromManifest(project, type, manifest.value.trim())));
        if (d) notify(`The ${type} dataset holds ${d.ImageStats.Total} images.`, 'ok');
      }
      button.disabled = false;
      reload();
    },
  }, h('h3', {}, type === 'train' ? 'Training dataset' : 'Test dataset'), source, body,
  h('button.primary', { type: 'submit' }, `Create ${type} dataset`), progress.node);
}

// Whether the labelled images meet the training minimums (lfv_models.c).
function trainable(stats) {
  const count = (type, label) => stats[type]?.ImageStats?.[label] ?? 0;
  if (!stats.train) return 'Create a training dataset first.';
  if (!stats.test)
    return count('train', 'Normal') >= 20 && count('train', 'Anomaly') >= 10 ? null
      : 'A single dataset needs at least 20 normal and 10 anomalous labelled images.';
  if (count('train', 'Normal') < 10) return 'The training dataset needs at least 10 normal labelled images.';
  if (count('test', 'Normal') < 10 || count('test', 'Anomaly') < 10)
    return 'The test dataset needs at least 10 normal and 10 anomalous labelled images.';
  return null;
}

async function renderModels(node, project, stats) {
  const rows = h('tbody');
  const description = h('input', { name: 'description', maxlength: 500, pattern: '[0-9A-Za-z.\\-_]*',
    title: 'letters, digits, dots, dashes and underscores (CreateModel\'s rule)' });
  const kms = h('input', { name: 'kms', placeholder: 'optional KMS key id or ARN' });
  const tags = h('input', { name: 'tags', placeholder: 'key=value, key2=value2' });
  const problem = trainable(stats);
  node.append(h('h2', {}, 'Models'),
    h('form.train#train-form', {
      async onsubmit(event) {
        event.preventDefault();
        const request = {
          OutputConfig: { S3Location: { Bucket: CONSOLE_BUCKET, Prefix: `models/${project}/` } },
          ClientToken: crypto.randomUUID(),
        };
        if (description.value.trim()) request.Description = description.value.trim();
        if (kms.value.trim()) request.KmsKeyId = kms.value.trim();
        const tagList = tags.value.split(',').map((t) => t.trim()).filter(Boolean).map((t) => {
          const [Key, ...rest] = t.split('=');
          return { Key: Key.trim(), Value: rest.join('=').trim() };
        });
        if (tagList.length) request.Tags = tagList;
        const created = await guarded(async () => {
          await s3.ensureBucket(CONSOLE_BUCKET);
          return lfv.createModel(project, request);
        });
        if (created) location.hash = `#/projects/${encodeURIComponent(project)}/models/${created.ModelMetadata.ModelVersion}`;
      },
    },
    h('label', {}, 'Description ', description), h('label', {}, 'Encryption ', kms), h('label', {}, 'Tags ', tags),
    h('button.primary', { type: 'submit', disabled: !!problem }, 'Train model'),
    problem ? h('span.hint', {}, problem) : null),
    h('table.list#model-list', {}, h('thead', {}, h('tr', {}, ['Version', 'Status', 'Created', 'F1', 'Precision', 'Recall']
      .map((t) => h('th', {}, t)))), rows));
  const models = await guarded(() => lfv.listModels(project));
  if (!models) return;
  if (!models.Models.length) rows.append(h('tr', {}, h('td.empty', { colSpan: 6 }, 'No models yet.')));
  for (const m of models.Models) {
    const p = m.Performance || {};
    rows.append(h('tr', {},
      h('td', {}, h('a', { href: `#/projects/${encodeURIComponent(project)}/models/${m.ModelVersion}` }, `Model ${m.ModelVersion}`)),
      h('td', {}, m.Status), h('td', {}, new Date(m.CreationTimestamp * 1000).toLocaleString()),
      h('td', {}, percent(p.F1Score)), h('td', {}, percent(p.Precision)), h('td', {}, percent(p.Recall))));
  }
}
