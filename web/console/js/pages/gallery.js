// gallery.js - a dataset's images, one page of ListDatasetEntries at a
// time (the server filters and pages, so 16,000 images cost no more than
// 50), with thumbnails, labels and mask overlays; labelling mode selects
// images and classifies them, saved with UpdateDatasetEntries.
import { lfv, s3UriUrl } from '../client.js';
import { entryLine, fileName, parseEntry } from '../entries.js';
import { loadClasses, mergeClasses } from '../classes.js';
import { writeEntries } from '../datasets.js';
import { clear, guarded, h, notify } from '../ui.js';

const PAGE_SIZE = 50;
export const MASK_QUEUE = 'vigil.maskQueue';

export function maskRoute(project, type, sourceRef) {
  return `#/projects/${encodeURIComponent(project)}/datasets/${type}/mask/${encodeURIComponent(sourceRef)}`;
}

export function galleryPanel(project, types, reload) {
  const state = { type: types[0], tokens: [null], page: 0, labelling: false, pending: new Map(), selected: new Set() };
  const grid = h('div.grid#image-grid');
  const pager = h('div.pager');
  const search = h('input#search', { type: 'search', placeholder: 'image name contains…', 'aria-label': 'search' });
  const labeled = select('filter-labeled', [['', 'labelled or not'], ['true', 'labelled'], ['false', 'unlabelled']]);
  const anomalyClass = select('filter-class', [['', 'normal or anomaly'], ['normal', 'normal'], ['anomaly', 'anomaly']]);
  const maskClass = select('filter-mask-class', [['', 'any anomaly class']]);
  const toolbar = h('div.toolbar#label-tools');
  const tabs = h('div.tabs', {}, types.map((type) => h('button.tab', {
    dataset: { type }, 'aria-pressed': String(type === state.type),
    onclick() { state.type = type; tabs.querySelectorAll('.tab').forEach((t) => t.setAttribute('aria-pressed', String(t.dataset.type === type))); restart(); },
  }, type === 'train' ? 'Training images' : 'Test images')));
  let entries = [];

  loadClasses(project).then((classes) => addClassOptions(maskClass, classes), () => {});

  function restart() {
    state.tokens = [null];
    state.page = 0;
    state.pending.clear();
    state.selected.clear();
    load();
  }

  async function load() {
    const params = [['maxResults', String(PAGE_SIZE)]];
    if (labeled.value) params.push(['labeled', labeled.value]);
    if (anomalyClass.value) params.push(['anomalyClass', anomalyClass.value]);
    if (search.value.trim()) params.push(['sourceRefContains', search.value.trim()]);
    const token = state.tokens[state.page];
    if (token) params.push(['nextToken', token]);
    const answer = await guarded(() => lfv.listEntries(project, state.type, params));
    if (!answer) return;
    state.tokens[state.page + 1] = answer.NextToken || null;
    entries = answer.DatasetEntries.map(parseEntry);
    addClassOptions(maskClass, entries.flatMap((e) => e.classes));
    render();
  }

  let shownRefs = [];
  function render() {
    const wanted = maskClass.value;
    const shown = wanted ? entries.filter((e) => e.classes.some((c) => c.name === wanted)) : entries;
    shownRefs = shown.map((e) => e.sourceRef);
    clear(grid, shown.length ? shown.map(card) : h('p.empty', {}, 'No images match.'));
    clear(pager,
      h('button', { disabled: state.page === 0, onclick() { state.page--; load(); } }, '‹ Previous'),
      h('span', {}, `Page ${state.page + 1}`),
      h('button#next-page', { disabled: !state.tokens[state.page + 1], onclick() { state.page++; load(); } }, 'Next ›'));
    renderToolbar();
  }

  function card(entry) {
    const label = state.pending.get(entry.sourceRef) ?? entry.label;
    const image = h('img.thumb', { alt: fileName(entry.sourceRef), loading: 'lazy' });
    s3UriUrl(entry.sourceRef).then((url) => { image.src = url; });
    const overlay = entry.maskRef && label === 'anomaly' ? h('img.mask', { alt: '' }) : null;
    if (overlay) s3UriUrl(entry.maskRef).then((url) => { overlay.src = url; });
    const selected = state.selected.has(entry.sourceRef);
    const node = h(`figure.image-card${selected ? '.selected' : ''}`, {
      dataset: { sourceRef: entry.sourceRef, label: label || 'none' },
      onclick() {
        if (state.labelling) {
          if (state.selected.has(entry.sourceRef)) state.selected.delete(entry.sourceRef);
          else state.selected.add(entry.sourceRef);
          render();
        } else {
          // The editor's "Next image" walks the page as shown.
          sessionStorage.setItem(MASK_QUEUE, JSON.stringify(shownRefs));
          location.hash = maskRoute(project, state.type, entry.sourceRef);
        }
      },
    }, h('div.frame', {}, image, overlay),
    h('figcaption', {}, h(`span.badge.${label || 'none'}`, {}, label || 'unlabelled'),
      state.pending.has(entry.sourceRef) ? h('span.badge.pending', {}, 'unsaved') : null,
      entry.classes.map((c) => h('span.swatch', { style: `background:${c.color}`, title: c.name })),
      h('span.name', {}, fileName(entry.sourceRef))));
    return node;
  }

  function classify(label) {
    for (const ref of state.selected) state.pending.set(ref, label);
    state.selected.clear();
    render();
  }

  async function save() {
    const lines = entries.filter((e) => state.pending.has(e.sourceRef)).map((e) => {
      const label = state.pending.get(e.sourceRef);
      return entryLine({ sourceRef: e.sourceRef, label, maskRef: e.maskRef, classes: e.classes });
    });
    if (!lines.length) return;
    if (await guarded(async () => { await writeEntries(project, state.type, lines); return true; })) {
      notify(`${lines.length} labels saved.`, 'ok');
      state.pending.clear();
      reload();
    }
  }

  function renderToolbar() {
    if (!state.labelling) {
      clear(toolbar, h('button#start-labelling', { onclick() { state.labelling = true; render(); } }, 'Start labelling'));
      return;
    }
    clear(toolbar,
      h('button#select-all', { onclick() { entries.forEach((e) => state.selected.add(e.sourceRef)); render(); } }, 'Select all on this page'),
      h('button#classify-normal', { onclick: () => classify('normal') }, 'Classify as normal'),
      h('button#classify-anomaly', { onclick: () => classify('anomaly') }, 'Classify as anomaly'),
      h('button.primary#save-labels', { disabled: !state.pending.size, onclick: save }, `Save changes (${state.pending.size})`),
      h('button', { onclick() { state.labelling = false; state.pending.clear(); state.selected.clear(); render(); } }, 'Stop labelling'),
      h('span.hint', {}, `${state.selected.size} selected`));
  }

  let timer = null;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(restart, 300); });
  [labeled, anomalyClass].forEach((s) => s.addEventListener('change', restart));
  maskClass.addEventListener('change', render);
  load();
  return h('div', {}, h('h2', {}, 'Images'), tabs,
    h('div.filters', {}, search, labeled, anomalyClass, maskClass), toolbar, grid, pager);
}

function select(id, options) {
  return h(`select#${id}`, { 'aria-label': id.replace(/-/g, ' ') },
    options.map(([value, text]) => h('option', { value }, text)));
}

function addClassOptions(selectNode, classes) {
  const known = [...selectNode.options].map((o) => o.value);
  for (const c of mergeClasses([], classes))
    if (!known.includes(c.name)) selectNode.append(h('option', { value: c.name }, c.name));
}
