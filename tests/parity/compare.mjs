#!/usr/bin/env node
// compare.mjs — compare two sets of layer activations (reference vs. ours).
//
// Usage:
//   node tests/parity/compare.mjs --ref REFDIR --got GOTDIR --layers a,b [--tolerance 1e-3]
//
// Each directory holds, per layer, <layer>.f32 (raw little-endian float32, NHWC)
// and <layer>.json ({"shape":[n,h,w,c]}), as written by tfjs_activations.mjs and
// by `vigil backbone run`. For every layer the shapes must match exactly; then it
// prints
//   max_abs_diff = max_i |got_i - ref_i|
//   max_abs_ref  = max_i |ref_i|
//   rel_err      = max_abs_diff / max_abs_ref
// i.e. the relative error is the worst absolute difference measured against the
// largest magnitude of the reference tensor (not element-wise relative error,
// which explodes near zero). If max_abs_ref is 0, rel_err is 0 when the tensors
// are equal and Infinity otherwise. A non-finite value in either tensor fails.
//
// Exit status: 0 when every layer's rel_err <= tolerance (default 1e-3);
// 1 when a layer exceeds it, a file is missing or malformed, or shapes differ.
// The last line is always "compare: ... PASS|FAIL" with the worst rel_err, for run.sh.

import fs from 'node:fs';
import path from 'node:path';

function usage(msg) {
  process.stderr.write(`compare.mjs: ${msg}\n` +
    'usage: node compare.mjs --ref REFDIR --got GOTDIR --layers a,b [--tolerance 1e-3]\n');
  process.exit(1);
}

const args = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i];
  if (!['--ref', '--got', '--layers', '--tolerance'].includes(key)) usage(`unknown argument ${key}`);
  if (i + 1 >= argv.length) usage(`${key} needs a value`);
  args[key.slice(2)] = argv[i + 1];
}
for (const k of ['ref', 'got', 'layers']) if (!args[k]) usage(`missing --${k}`);
const tolerance = args.tolerance === undefined ? 1e-3 : Number(args.tolerance);
if (!(tolerance >= 0)) usage(`bad --tolerance ${args.tolerance}`);
const layers = args.layers.split(',').map((s) => s.trim()).filter(Boolean);
if (layers.length === 0) usage('--layers is empty');

// Load one side of one layer: {shape, data} or an error string.
function load(dir, layer) {
  const jsonPath = path.join(dir, `${layer}.json`);
  const f32Path = path.join(dir, `${layer}.f32`);
  if (!fs.existsSync(jsonPath)) return { error: `missing ${jsonPath}` };
  if (!fs.existsSync(f32Path)) return { error: `missing ${f32Path}` };
  let shape;
  try {
    shape = JSON.parse(fs.readFileSync(jsonPath, 'utf8')).shape;
  } catch (e) {
    return { error: `${jsonPath}: ${e.message}` };
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    return { error: `${jsonPath}: bad "shape" ${JSON.stringify(shape)}` };
  }
  const buf = fs.readFileSync(f32Path);
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length !== count * 4) {
    return { error: `${f32Path}: ${buf.length} bytes, shape [${shape}] needs ${count * 4}` };
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(i * 4);
  return { shape, data };
}

const fmt = (x) => (Number.isFinite(x) ? x.toExponential(3) : String(x));
const rows = [];
let failed = false;
let worst = 0;
for (const layer of layers) {
  const ref = load(args.ref, layer);
  const got = load(args.got, layer);
  const err = ref.error || got.error;
  if (err) {
    rows.push([layer, '-', '-', '-', '-', `FAIL (${err})`]);
    failed = true;
    worst = Infinity;
    continue;
  }
  if (ref.shape.join(',') !== got.shape.join(',')) {
    rows.push([layer, `[${ref.shape}]`, '-', '-', '-', `FAIL (got shape [${got.shape}])`]);
    failed = true;
    worst = Infinity;
    continue;
  }
  let maxDiff = 0;
  let maxRef = 0;
  let nonFinite = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const r = ref.data[i];
    const g = got.data[i];
    if (!Number.isFinite(r) || !Number.isFinite(g)) { nonFinite++; continue; }
    const d = Math.abs(g - r);
    if (d > maxDiff) maxDiff = d;
    if (Math.abs(r) > maxRef) maxRef = Math.abs(r);
  }
  let rel = maxRef > 0 ? maxDiff / maxRef : (maxDiff === 0 ? 0 : Infinity);
  if (nonFinite > 0) rel = Infinity;
  const ok = rel <= tolerance;
  if (!ok) failed = true;
  if (rel > worst) worst = rel;
  rows.push([layer, `[${ref.shape}]`, fmt(maxDiff), fmt(maxRef), fmt(rel),
    ok ? 'ok' : (nonFinite > 0 ? `FAIL (${nonFinite} non-finite values)` : 'FAIL')]);
}

// Print an aligned table.
const header = ['layer', 'shape', 'max_abs_diff', 'max_abs_ref', 'rel_err', 'status'];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
const line = (r) => r.map((v, c) => String(v).padEnd(widths[c])).join('  ').trimEnd();
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(`compare: ${layers.length} layer(s), worst rel_err ${fmt(worst)}, tolerance ${fmt(tolerance)}: ` +
  (failed ? 'FAIL' : 'PASS'));
process.exit(failed ? 1 : 0);
