// mask_editor.js - draws and erases an image's anomaly mask with a brush,
// manages the project's anomaly classes and colours, and saves the mask as
// a PNG in the console bucket plus the entry (label anomaly, mask
// reference, colour map) through UpdateDatasetEntries.
//
// The mask is kept as one class index per image pixel and painted without
// anti-aliasing, so the PNG holds exactly the classes' colours (training
// matches mask colours to the colour map exactly).
import { CONSOLE_BUCKET, lfv, s3, s3UriUrl } from '../client.js';
import { entryLine, fileName, parseEntry } from '../entries.js';
import { freeColor, loadClasses, mergeClasses, saveClasses } from '../classes.js';
import { writeEntries } from '../datasets.js';
import { clear, guarded, h, notify } from '../ui.js';
import { MASK_QUEUE, maskRoute } from './gallery.js';

export async function maskPage(view, [project, type, sourceRef]) {
  const back = `#/projects/${encodeURIComponent(project)}`;
  view.append(h('p.crumbs', {}, h('a', { href: '#/projects' }, 'Projects'), ' / ',
    h('a', { href: back }, project), ' / ', fileName(sourceRef)));
  const answer = await guarded(() => lfv.listEntries(project, type, [['sourceRefContains', sourceRef]]));
  const entry = answer?.DatasetEntries.map(parseEntry).find((e) => e.sourceRef === sourceRef);
  if (!entry) {
    view.append(h('p.error', {}, `${sourceRef} is not in the ${type} dataset.`));
    return;
  }
  let classes = mergeClasses(await guarded(() => loadClasses(project)) || [], entry.classes);
  const image = await loadImage(await s3UriUrl(sourceRef));
  const { width, height } = image;
  const labels = new Uint8Array(width * height); // 0: background, k: classes[k - 1]
  if (entry.maskRef) await readMask(entry, classes, labels, width, height);

  const canvas = h('canvas#mask-canvas', { width, height });
  const ctx = canvas.getContext('2d');
  const classList = h('div.class-list');
  const brush = h('input#brush-size', { type: 'range', min: 2, max: 80, value: 20 });
  const erase = h('input#erase', { type: 'checkbox' });
  let current = classes.length ? 1 : 0;

  function draw() {
    const pixels = ctx.createImageData(width, height);
    const rgb = classes.map((c) => hexRgb(c.color));
    for (let i = 0; i < labels.length; i++) {
      if (!labels[i]) continue;
      const [r, g, b] = rgb[labels[i] - 1];
      pixels.data.set([r, g, b, 140], 4 * i);
    }
    ctx.putImageData(pixels, 0, 0);
  }

  function stamp(x, y) {
    const radius = Number(brush.value) / 2;
    const value = erase.checked ? 0 : current;
    for (let dy = -radius; dy <= radius; dy++) {
      const row = Math.round(y + dy);
      if (row < 0 || row >= height) continue;
      const half = Math.sqrt(radius * radius - dy * dy);
      const from = Math.max(0, Math.round(x - half));
      const to = Math.min(width - 1, Math.round(x + half));
      labels.fill(value, row * width + from, row * width + to + 1);
    }
  }

  let last = null;
  function paint(event) {
    if (!erase.checked && !current) {
      notify('Add an anomaly class to paint with first.', 'error');
      last = null;
      return;
    }
    const box = canvas.getBoundingClientRect();
    const x = (event.clientX - box.left) * (width / box.width);
    const y = (event.clientY - box.top) * (height / box.height);
    const from = last || { x, y };
    const steps = Math.max(1, Math.ceil(Math.hypot(x - from.x, y - from.y) / 2));
    for (let s = 1; s <= steps; s++) stamp(from.x + (x - from.x) * s / steps, from.y + (y - from.y) * s / steps);
    last = { x, y };
    draw();
  }
  canvas.addEventListener('pointerdown', (event) => { canvas.setPointerCapture(event.pointerId); last = null; paint(event); });
  canvas.addEventListener('pointermove', (event) => { if (last) paint(event); });
  canvas.addEventListener('pointerup', () => { last = null; });

  function renderClasses() {
    const used = new Set(labels);
    clear(classList, classes.map((c, i) => h(`div.class-item${current === i + 1 ? '.current' : ''}`, {},
      h('input', { type: 'radio', name: 'class', checked: current === i + 1, 'aria-label': c.name, onchange() { current = i + 1; erase.checked = false; renderClasses(); } }),
      h('input', { type: 'color', value: c.color, 'aria-label': `${c.name} colour`, onchange(e) { c.color = e.target.value; renderClasses(); draw(); } }),
      h('input', { value: c.name, 'aria-label': 'class name', onchange(e) { c.name = e.target.value.trim() || c.name; renderClasses(); } }),
      h('button', { disabled: used.has(i + 1), title: 'only classes this mask does not use', onclick() { removeClass(i + 1); } }, 'Delete'))));
  }

  function removeClass(index) {
    classes = classes.filter((_, i) => i !== index - 1);
    for (let i = 0; i < labels.length; i++) if (labels[i] > index) labels[i]--;
    current = classes.length ? 1 : 0;
    renderClasses();
    draw();
  }

  const newClass = h('input#new-class', { placeholder: 'new anomaly class', pattern: '[^\\s].*' });
  async function save() {
    const painted = [...new Set(labels)].filter((k) => k).sort((a, b) => a - b);
    const done = await guarded(async () => {
      await saveClasses(project, classes);
      let line;
      if (painted.length) {
        const key = `masks/${project}/${type}/${fileName(sourceRef).replace(/\.[^.]+$/, '')}.png`;
        await s3.put(CONSOLE_BUCKET, key, await maskPng(labels, width, height, classes), 'image/png');
        line = entryLine({ sourceRef, label: 'anomaly', maskRef: `s3://${CONSOLE_BUCKET}/${key}`, classes: painted.map((k) => classes[k - 1]) });
      } else {
        line = entryLine({ sourceRef, label: entry.label });
      }
      await writeEntries(project, type, [line]);
      return true;
    });
    if (done) notify(`${fileName(sourceRef)}: ${painted.length ? 'mask saved; the image is labelled anomaly' : 'mask removed'}.`, 'ok');
    return done;
  }
  const queue = JSON.parse(sessionStorage.getItem(MASK_QUEUE) || '[]');
  const next = queue[queue.indexOf(sourceRef) + 1];

  renderClasses();
  draw();
  view.append(h('div.editor', {},
    h('div.canvas-frame', {}, h('img', { src: image.src, alt: fileName(sourceRef) }), canvas),
    h('aside', {},
      h('h2', {}, 'Anomaly classes'), classList,
      h('form.inline', {
        onsubmit(event) {
          event.preventDefault();
          const name = newClass.value.trim();
          if (!name || classes.some((c) => c.name === name)) return;
          classes.push({ name, color: freeColor(classes) });
          current = classes.length;
          newClass.value = '';
          renderClasses();
        },
      }, newClass, h('button', { type: 'submit' }, 'Add class')),
      h('h2', {}, 'Brush'),
      h('label', {}, 'Size ', brush), h('label', {}, erase, ' Erase'),
      h('button', { onclick() { labels.fill(0); draw(); } }, 'Clear mask'),
      h('div.actions', {}, h('button.primary#save-mask', { onclick: save }, 'Save mask'),
        next && queue.includes(sourceRef) ? h('button#save-next', {
          async onclick() { if (await save()) location.hash = maskRoute(project, type, next); },
        }, 'Save and next image') : null,
        h('a.button', { href: back }, 'Back to the dataset')))));
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('the image could not be loaded'));
    image.src = url;
  });
}

function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// Fills labels from the saved mask: each pixel of a class's exact colour.
// classes holds every class of entry.classes (mergeClasses).
async function readMask(entry, classes, labels, width, height) {
  const mask = await loadImage(await s3UriUrl(entry.maskRef)).catch(() => null);
  if (!mask) return;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(mask, 0, 0, width, height);
  const data = ctx.getImageData(0, 0, width, height).data;
  // The entry's own colour map says which colour is which class (the
  // project's colours may have changed since the mask was saved).
  const colours = new Map(entry.classes.map((c) => [hexRgb(c.color).join(','),
    classes.findIndex((k) => k.name === c.name) + 1]));
  for (let i = 0; i < labels.length; i++)
    labels[i] = colours.get(`${data[4 * i]},${data[4 * i + 1]},${data[4 * i + 2]}`) || 0;
}

// The mask PNG: black background, each class in its colour, opaque.
function maskPng(labels, width, height, classes) {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const pixels = ctx.createImageData(width, height);
  const rgb = classes.map((c) => hexRgb(c.color));
  for (let i = 0; i < labels.length; i++) {
    const [r, g, b] = labels[i] ? rgb[labels[i] - 1] : [0, 0, 0];
    pixels.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(pixels, 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
