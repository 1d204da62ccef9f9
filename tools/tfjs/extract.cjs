#!/usr/bin/env node
// extract.cjs — unwrap one nsfwjs bundled TF.js model into a plain model.json + weights.bin.
//
// Usage:
//   node tools/tfjs/extract.cjs <nsfwjs-package-dir>/dist/models/<name> <outdir>
//
// The nsfwjs npm package (4.3.0) ships each Keras-layers model as browserify
// wrappers instead of plain files:
//   model.min.js               module.exports = {modelTopology, weightsManifest}
//   group1-shardNofM.min.js    module.exports = "<base64 of shard N>"
// This script require()s those wrappers (they are CommonJS; the package's
// dist/models/package.json says "type": "commonjs"), joins the shards' bytes in
// manifest order and writes:
//   <outdir>/model.json   {modelTopology, weightsManifest}; weightsManifest has
//                         exactly one group whose paths is ["weights.bin"], the
//                         weights list (names, shapes, quantization {min, scale,
//                         dtype:"uint8"}) kept as is.
//   <outdir>/weights.bin  the concatenated shard bytes: tensors in manifest
//                         order, one uint8 per element (dequantise as min + scale*q).
// It checks everything it relies on (one weight group, every tensor float32
// quantised to uint8, total byte count = sum of element counts) and stops with
// a clear message and exit status 1 otherwise. Nothing is downloaded.
'use strict';

const fs = require('fs');
const path = require('path');

function die(msg) {
  process.stderr.write(`extract.cjs: error: ${msg}\n`);
  process.exit(1);
}

// require() a wrapper and return its export, with the file named in any error.
function loadWrapper(file) {
  if (!fs.existsSync(file)) die(`missing file ${file}`);
  try {
    const mod = require(path.resolve(file));
    // Tolerate an ES-module-style default export too.
    return mod && typeof mod === 'object' && 'default' in mod && Object.keys(mod).length === 1
      ? mod.default : mod;
  } catch (e) {
    die(`cannot evaluate ${file}: ${e.message}`);
  }
}

function main() {
  const args = process.argv.slice(2);
  if (args.length !== 2 || args[0] === '-h' || args[0] === '--help') {
    process.stderr.write('usage: node extract.cjs <nsfwjs-package>/dist/models/<name> <outdir>\n');
    process.exit(2);
  }
  const [modelDir, outDir] = args;
  if (!fs.existsSync(modelDir) || !fs.statSync(modelDir).isDirectory()) {
    die(`model directory not found: ${modelDir}`);
  }

  // 1. The model object: {modelTopology, weightsManifest}.
  const model = loadWrapper(path.join(modelDir, 'model.min.js'));
  if (!model || typeof model !== 'object') die('model.min.js did not export an object');
  const { modelTopology, weightsManifest } = model;
  if (!modelTopology || typeof modelTopology !== 'object') die('model.min.js: no modelTopology object');
  if (!modelTopology.model_config || !Array.isArray(modelTopology.model_config.config?.layers)) {
    die('model.min.js: modelTopology is not a Keras layers model (no model_config.config.layers)');
  }
  if (!Array.isArray(weightsManifest) || weightsManifest.length !== 1) {
    die(`model.min.js: expected exactly one weightsManifest group, got ${
      Array.isArray(weightsManifest) ? weightsManifest.length : typeof weightsManifest}`);
  }
  const group = weightsManifest[0];
  if (!Array.isArray(group.paths) || group.paths.length === 0) die('weightsManifest[0].paths is empty');
  if (!Array.isArray(group.weights) || group.weights.length === 0) die('weightsManifest[0].weights is empty');

  // 2. Every tensor must be float32 quantised to one uint8 per element.
  let expectedBytes = 0;
  const seen = new Set();
  for (const w of group.weights) {
    const where = `weight ${JSON.stringify(w && w.name)}`;
    if (typeof w.name !== 'string' || !w.name) die(`a weight has no name`);
    if (seen.has(w.name)) die(`${where} appears twice in the manifest`);
    seen.add(w.name);
    if (w.dtype !== 'float32') die(`${where}: dtype ${w.dtype}, expected float32`);
    if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d > 0)) {
      die(`${where}: bad shape ${JSON.stringify(w.shape)}`);
    }
    const q = w.quantization;
    if (!q || q.dtype !== 'uint8' || !Number.isFinite(q.min) || !Number.isFinite(q.scale)) {
      die(`${where}: expected quantization {min, scale, dtype:"uint8"}, got ${JSON.stringify(q)}`);
    }
    expectedBytes += w.shape.reduce((a, b) => a * b, 1);
  }

  // 3. Join the shards' bytes in the manifest's order.
  const buffers = [];
  for (const p of group.paths) {
    if (typeof p !== 'string' || /[\\/]/.test(p)) die(`bad shard path ${JSON.stringify(p)}`);
    const b64 = loadWrapper(path.join(modelDir, `${p}.min.js`));
    if (typeof b64 !== 'string') die(`${p}.min.js did not export a string`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      die(`${p}.min.js: export is not canonical base64`);
    }
    buffers.push(Buffer.from(b64, 'base64'));
  }
  const weights = Buffer.concat(buffers);
  if (weights.length !== expectedBytes) {
    die(`shards hold ${weights.length} bytes but the manifest's ${group.weights.length} tensors ` +
        `need ${expectedBytes} (one uint8 per element)`);
  }

  // 4. Write the plain model.json and weights.bin (through temp files, so an
  //    interrupted run never leaves a half-written pair that looks complete).
  fs.mkdirSync(outDir, { recursive: true });
  const out = {
    modelTopology,
    weightsManifest: [{ ...group, paths: ['weights.bin'] }],
  };
  const jsonPath = path.join(outDir, 'model.json');
  const binPath = path.join(outDir, 'weights.bin');
  fs.writeFileSync(`${binPath}.tmp`, weights);
  fs.writeFileSync(`${jsonPath}.tmp`, JSON.stringify(out));
  fs.renameSync(`${binPath}.tmp`, binPath);
  fs.renameSync(`${jsonPath}.tmp`, jsonPath);

  const layers = modelTopology.model_config.config.layers.length;
  process.stdout.write(`extract.cjs: ${modelDir} -> ${outDir}: ${layers} layers, ` +
    `${group.weights.length} tensors, ${weights.length} bytes from ${group.paths.length} shard(s)\n`);
}

main();
