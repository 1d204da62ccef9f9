#!/usr/bin/env node
// tfjs_activations.mjs — reference activations of a backbone, computed by TensorFlow.js.
//
// Usage:
//   node tests/parity/tfjs_activations.mjs --tfjs-dir DIR --input FILE.f32 --shape 1,H,W,3 \
//        --layers a,b,c --out OUTDIR [--backend cpu|wasm]
//
// DIR is a model extracted by tools/tfjs/extract.cjs (model.json + weights.bin,
// uint8-quantised Keras layers model from nsfwjs). The script:
//   1. loads @tensorflow/tfjs from tools/tfjs/node_modules (`npm ci --prefix tools/tfjs`),
//      on the pure-JS 'cpu' backend by default, or 'wasm' (whose .wasm binaries are
//      read from node_modules: nothing is downloaded);
//   2. edits the topology so any input size works: the InputLayer's batch_input_shape
//      becomes [null,null,null,3], and the classification head (Flatten, Dense,
//      Dropout, and the pooling layer feeding them) is dropped together with its
//      weights, so loading stays strict (every remaining weight must be present);
//   3. loads it with tf.io.fromMemory (tfjs dequantises min + scale*q itself),
//      builds tf.model({inputs, outputs: the requested layers}) and runs it on the
//      raw little-endian float32 NHWC input (already normalised: nsfwjs uses pixel/255);
//   4. writes OUTDIR/<layer>.f32 (raw little-endian float32 NHWC) and
//      OUTDIR/<layer>.json ({"shape":[n,h,w,c]}) for each requested layer.
//
// The loading helpers are exported for bench/tfjs_backbone.mjs; the command line
// part only runs when this file is the program.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const TFJS_TOOLS_DIR = path.join(REPO_ROOT, 'tools', 'tfjs');

// Layers that make up the classification head of the nsfwjs models.
const HEAD_CLASSES = new Set(['Flatten', 'Dense', 'Dropout']);
// Pooling layers that belong to the head when they only feed head layers.
const POOL_CLASSES = new Set(['AveragePooling2D', 'GlobalAveragePooling2D', 'MaxPooling2D',
  'GlobalMaxPooling2D']);

export function fail(msg) {
  process.stderr.write(`${path.basename(process.argv[1] || 'tfjs')}: error: ${msg}\n`);
  process.exit(1);
}

// Parse "--key value" pairs; every option takes a value.
export function parseArgs(argv, known) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) fail(`unexpected argument ${JSON.stringify(a)}`);
    const key = a.slice(2);
    if (!known.includes(key)) fail(`unknown option --${key} (known: ${known.map((k) => '--' + k).join(' ')})`);
    if (i + 1 >= argv.length) fail(`option --${key} needs a value`);
    out[key] = argv[++i];
  }
  return out;
}

export function splitList(s) {
  return String(s).split(',').map((x) => x.trim()).filter((x) => x.length > 0);
}

// Load TensorFlow.js from tools/tfjs/node_modules and select the backend.
// For 'wasm', `threads` > 0 asks XNNPACK for that many threads; tfjs only uses the
// threaded wasm binary where it detects support (it says no on Node.js), and
// `forceThreads` overrides that detection. Returns {tf, wasm, backend, threads}
// where threads is the count the wasm backend actually reports (1 for 'cpu').
export async function loadTf({ backend = 'cpu', threads = 0, forceThreads = false } = {}) {
  const pkg = path.join(TFJS_TOOLS_DIR, 'package.json');
  const req = createRequire(pkg);
  let tf;
  try {
    tf = req('@tensorflow/tfjs');
  } catch (e) {
    fail(`cannot load @tensorflow/tfjs (${e.message}); run: npm ci --prefix ${path.relative(process.cwd(), TFJS_TOOLS_DIR) || '.'}`);
  }
  // PROD only silences tfjs' console warnings (e.g. the hint to install tfjs-node: we
  // use the JS/wasm backends on purpose). Not IS_TEST, which adds per-kernel leak checks.
  tf.env().set('PROD', true);
  let wasm = null;
  if (backend === 'wasm') {
    wasm = req('@tensorflow/tfjs-backend-wasm');
    const wasmDir = path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(wasmDir + path.sep);
    if (threads > 0) wasm.setThreadsCount(threads);
    if (forceThreads) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  } else if (backend !== 'cpu') {
    fail(`unknown backend ${JSON.stringify(backend)} (cpu or wasm)`);
  }
  let ok;
  try {
    ok = await tf.setBackend(backend);
  } catch (e) {
    ok = false;
  }
  if (!ok) throw new Error(`TensorFlow.js backend '${backend}' failed to initialise`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`backend is ${tf.getBackend()}, wanted ${backend}`);
  return { tf, wasm, backend, threads: wasm ? wasm.getThreadsCount() : 1 };
}

