#!/usr/bin/env node
// tfjs_backbone.mjs — time a backbone (input -> given layers) in TensorFlow.js on Node.js.
//
// Usage:
//   node bench/tfjs_backbone.mjs --tfjs-dir DIR --height 224 --width 224 --layers block_12_add \
//        [--runs 30] [--warmup 5] [--threads 1|2] [--backend wasm|cpu]
//
// DIR is a model extracted by tools/tfjs/extract.cjs. The network is the same one
// tests/parity/tfjs_activations.mjs builds (nsfwjs backbone, head dropped, any input
// size), run on uniform random input in [0,1) (pixel/255). Each timed run is
// model.predict() plus reading every requested output back to JS, so the time is
// "input tensor in, activations available". Prints one JSON object:
//   {backend, threads, height, width, layers, median_ms, p10_ms, p90_ms, runs, ...}
// where `threads` is the thread count the backend actually reports (tfjs' own
// getThreadsCount() for wasm; 1 for the single-threaded pure-JS cpu backend).
//
// Threads on Node.js: tfjs-backend-wasm 4.x never picks its threaded binary on
// Node (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false there, tfjs issue
// #3830), and even when it does it caps XNNPACK at os.cpus().length/2 threads
// (it assumes 2 hyperthreads per core), i.e. 1 thread on a 2-vCPU machine. So
// --threads 1 (default) uses the plain SIMD binary, and --threads N>1 installs a
// small shim (see enableNodeWasmThreads) that lets the threaded-SIMD binary start
// its pthread workers under worker_threads and lifts the core cap to N. Whatever
// happens, the JSON reports the count tfjs really ended up with.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  fail, parseArgs, splitList, loadTf, loadBackbone,
} from '../tests/parity/tfjs_activations.mjs';

// Make tfjs-backend-wasm's threaded build usable on Node.js with `threads` threads.
// Must run before the wasm backend initialises. What it patches, and why:
//  - tfjs hands Emscripten the pthread worker script and the main module script as
//    Blob URLs; Node's worker_threads cannot start a Worker from a blob: URL and the
//    worker cannot importScripts() one. We catch those two Blobs as tfjs builds them
//    and write them to a temp directory instead: the worker script (slightly edited
//    to import the main script by file path) and the main script (prefixed with the
//    module-scope `require$$N` aliases that the bundler's inlined factory expects).
//  - os.cpus() is padded so tfjs' cores/2 cap allows `threads` XNNPACK threads.
export function enableNodeWasmThreads(threads) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-tfjs-wasm-threads-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  let mainScriptPath = null;
  const OrigBlob = globalThis.Blob;
  globalThis.Blob = class extends OrigBlob {
    constructor(parts, options) {
      super(parts, options);
      const text = Array.isArray(parts) && parts.length === 1 && typeof parts[0] === 'string'
        ? parts[0] : null;
      if (text && text.startsWith('var WasmBackendModuleThreadedSimd')) {
        mainScriptPath = path.join(tmp, 'tfjs-backend-wasm-threaded-simd.cjs');
        fs.writeFileSync(mainScriptPath,
          "var require$$0 = require('fs'), require$$1 = require('path'), " +
          "require$$3 = require('perf_hooks'), require$$4 = require('os'), " +
          'commonjsGlobal = globalThis;\n' + text);
      } else if (text && text.includes('ENVIRONMENT_IS_NODE') && text.includes('urlOrBlob')) {
        this.vigilWorkerText = text;
      }
    }
  };
  const origCreateObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob) => {
    if (!blob || !blob.vigilWorkerText) return origCreateObjectURL(blob);
    const importMain = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}' +
      'else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);' +
      'URL.revokeObjectURL(objectUrl)}';
    if (!mainScriptPath || !blob.vigilWorkerText.includes(importMain)) {
      throw new Error('tfjs-backend-wasm worker script is not the one this shim knows (4.22.0)');
    }
    const workerPath = path.join(tmp, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
    fs.writeFileSync(workerPath,
      blob.vigilWorkerText.replace(importMain, `importScripts(${JSON.stringify(mainScriptPath)});`));
    return workerPath;
  };
  const origCpus = os.cpus;
  os.cpus = () => {
    const cpus = origCpus();
    while (cpus.length > 0 && cpus.length < 2 * threads) cpus.push(cpus[0]);
    return cpus;
  };
}

