#!/usr/bin/env bash
# run.sh — parity test: Vigil's C backbones against TensorFlow.js on the same weights.
#
# Usage: tests/parity/run.sh BUILD_DIR MODELS_DIR DATASETS_DIR
# (CTest runs it as the test `parity_tfjs`.)
#
# For each backbone (MobileNetV2, InceptionV3), each of two real images
# (DATASETS_DIR/cookies/training-images/{normal-1,anomaly-1}.jpg) and each of two
# input sizes (the native square one and a non-square 256x320, H x W):
#   1. `BUILD_DIR/vigil backbone run` preprocesses the image and writes the exact
#      network input (input.f32/.json) and our activations (<layer>.f32/.json);
#   2. tfjs_activations.mjs runs TensorFlow.js (pure-JS cpu backend) on that same
#      input.f32, from the model extracted from nsfwjs (.cache/backbones/<name>);
#   3. compare.mjs checks every layer: shapes equal and
#      max|got-ref| / max|ref| <= tolerance.
# Then it prints a summary table and exits non-zero if any case failed.
#
# Before that it makes sure of its inputs: tools/tfjs/node_modules (npm ci) and the
# models (scripts/fetch-backbones.sh, idempotent: quick when all is up to date).
# Environment:
#   PARITY_TOLERANCE  relative tolerance (default 1e-3)
#   PARITY_BACKEND    TF.js backend for the reference, cpu (default) or wasm
#   PARITY_KEEP=1     keep the work directory (path printed) for inspection
#   VIGIL_TFJS_BACKBONES  folder of extracted models (default <repo>/.cache/backbones)
set -uo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 BUILD_DIR MODELS_DIR DATASETS_DIR" >&2
  exit 2
fi
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
BUILD_DIR="$(cd "$1" && pwd)" || { echo "parity: no build dir $1" >&2; exit 1; }
MODELS_DIR="$2"
DATASETS_DIR="$3"
VIGIL="$BUILD_DIR/vigil"
TOLERANCE="${PARITY_TOLERANCE:-1e-3}"
BACKEND="${PARITY_BACKEND:-cpu}"
TFJS_BACKBONES="${VIGIL_TFJS_BACKBONES:-$REPO/.cache/backbones}"
PARITY_DIR="$REPO/tests/parity"
IMAGES_DIR="$DATASETS_DIR/cookies/training-images"
IMAGES=(normal-1.jpg anomaly-1.jpg)

# Per-backbone layers and native size.
declare -A LAYERS=(
  [mobilenet_v2]="block_2_add,block_5_add,block_12_add,block_15_add"
  [inception_v3]="mixed0,mixed2,mixed4,mixed7"
)
declare -A NATIVE=([mobilenet_v2]="224x224" [inception_v3]="299x299")
NONSQUARE="256x320"
MODELS=(mobilenet_v2 inception_v3)

die() { echo "parity: error: $*" >&2; exit 1; }

# --- Preconditions -----------------------------------------------------------
command -v node >/dev/null || die "node is not installed"
[[ -x "$VIGIL" ]] || die "vigil tool not found at $VIGIL (build first)"
for img in "${IMAGES[@]}"; do
  [[ -f "$IMAGES_DIR/$img" ]] || die "missing test image $IMAGES_DIR/$img"
done
if [[ ! -f "$REPO/tools/tfjs/node_modules/@tensorflow/tfjs/package.json" ||
      ! -f "$REPO/tools/tfjs/node_modules/@tensorflow/tfjs-backend-wasm/package.json" ]]; then
  echo "parity: installing TensorFlow.js (npm ci --prefix tools/tfjs)"
  npm ci --prefix "$REPO/tools/tfjs" --no-audit --no-fund >/dev/null || die "npm ci --prefix tools/tfjs failed"
