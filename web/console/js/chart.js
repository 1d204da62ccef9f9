// chart.js - a small hand-drawn SVG line chart: one or more series over
// time sharing a y axis from 0.

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'style') node.style.cssText = v; // CSSOM: the CSP refuses style attributes
    else node.setAttribute(k, v);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

// series: [{name, color, points: [{time (ms), value}]}]; format(value) labels the y axis.
export function lineChart(series, { width = 520, height = 180, format = String } = {}) {
  const pad = { left: 48, right: 12, top: 12, bottom: 28 };
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
  const all = series.flatMap((s) => s.points);
  if (all.length < 1) {
    root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'waiting for samples'));
    return root;
  }
  const t0 = Math.min(...all.map((p) => p.time));
  const t1 = Math.max(t0 + 1000, ...all.map((p) => p.time));
  const top = Math.max(...all.map((p) => p.value)) || 1;
  const x = (t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - (v / top) * (height - pad.top - pad.bottom);
  root.append(svg('line', { x1: pad.left, y1: y(0), x2: width - pad.right, y2: y(0), class: 'axis' }),
    svg('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: y(0), class: 'axis' }),
    svg('text', { x: pad.left - 4, y: y(top) + 4, 'text-anchor': 'end' }, format(top)),
    svg('text', { x: pad.left - 4, y: y(0) + 4, 'text-anchor': 'end' }, format(0)),
    svg('text', { x: pad.left, y: height - 8 }, new Date(t0).toLocaleTimeString()),
    svg('text', { x: width - pad.right, y: height - 8, 'text-anchor': 'end' }, new Date(t1).toLocaleTimeString()));
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.time).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    root.append(svg('path', { d, stroke: s.color, fill: 'none', 'stroke-width': 2 }),
      svg('text', { x: pad.left + 8 + 130 * i, y: pad.top + 10, style: `fill:${s.color}` }, s.name));
  });
  return root;
}