// Percentile by nearest rank on a sorted array (p in [0,100]).
function percentile(sorted, p) {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

function positiveInt(name, value, min = 1) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got ${value}`);
  return n;
}

async function main() {
  const args = parseArgs(process.argv.slice(2),
    ['tfjs-dir', 'height', 'width', 'layers', 'runs', 'warmup', 'threads', 'backend']);
  for (const k of ['tfjs-dir', 'height', 'width', 'layers']) if (!args[k]) fail(`missing --${k}`);
  const height = positiveInt('height', args.height, 32);
  const width = positiveInt('width', args.width, 32);
  const runs = positiveInt('runs', args.runs ?? 30);
  const warmup = positiveInt('warmup', args.warmup ?? 5, 0);
  const requestedThreads = positiveInt('threads', args.threads ?? 1);
  const backend = args.backend || 'wasm';
  const layers = splitList(args.layers);
  if (layers.length === 0) fail('--layers is empty');
  if (backend === 'cpu' && requestedThreads !== 1) {
    process.stderr.write('note: the cpu backend is single-threaded JavaScript; --threads ignored\n');
  }

  const threadedWasm = backend === 'wasm' && requestedThreads > 1;
  if (threadedWasm) enableNodeWasmThreads(requestedThreads);
  // Emscripten unref()s its pthread workers, so while the main thread only waits for
  // their messages Node may see an empty event loop and quietly exit with status 0.
  // A ref'd timer keeps the process alive until we are done (main exits explicitly).
  setInterval(() => {}, 1 << 30);
  const { tf, threads } = await Promise.race([
    loadTf({ backend, threads: backend === 'wasm' ? requestedThreads : 0, forceThreads: threadedWasm }),
    new Promise((_, reject) => setTimeout(
      () => reject(new Error(`the ${backend} backend did not initialise within 60 s`)), 60000).unref()),
  ]);
  const model = await loadBackbone(tf, args['tfjs-dir'], layers);
  const input = tf.randomUniform([1, height, width, 3], 0, 1, 'float32', 1234);

  // One inference: predict, then pull every output back into JS memory.
  const once = async () => {
    const t0 = performance.now();
    let outs = model.predict(input);
    if (!Array.isArray(outs)) outs = [outs];
    for (const t of outs) await t.data();
    const ms = performance.now() - t0;
    tf.dispose(outs);
    return ms;
  };
  for (let i = 0; i < warmup; i++) await once();
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  times.sort((a, b) => a - b);
  const round = (x) => Math.round(x * 1000) / 1000;

  const result = {
    backend,
    threads,
    height,
    width,
    layers,
    median_ms: round(median(times)),
    p10_ms: round(percentile(times, 10)),
    p90_ms: round(percentile(times, 90)),
    runs,
    warmup,
    requested_threads: requestedThreads,
    wasm_binary: backend === 'wasm' ? (threadedWasm ? 'threaded-simd' : 'simd') : null,
    tfjs_version: tf.version.tfjs,
    node_version: process.version,
  };
  if (backend === 'wasm' && threads !== requestedThreads) {
    result.note = `asked for ${requestedThreads} thread(s), tfjs reports ${threads}`;
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  finished = true;
}

// Set once the JSON is out; exiting before that is an error, never a silent success.
let finished = false;

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.on('exit', (code) => {
    if (!finished && code === 0) {
      process.stderr.write('tfjs_backbone.mjs: error: exited before the benchmark finished\n');
      process.exitCode = 1;
    }
  });
  // The keep-alive timer (and any wasm pthread workers) hold the event loop: exit explicitly.
  main().then(() => process.exit(0), (e) => fail(e && e.stack ? e.stack : String(e)));
}