fi
VIGIL_BIN="$VIGIL" bash "$REPO/scripts/fetch-backbones.sh" "$MODELS_DIR" || die "scripts/fetch-backbones.sh failed"
MODELS_DIR="$(cd "$MODELS_DIR" && pwd)"
for m in "${MODELS[@]}"; do
  [[ -f "$MODELS_DIR/$m.vgm" ]] || die "missing $MODELS_DIR/$m.vgm"
  [[ -f "$TFJS_BACKBONES/$m/model.json" ]] || die "missing $TFJS_BACKBONES/$m/model.json"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vigil-parity.XXXXXX")"
if [[ "${PARITY_KEEP:-0}" == 1 ]]; then
  echo "parity: keeping work directory $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi

# --- One case ----------------------------------------------------------------
SUMMARY=()
PASSED=0
FAILED=0

# run_case MODEL IMAGE HxW: prints its details; appends a summary row.
run_case() {
  local model="$1" img="$2" size="$3"
  local h="${size%x*}" w="${size#*x}"
  local layers="${LAYERS[$model]}"
  local dir="$WORK/$model/${img%.*}/$size"
  local status="FAIL" worst="-" why=""
  mkdir -p "$dir"
  echo
  echo "=== $model  $img  ${h}x${w} ==="
  if ! "$VIGIL" backbone run --model "$MODELS_DIR/$model.vgm" --image "$IMAGES_DIR/$img" \
       --height "$h" --width "$w" --layers "$layers" --out "$dir"; then
    why="vigil backbone run failed"
  elif [[ ! -f "$dir/input.f32" || ! -f "$dir/input.json" ]]; then
    why="vigil wrote no input.f32/input.json"
  else
    local shape
    shape="$(node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).shape;
                      if(!Array.isArray(s)) process.exit(1); console.log(s.join(","))' "$dir/input.json")" \
      || shape=""
    if [[ "$shape" != "1,$h,$w,3" ]]; then
      why="input.json shape is [$shape], expected [1,$h,$w,3]"
    elif ! node "$PARITY_DIR/tfjs_activations.mjs" --tfjs-dir "$TFJS_BACKBONES/$model" \
           --input "$dir/input.f32" --shape "$shape" --layers "$layers" --out "$dir/tfjs" \
           --backend "$BACKEND"; then
      why="tfjs_activations.mjs failed"
    else
      local out
      out="$(node "$PARITY_DIR/compare.mjs" --ref "$dir/tfjs" --got "$dir" --layers "$layers" \
               --tolerance "$TOLERANCE")"
      local rc=$?
      echo "$out"
      worst="$(sed -n 's/^compare: .*worst rel_err \([^,]*\),.*/\1/p' <<<"$out" | tail -n1)"
      [[ -n "$worst" ]] || worst="-"
      if [[ $rc -eq 0 ]]; then status="PASS"; else why="over tolerance or mismatch"; fi
    fi
  fi
  [[ -n "$why" ]] && echo "parity: $model $img ${h}x${w}: FAIL: $why"
  if [[ "$status" == PASS ]]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
  SUMMARY+=("$(printf '%-13s %-14s %-8s %-11s %s' "$model" "$img" "${h}x${w}" "$worst" \
                "$status${why:+ ($why)}")")
}

# --- All cases ---------------------------------------------------------------
echo "parity: vigil=$VIGIL models=$MODELS_DIR tfjs=$TFJS_BACKBONES backend=$BACKEND tolerance=$TOLERANCE"
for model in "${MODELS[@]}"; do
  for img in "${IMAGES[@]}"; do
    for size in "${NATIVE[$model]}" "$NONSQUARE"; do
      run_case "$model" "$img" "$size"
    done
  done
done

echo
echo "Parity summary (rel_err = max|vigil - tfjs| / max|tfjs|, worst layer; tolerance $TOLERANCE)"
printf '%-13s %-14s %-8s %-11s %s\n' model image HxW rel_err status
for row in "${SUMMARY[@]}"; do echo "$row"; done
echo "parity: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
