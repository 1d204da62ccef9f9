#!/usr/bin/env bash
# accuracy.sh - the accuracy figures of docs/benchmarks.md: every dataset of
# the shared folder, in two settings, through `vigil train` (with a separate
# test manifest) for this build and, side by side in the same run, another
# build (the previous engine); then one set through the API.
#
#   setting a: training on the normal training images only;
#   setting b: the same plus a fixed third of each test defect class (with
#              its masks), which leaves the test set; F1 is also reported on
#              the test images both settings share.
# bench/accuracy_datasets.py writes the manifests (and the derived set of
# small defects in 2000x1334 photos) into a work folder, never into the
# repository; bench/accuracy_report.py measures each run.
#
# Per set and setting: image ROC AUC, F1 / precision / recall at the model's
# own threshold (cross-fitted: no test image decided by a threshold fitted
# on it), F1 on the shared test images, pixel ROC AUC, class-agnostic pixel
# IoU, each class's IoU, normal test images left unpainted, training wall
# time, and the detection latency of one test image on one core
# (bench_detect, median of 20).  Then the cookies' own manifest split by the
# engine (wrong decisions on its 22 test images, AIOU), and elpv_solar_mono
# setting a through `vigil serve` with Debian's boto3.
#
# Usage: bench/accuracy.sh [BUILD_DIR [PREVIOUS_BUILD_DIR]]
#   VIGIL_DATASETS_DIR  the shared datasets (default: ../shared/datasets)
#   SETS                the sets to run (default: all, and the derived one)
#   ACCURACY_WORK       keep the manifests and results there (default: a
#                       temporary folder, removed at the end)
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
BUILD="$(cd "${1:-$REPO/build}" && pwd)"
PREVIOUS="${2:+$(cd "$2" && pwd)}"
DATASETS="$(cd "${VIGIL_DATASETS_DIR:-$REPO/../shared/datasets}" && pwd)"
PY=/usr/bin/python3
export VIGIL_MODELS_DIR="${VIGIL_MODELS_DIR:-$REPO/models}"
"$PY" -c 'import numpy, PIL' 2>/dev/null || apt-get install -y -qq python3-numpy python3-pil >/dev/null
if [ -n "${ACCURACY_WORK:-}" ]; then
  WORK="$ACCURACY_WORK"
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
fi

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
[ -f "$WORK/sets/cookies_mosaic/info.json" ] || "$PY" "$REPO/bench/accuracy_datasets.py" "$DATASETS" "$WORK/sets"
SETS="${SETS:-$(cd "$WORK/sets" && ls -d */ | tr -d /)}"

# run ENGINE_NAME BUILD SET SETTING: trains, measures, prints one JSON line.
run() {
  local name=$1 build=$2 set=$3 setting=$4
  local out="$WORK/runs/$name/$set/$setting"
  rm -rf "$out" && mkdir -p "$out"
  local start end
  start=$(date +%s%N)
  "$build/vigil" train --manifest "$WORK/sets/$set/$setting/train.manifest" \
    --test-manifest "$WORK/sets/$set/$setting/test.manifest" --output "$out/model.vgm" \
    --evaluation-dir "$out/eval" >"$out/train.log" 2>&1 || { echo "training failed: $out/train.log" >&2; return 1; }
  end=$(date +%s%N)
  local image
  image=$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["source-ref"])' \
    "$WORK/sets/$set/$setting/test.manifest")
  local latency
  latency=$("$build/bench_detect" "$out/model.vgm" "$image" 20 3 1 | "$PY" -c \
    'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["median_ms"])')
  "$PY" "$REPO/bench/accuracy_report.py" "$out/eval" "$WORK/sets/$set/info.json" "$out/train.log" |
    "$PY" -c '
import json, sys
r = json.load(sys.stdin)
r.update(engine=sys.argv[1], set=sys.argv[2], setting=sys.argv[3],
         train_s=round(int(sys.argv[4]) / 1e9, 1), detect_ms=float(sys.argv[5]))
print(json.dumps(r))' "$name" "$set" "$setting" "$((end - start))" "$latency"
}

results="$WORK/results.jsonl"
: >"$results"
for set in $SETS; do
  for setting in a b; do
    run vigil "$BUILD" "$set" "$setting" | tee -a "$results"
    [ -z "$PREVIOUS" ] || run previous "$PREVIOUS" "$set" "$setting" | tee -a "$results"
  done
done

# The cookies' own manifest, split by the engine: the figures of the
# getting-started example (wrong decisions on the 22 test images, AIOU).
cookies_split() {
  local name=$1 build=$2 out="$WORK/runs/$1/cookies-split"
  rm -rf "$out" && mkdir -p "$out"
  local start end
  start=$(date +%s%N)
  "$build/vigil" train --manifest "$DATASETS/cookies/train.manifest" --output "$out/model.vgm" \
    --evaluation-dir "$out/eval" >"$out/train.log" 2>&1
  end=$(date +%s%N)
  "$build/vigil" detect --model "$out/model.vgm" --threads 1 "$DATASETS"/cookies/test-images/*.jpg \
    >"$out/detect.jsonl"
  "$PY" - "$out" "$name" "$((end - start))" "$DATASETS"/cookies/test-images/*.jpg <<'PY'
import glob, json, os, sys
out, name, ns, images = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
answers = [json.loads(l)["DetectAnomalyResult"] for l in open(out + "/detect.jsonl")]
wrong = [os.path.basename(i) for i, a in zip(images, answers)
         if a["IsAnomalous"] != os.path.basename(i).startswith("test-anomaly")]
metrics = json.load(open(glob.glob(out + "/eval/EvaluationResult-*.json")[0]))
metrics = metrics["AggregatedEvaluationResults"]["Metrics"]
print(json.dumps({"engine": name, "set": "cookies-split", "train_s": round(ns / 1e9, 1),
                  "f1": metrics["F1Score"], "wrong_of_22": len(wrong), "wrong": wrong,
                  "aiou": {c["ClassName"]: c["AIOU"] for c in metrics["PixelAnomalyClassMetrics"]}}))
PY
}
cookies_split vigil "$BUILD" | tee -a "$results"
[ -z "$PREVIOUS" ] || cookies_split previous "$PREVIOUS" | tee -a "$results"

# One set through the API: elpv_solar_mono, setting a, with Debian's boto3.
if [ -d "$WORK/sets/elpv_solar_mono" ]; then
  rm -rf "$WORK/serve" "$WORK/api"
  port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export VIGIL_ROOT_ACCESS_KEY_ID=AKIABENCHACCURACY001 VIGIL_ROOT_SECRET_ACCESS_KEY=benchAccuracySecretKey0123456789abcdefgh
  "$BUILD/vigil" serve --listen "127.0.0.1:$port" --data "$WORK/serve" >"$WORK/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  AWS_ACCESS_KEY_ID=$VIGIL_ROOT_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$VIGIL_ROOT_SECRET_ACCESS_KEY \
    AWS_DEFAULT_REGION=us-east-1 "$PY" "$REPO/bench/accuracy_api.py" "http://127.0.0.1:$port" \
    "$WORK/sets/elpv_solar_mono/a" "$WORK/api" | tee -a "$results" || echo "API run failed" >&2
  kill "$server" && wait "$server" || true
fi
echo "# results: $results"
