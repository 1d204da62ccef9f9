// ui.js - small DOM helpers shared by the pages: element building, status
// messages, a typed confirmation dialog, and polling.

// h('div.card#id', {attrs, onclick: fn, dataset}, ...children)
export function h(spec, attrs = {}, ...children) {
  const [tag, ...rest] = spec.split(/(?=[.#])/);
  const node = document.createElement(tag || 'div');
  for (const part of rest) {
    if (part[0] === '.') node.classList.add(part.slice(1));
    else node.id = part.slice(1);
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    // through CSSOM: the Content-Security-Policy refuses style attributes
    else if (key === 'style') node.style.cssText = value;
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// A message in the page's notice area: kind is 'error', 'ok' or 'info'.
export function notify(message, kind = 'info') {
  const area = document.getElementById('notices');
  const note = h(`div.notice.${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, message,
    h('button.close', { 'aria-label': 'dismiss', onclick: () => note.remove() }, '×'));
  area.append(note);
  if (kind !== 'error') setTimeout(() => note.remove(), 6000);
}

export function errorText(error) {
  return error.type ? `${error.type}: ${error.message}` : String(error.message || error);
}

// Runs an action, turning its failure into an error notice; answers its
// result, or undefined when it failed.
export async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    notify(errorText(error), 'error');
    return undefined;
  }
}

// Resolves true when the user types `word` and confirms.
export function confirmTyped(title, explanation, word) {
  return new Promise((resolve) => {
    const input = h('input', { type: 'text', autocomplete: 'off', 'aria-label': 'confirmation' });
    const ok = h('button.danger', { type: 'submit', disabled: true }, 'Delete');
    input.addEventListener('input', () => { ok.disabled = input.value !== word; });
    const dialog = h('dialog.confirm', {},
      h('form', { method: 'dialog' },
        h('h2', {}, title), h('p', {}, explanation),
        h('label', {}, `Type "${word}" to confirm: `, input),
        h('div.actions', {}, h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'), ok)));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue !== 'cancel' && input.value === word);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Calls check() every `ms` until it answers true or the page changed.
export async function pollUntil(check, ms, stillShown) {
  while (stillShown()) {
    if (await check()) return true;
    await sleep(ms);
  }
  return false;
}

export function percent(value) {
  return value === undefined || value === null ? '–' : `${(100 * value).toFixed(1)} %`;
}

// A progress bar that counts done of total.
export function progressBar(label) {
  const bar = h('progress', { max: 1, value: 0 });
  const text = h('span.progress-text', {}, label);
  const node = h('div.progress', {}, bar, text);
  return {
    node,
    set(done, total, note = '') {
      bar.max = total || 1;
      bar.value = done;
      text.textContent = `${label}: ${done} / ${total}${note ? ' – ' + note : ''}`;
    },
  };
}
