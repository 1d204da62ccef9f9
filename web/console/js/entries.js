// entries.js - dataset entries (Ground Truth manifest lines) as the console
// reads and writes them: the classification label, the segmentation mask
// and its colour map (lookout-behaviour.md 3.2, src/manifest.c).

const CLASSIFICATION = 'groundtruth/image-classification';
const SEGMENTATION = 'groundtruth/semantic-segmentation';

// {sourceRef, label: 'normal'|'anomaly'|null, maskRef, classes: [{name, color}], line}
export function parseEntry(line) {
  const entry = JSON.parse(line);
  const parsed = { sourceRef: entry['source-ref'], label: null, maskRef: null, classes: [], line };
  for (const [key, meta] of Object.entries(entry)) {
    if (!key.endsWith('-metadata') || typeof meta !== 'object' || !meta) continue;
    const base = key.slice(0, -'-metadata'.length);
    if (meta.type === CLASSIFICATION && ['normal', 'anomaly'].includes(meta['class-name']))
      parsed.label = meta['class-name'];
    if (meta.type === SEGMENTATION && typeof entry[base] === 'string') {
      parsed.maskRef = entry[base];
      for (const item of Object.values(meta['internal-color-map'] || {})) {
        const name = item['class-name'];
        if (name && name.toUpperCase() !== 'BACKGROUND')
          parsed.classes.push({ name, color: String(item['hex-color']).toLowerCase() });
      }
    }
  }
  return parsed;
}

function now() {
  return new Date().toISOString().replace('Z', '');
}

// A manifest line: the image, its label (or none) and an optional mask with
// the classes painted in it.  Rewriting the whole line is how
// UpdateDatasetEntries changes an entry.
export function entryLine({ sourceRef, label, maskRef, classes }) {
  const entry = { 'source-ref': sourceRef };
  if (label) {
    entry['anomaly-label'] = label === 'anomaly' ? 1 : 0;
    entry['anomaly-label-metadata'] = {
      'class-name': label, type: CLASSIFICATION, 'human-annotated': 'yes',
      'job-name': 'vigil-console/label', 'creation-date': now(),
    };
  }
  if (label === 'anomaly' && maskRef && classes.length) {
    const map = { 0: { 'class-name': 'BACKGROUND', 'hex-color': '#ffffff', confidence: 0 } };
    classes.forEach((c, i) => { map[i + 1] = { 'class-name': c.name, 'hex-color': c.color, confidence: 0 }; });
    entry['anomaly-mask-ref'] = maskRef;
    entry['anomaly-mask-ref-metadata'] = {
      'internal-color-map': map, type: SEGMENTATION, 'human-annotated': 'yes',
      'job-name': 'vigil-console/mask', 'creation-date': now(),
    };
  }
  return JSON.stringify(entry);
}

// The label an S3 key gets from a normal/ or anomaly/ folder directly
// under the imported prefix (the old console's rule), or null.
export function folderLabel(prefix, key) {
  const first = key.slice(prefix.length).replace(/^\/+/, '').split('/')[0];
  return first === 'normal' || first === 'anomaly' ? first : null;
}

export function isImageKey(key) {
  return /\.(jpe?g|png)$/i.test(key);
}

export function fileName(sourceRef) {
  return sourceRef.slice(sourceRef.lastIndexOf('/') + 1);
}
