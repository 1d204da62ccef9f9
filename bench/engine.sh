#!/usr/bin/env bash
# engine.sh - the engine figures of docs/benchmarks.md on the cookies dataset:
#   1. `vigil train` on train.manifest (a single dataset: the engine splits it),
#      end to end from files to model file, wall time of 5 runs (median);
#   2. the model file's size and its own evaluation (EvaluationResult);
#   3. detection on test-images/: wrong decisions and ROC AUC from the file
#      names' labels;
#   4. DetectAnomalies latency of one 576x768 JPEG on one core, including
#      decoding and mask encoding (bench_detect).
# Usage: bench/engine.sh [BUILD_DIR]   (make bench)
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
BUILD="$(cd "${1:-$REPO/build}" && pwd)"
COOKIES="$(cd "$REPO/../shared/datasets/cookies" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
times=()
for run in 1 2 3 4 5; do
  start=$(date +%s%N)
  "$BUILD/vigil" train --manifest "$COOKIES/train.manifest" --output "$WORK/model.vgm" \
    --backbone "$REPO/models/mobilenet_v2.vgm" --evaluation-dir "$WORK/eval" >/dev/null
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  times+=("$((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000)))")
done
printf 'train wall seconds: %s; median %s\n' "${times[*]}" \
  "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)"
echo "model file: $(stat -c %s "$WORK/model.vgm") bytes"
python3 - "$WORK/eval" <<'PY'
import json, glob, sys
r = json.load(open(glob.glob(sys.argv[1] + "/EvaluationResult-*.json")[0]))
m = r["AggregatedEvaluationResults"]["Metrics"]
d = r["EvaluationDetails"]
print("own evaluation: %d training / %d test images; F1 %.3f precision %.3f recall %.3f ROC AUC %s AP %s"
      % (d["NumberOfTrainingImages"], d["NumberOfTestingImages"], m["F1Score"], m["Precision"],
         m["Recall"], m.get("ROCAUC"), m.get("AveragePrecision")))
for c in m.get("PixelAnomalyClassMetrics", []):
    print("  class %s: pixel precision %.3f recall %.3f F1 %.3f AIOU %.3f"
          % (c["ClassName"], c["Precision"], c["Recall"], c["F1Score"], c["AIOU"]))
PY
"$BUILD/vigil" detect --model "$WORK/model.vgm" --threads 1 "$COOKIES"/test-images/*.jpg \
  > "$WORK/detect.jsonl"
python3 - "$WORK/detect.jsonl" "$COOKIES"/test-images/*.jpg <<'PY'
import json, sys, os
lines = [json.loads(l)["DetectAnomalyResult"] for l in open(sys.argv[1])]
names = [os.path.basename(p) for p in sys.argv[2:]]
truth = [n.startswith("test-anomaly") for n in names]
# a signed score: confidence towards "anomalous"
score = [r["Confidence"] if r["IsAnomalous"] else 1 - r["Confidence"] for r in lines]
wrong = [n for n, t, r in zip(names, truth, lines) if t != r["IsAnomalous"]]
pos = [s for s, t in zip(score, truth) if t]; neg = [s for s, t in zip(score, truth) if not t]
auc = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / (len(pos) * len(neg))
print("test-images: %d images, %d wrong %s, ROC AUC %.3f" % (len(lines), len(wrong), wrong, auc))
PY
"$BUILD/bench_detect" "$WORK/model.vgm" "$COOKIES/test-images/test-anomaly-1.jpg" 30 5 1
"$BUILD/bench_detect" "$WORK/model.vgm" "$COOKIES/test-images/test-normal-1.jpg" 30 5 1