// Read an extracted model and return {modelTopology, weightSpecs, weightData}
// with a size-agnostic input and without the classification head.
export function readBackboneArtifacts(tfjsDir) {
  const jsonPath = path.join(tfjsDir, 'model.json');
  const binPath = path.join(tfjsDir, 'weights.bin');
  for (const f of [jsonPath, binPath]) {
    if (!fs.existsSync(f)) fail(`missing ${f} (make it with tools/tfjs/extract.cjs or scripts/fetch-backbones.sh)`);
  }
  const model = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const bin = fs.readFileSync(binPath);
  const topology = structuredClone(model.modelTopology);
  const cfg = topology?.model_config?.config;
  if (!cfg || !Array.isArray(cfg.layers)) fail(`${jsonPath}: not a Keras layers model`);
  const group = model.weightsManifest?.[0];
  if (!group || model.weightsManifest.length !== 1) fail(`${jsonPath}: expected one weightsManifest group`);

  // Any input size: [batch, height, width, 3] with only the channel count fixed.
  const inputs = cfg.layers.filter((l) => l.class_name === 'InputLayer');
  if (inputs.length !== 1) fail(`${jsonPath}: expected one InputLayer, found ${inputs.length}`);
  inputs[0].config.batch_input_shape = [null, null, null, 3];

  // Consumers of each layer, from the inbound_nodes lists.
  const consumers = new Map(cfg.layers.map((l) => [l.name, []]));
  for (const l of cfg.layers) {
    for (const node of l.inbound_nodes || []) {
      for (const [src] of node) consumers.get(src)?.push(l.name);
    }
  }
  // Drop the head: Flatten/Dense/Dropout, then pooling layers that only feed dropped layers.
  const dropped = new Set(cfg.layers.filter((l) => HEAD_CLASSES.has(l.class_name)).map((l) => l.name));
  for (const l of cfg.layers) {
    const cons = consumers.get(l.name);
    if (POOL_CLASSES.has(l.class_name) && cons.length > 0 && cons.every((c) => dropped.has(c))) {
      dropped.add(l.name);
    }
  }
  cfg.layers = cfg.layers.filter((l) => !dropped.has(l.name));
  const kept = new Set(cfg.layers.map((l) => l.name));
  // New outputs: the remaining layers that nothing remaining consumes.
  const sinks = cfg.layers.filter((l) => !consumers.get(l.name).some((c) => kept.has(c)));
  cfg.output_layers = sinks.map((l) => [l.name, 0, 0]);

  // Keep the weights of the remaining layers only (manifest order, 1 byte/element).
  const weightSpecs = [];
  const pieces = [];
  let offset = 0;
  for (const w of group.weights) {
    if (w.quantization?.dtype !== 'uint8') fail(`${jsonPath}: weight ${w.name} is not uint8-quantised`);
    const n = w.shape.reduce((a, b) => a * b, 1);
    const layer = w.name.slice(0, w.name.lastIndexOf('/'));
    if (kept.has(layer)) {
      weightSpecs.push(w);
      pieces.push(bin.subarray(offset, offset + n));
    } else if (!dropped.has(layer)) {
      fail(`${jsonPath}: weight ${w.name} belongs to no layer of the model`);
    }
    offset += n;
  }
  if (offset !== bin.length) fail(`${binPath}: ${bin.length} bytes, manifest needs ${offset}`);
  const joined = Buffer.concat(pieces);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  return { modelTopology: topology, weightSpecs, weightData, outputNames: sinks.map((l) => l.name) };
}

// Load the headless backbone and return a tf.LayersModel whose outputs are `layers`.
export async function loadBackbone(tf, tfjsDir, layers) {
  const { modelTopology, weightSpecs, weightData } = readBackboneArtifacts(tfjsDir);
  const full = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology, weightSpecs, weightData }), { strict: true });
  const outputs = layers.map((name) => {
    let layer;
    try {
      layer = full.getLayer(name);
    } catch (e) {
      fail(`layer ${JSON.stringify(name)} not found in ${tfjsDir}`);
    }
    return layer.output;
  });
  return tf.model({ inputs: full.inputs, outputs });
}

// Read a raw little-endian float32 file of the given shape.
export function readF32(file, shape) {
  if (!fs.existsSync(file)) fail(`missing input ${file}`);
  const buf = fs.readFileSync(file);
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length !== count * 4) {
    fail(`${file}: ${buf.length} bytes, shape ${JSON.stringify(shape)} needs ${count * 4}`);
  }
  const out = new Float32Array(count);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

// Write a float32 array as raw little-endian bytes.
export function writeF32(file, data) {
  const buf = Buffer.alloc(data.length * 4);
  for (let i = 0; i < data.length; i++) buf.writeFloatLE(data[i], i * 4);
  fs.writeFileSync(file, buf);
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['tfjs-dir', 'input', 'shape', 'layers', 'out', 'backend']);
  for (const k of ['tfjs-dir', 'input', 'shape', 'layers', 'out']) {
    if (!args[k]) {
      fail(`missing --${k}\nusage: node tfjs_activations.mjs --tfjs-dir DIR --input FILE.f32 ` +
           `--shape 1,H,W,3 --layers a,b,c --out OUTDIR [--backend cpu|wasm]`);
    }
  }
  const shape = splitList(args.shape).map(Number);
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0) || shape[3] !== 3) {
    fail(`--shape must be N,H,W,3 with positive integers, got ${args.shape}`);
  }
  const layers = splitList(args.layers);
  if (layers.length === 0) fail('--layers is empty');
  if (new Set(layers).size !== layers.length) fail('--layers names a layer twice');

  const { tf } = await loadTf({ backend: args.backend || 'cpu' });
  const model = await loadBackbone(tf, args['tfjs-dir'], layers);
  const input = tf.tensor4d(readF32(args.input, shape), shape, 'float32');
  let outs = model.predict(input);
  if (!Array.isArray(outs)) outs = [outs];

  fs.mkdirSync(args.out, { recursive: true });
  for (let i = 0; i < layers.length; i++) {
    const t = outs[i];
    if (t.rank !== 4) fail(`layer ${layers[i]} has rank ${t.rank}, expected 4 (NHWC)`);
    const data = await t.data();
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j])) fail(`layer ${layers[i]}: non-finite value at index ${j}`);
    }
    writeF32(path.join(args.out, `${layers[i]}.f32`), data);
    fs.writeFileSync(path.join(args.out, `${layers[i]}.json`), JSON.stringify({ shape: t.shape }) + '\n');
    process.stdout.write(`${layers[i]}: [${t.shape.join(',')}]\n`);
  }
  tf.dispose([input, ...outs]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
}
