#!/usr/bin/env bash
# run.sh - the backbone benchmark of docs/benchmarks.md, side by side in one run.
#
# Usage: bench/run.sh [BUILD_DIR]   (make bench)
#
# Measures, on this machine and in this order so that every ratio compares
# figures taken minutes apart:
#   1. the single-precision GEMM peak (OpenBLAS, 1 and 2 threads);
#   2. Vigil's forward pass to the engine's layers: MobileNetV2 to
#      block_5_add + block_12_add at 224x224 and at the engine's working
#      resolution for the cookies (192x256), InceptionV3 to mixed2 + mixed4 at
#      299x299; on 1 and 2 threads;
#   3. the same networks and layers in TensorFlow.js on Node with the
#      WebAssembly backend (tools/tfjs, pinned), on 1 and 2 threads.
# Prints JSON lines and a summary table (median ms per image, ratios).
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
BUILD="$(cd "${1:-$REPO/build}" && pwd)"
MODELS="$REPO/models"
TFJS="$REPO/.cache/backbones"
RUNS="${RUNS:-30}"
[[ -d "$REPO/tools/tfjs/node_modules/@tensorflow/tfjs-backend-wasm" ]] ||
  npm ci --prefix "$REPO/tools/tfjs" --no-audit --no-fund --loglevel=error

cases=(
  "mobilenet_v2 224 224 block_5_add,block_12_add"
  "mobilenet_v2 256 192 block_5_add,block_12_add"
  "inception_v3 299 299 mixed2,mixed4"
)
results=$(mktemp)
trap 'rm -f "$results"' EXIT

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
"$BUILD/bench_gemm_peak" 1024 10 2 | tee -a "$results"
for c in "${cases[@]}"; do
  read -r model h w layers <<<"$c"
  for t in 1 2; do
    echo "{\"engine\":\"vigil\",\"case\":\"$model ${h}x$w\",$("$BUILD/bench_backbone" \
      "$MODELS/$model.vgm" "$h" "$w" "$layers" "$t" "$RUNS" 5 | cut -c2-)" | tee -a "$results"
    echo "{\"engine\":\"tfjs-wasm\",\"case\":\"$model ${h}x$w\",$(node "$REPO/bench/tfjs_backbone.mjs" \
      --tfjs-dir "$TFJS/$model" --height "$h" --width "$w" --layers "$layers" --runs "$RUNS" \
      --warmup 5 --threads "$t" --backend wasm | cut -c2-)" | tee -a "$results"
  done
done

node - "$results" <<'JS'
// Summary: median ms per image for each case and thread count, and the ratios.
const fs = require('fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map(JSON.parse);
const gemm = rows.find(r => r.gflops_1t);
console.log(`\nGEMM peak: ${gemm.gflops_1t} GFLOP/s on 1 thread, ${gemm.gflops_2t} on 2`);
console.log('case                    threads  vigil ms  tfjs-wasm ms (threads)  tfjs/vigil');
for (const v of rows.filter(r => r.engine === 'vigil')) {
  const t = rows.find(r => r.engine === 'tfjs-wasm' && r.case === v.case &&
                           r.requested_threads === v.threads);
  console.log(`${v.case.padEnd(24)}${String(v.threads).padEnd(9)}${v.median_ms.toFixed(2).padEnd(10)}` +
              `${t.median_ms.toFixed(2)} (${t.threads})`.padEnd(24) + (t.median_ms / v.median_ms).toFixed(1) + 'x');
}
JS
