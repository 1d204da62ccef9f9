#!/usr/bin/env bash
# tests/cli/run.sh - end-to-end test of the offline commands on the cookies
# dataset: `vigil train` (single dataset, split by the engine) with its
# evaluation files, `vigil detect` on the 22 test images, the same model
# from the manifest reversed and shuffled with renamed files, `vigil evaluate` on
# a normal/ anomaly/ folder, and the error paths (missing manifest, wrong-size
# image, unknown option).  Prints the figures: the training summary and the
# wrong decisions on the test images.
#
# usage: run.sh BUILD_DIR DATASETS_DIR MODELS_DIR
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR MODELS_DIR" >&2
    exit 2
fi
VIGIL="$1/vigil"
COOKIES="$2/cookies"
export VIGIL_MODELS_DIR="$3" # the default backbone comes from here
THREADS="${VIGIL_TEST_THREADS:-2}"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ -x "$VIGIL" ] || fail "no vigil binary at $VIGIL"
[ -f "$COOKIES/train.manifest" ] || fail "no cookies dataset at $COOKIES"
[ -f "$VIGIL_MODELS_DIR/mobilenet_v2.vgm" ] ||
    fail "no backbone $VIGIL_MODELS_DIR/mobilenet_v2.vgm (scripts/fetch-backbones.sh makes it)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Runs a command expecting exit code $1; its stderr goes to $TMP/stderr.
expect_exit() {
    local want=$1
    shift
    local rc=0
    "$@" >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
    [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want; stderr: $(cat "$TMP/stderr")"
}

# Checks that the last command's stderr names $1.
expect_message() {
    grep -qF -- "$1" "$TMP/stderr" ||
        fail "the error message does not name '$1': $(cat "$TMP/stderr")"
}

# --------------------------------------------------------------- train
echo "== vigil train (single dataset, split by the engine)"
"$VIGIL" train --manifest "$COOKIES/train.manifest" --output "$TMP/model.vgm" \
    --evaluation-dir "$TMP/eval" --project-name cookies --model-version 1 --threads "$THREADS" |
    tee "$TMP/train.out" || fail "vigil train failed"
[ -s "$TMP/model.vgm" ] || fail "no model file"
RESULT="$TMP/eval/EvaluationResult-cookies-1.json"
MANIFEST="$TMP/eval/EvaluationManifest-cookies-1.json"
[ -f "$RESULT" ] && [ -f "$MANIFEST" ] || fail "evaluation files missing in $TMP/eval"

python3 - "$RESULT" "$MANIFEST" <<'EOF' || fail "evaluation files are not as expected"
import json, os, sys
result = json.load(open(sys.argv[1]))
assert result["Version"] == 1
details = result["EvaluationDetails"]
arn = details["ModelArn"]
assert arn.startswith("arn:aws:lookoutvision:"), arn
assert arn.endswith(":000000000000:model/cookies/1"), arn
assert details["EvaluationEndTimestamp"].endswith("Z")
training, testing = details["NumberOfTrainingImages"], details["NumberOfTestingImages"]
assert training + testing == 63 and testing >= 20, (training, testing)
metrics = result["AggregatedEvaluationResults"]["Metrics"]
for key in ("Precision", "Recall", "F1Score"):
    assert 0 <= metrics[key] <= 1, key
classes = metrics["PixelAnomalyClassMetrics"]
assert [c["ClassName"] for c in classes] == ["cracked"], classes
assert set(classes[0]) == {"ClassName", "Precision", "Recall", "F1Score", "AIOU"}
lines = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) == testing, (len(lines), testing)
for line in lines:
    for key in ("source-ref", "anomaly-label", "anomaly-label-metadata", "anomaly-label-detected",
                "anomaly-label-detected-metadata", "anomaly-mask-ref-detected"):
        assert key in line, key
    assert os.path.isfile(line["source-ref"]), line["source-ref"]
    assert os.path.isfile(line["anomaly-mask-ref-detected"]), line["anomaly-mask-ref-detected"]
    if line["anomaly-label"] == 1:
        assert os.path.isfile(line["anomaly-mask-ref"]), line
    meta = line["anomaly-label-detected-metadata"]
    assert meta["class-name"] == ("anomaly" if line["anomaly-label-detected"] else "normal")
    assert 0 <= meta["confidence"] <= 1
print("evaluation files: %d training, %d test images, F1 %.3f"
      % (training, testing, metrics["F1Score"]))
EOF

# -------------------------------------------------------------- detect
echo "== vigil detect on the 22 test images"
IMAGES=("$COOKIES"/test-images/*.jpg)
[ ${#IMAGES[@]} -eq 22 ] || fail "expected 22 test images, found ${#IMAGES[@]}"
"$VIGIL" detect --model "$TMP/model.vgm" --mask-dir "$TMP/detect-masks" --threads "$THREADS" \
    "${IMAGES[@]}" >"$TMP/detect.jsonl" || fail "vigil detect failed"

python3 - "$TMP/detect.jsonl" "$TMP/detect-masks" "${IMAGES[@]}" <<'EOF' || fail "detect output is wrong"
import base64, json, os, struct, sys
lines = open(sys.argv[1]).read().splitlines()
masks, images = sys.argv[2], sys.argv[3:]
assert len(lines) == len(images), (len(lines), len(images))
wrong = []
for text, image in zip(lines, images):
    doc = json.loads(text)
    assert list(doc) == ["DetectAnomalyResult"], list(doc)
    r = doc["DetectAnomalyResult"]
    assert list(r) == ["Source", "IsAnomalous", "Confidence", "Anomalies", "AnomalyMask"], list(r)
    assert r["Source"] == {"Type": "direct"}
    assert isinstance(r["IsAnomalous"], bool) and 0 <= r["Confidence"] <= 1
    anomalies = r["Anomalies"]
    assert anomalies[0]["Name"] == "background"
    assert anomalies[0]["PixelAnomaly"]["Color"] == "#FFFFFF"
    for a in anomalies[1:]:
        assert a["Name"] == "cracked" and a["PixelAnomaly"]["Color"] == "#23A436", a
        assert a["PixelAnomaly"]["TotalPercentageArea"] > 0
    assert abs(sum(a["PixelAnomaly"]["TotalPercentageArea"] for a in anomalies) - 1) < 1e-6
    png = base64.b64decode(r["AnomalyMask"], validate=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (576, 768)
    name = os.path.basename(image)
    stem = os.path.splitext(name)[0]
    assert open(os.path.join(masks, stem + ".png"), "rb").read() == png, stem
    if r["IsAnomalous"] != name.startswith("test-anomaly-"):
        wrong.append("%s (IsAnomalous %s, Confidence %.3f)"
                     % (name, r["IsAnomalous"], r["Confidence"]))
print("detect: %d of %d test images decided wrongly%s"
      % (len(wrong), len(images), ":" if wrong else ""))
for w in wrong:
    print("  " + w)
EOF

# ------------------------------------------------ order and names
echo "== the same images reversed, shuffled and renamed train the same model"
# Manifests of the cookies in reversed and shuffled line order, each image
# and mask behind a new name (a symbolic link), so neither the order nor the
# names of the files are what they were.
python3 - "$COOKIES/train.manifest" "$TMP" <<'EOF' || fail "could not write the reordered manifests"
import json, os, random, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
root, tmp = os.path.dirname(sys.argv[1]), sys.argv[2]
orders = {"reversed": list(reversed(range(len(lines)))),
          "shuffled": random.Random(7).sample(range(len(lines)), len(lines))}
for kind, order in orders.items():
    folder = os.path.join(tmp, kind)
    os.makedirs(folder)
    with open(os.path.join(folder, "train.manifest"), "w") as out:
        for position, i in enumerate(order):
            line = dict(lines[i])
            for key, stem in (("source-ref", "image"), ("anomaly-mask-ref", "mask")):
                if key in line:
                    name = "%s-%s-%03d%s" % (kind, stem, position,
                                             os.path.splitext(line[key])[1])
                    os.symlink(os.path.join(root, line[key]), os.path.join(folder, name))
                    line[key] = name
            out.write(json.dumps(line) + "\n")
EOF
for kind in reversed shuffled; do
    "$VIGIL" train --manifest "$TMP/$kind/train.manifest" --output "$TMP/$kind/model.vgm" \
        --evaluation-dir "$TMP/$kind/eval" --project-name cookies --model-version 1 \
        --threads "$THREADS" >/dev/null || fail "vigil train on the $kind manifest failed"
    "$VIGIL" detect --model "$TMP/$kind/model.vgm" --threads "$THREADS" "${IMAGES[@]}" \
        >"$TMP/$kind/detect.jsonl" || fail "vigil detect with the $kind model failed"
done
# Identical to the last digit: training puts the images in an order of
# their content before anything depends on order.
python3 - "$TMP" <<'EOF' || fail "reordering or renaming the images changed the model"
import json, sys
tmp = sys.argv[1]
def metrics(folder):
    r = json.load(open(folder + "/EvaluationResult-cookies-1.json"))
    return r["AggregatedEvaluationResults"]["Metrics"], r["EvaluationDetails"]["NumberOfTestingImages"]
first = metrics(tmp + "/eval")
detections = open(tmp + "/detect.jsonl").read().splitlines()
for kind in ("reversed", "shuffled"):
    assert metrics("%s/%s/eval" % (tmp, kind)) == first, (kind, metrics("%s/%s/eval" % (tmp, kind)))
    other = open("%s/%s/detect.jsonl" % (tmp, kind)).read().splitlines()
    assert len(other) == len(detections) == 22, (len(other), len(detections))
    for a, b in zip(detections, other):
        a, b = json.loads(a)["DetectAnomalyResult"], json.loads(b)["DetectAnomalyResult"]
        assert a == b, (kind, a["Confidence"], b["Confidence"])
print("reversed and shuffled, renamed: the same evaluation and the same 22 answers and masks")
EOF

# ------------------------------------------------------------ evaluate
echo "== vigil evaluate on a normal/ anomaly/ folder"
mkdir -p "$TMP/folder/normal" "$TMP/folder/anomaly"
for image in "${IMAGES[@]}"; do
    case "$(basename "$image")" in
    test-anomaly-*) ln -s "$image" "$TMP/folder/anomaly/" ;;
    *) ln -s "$image" "$TMP/folder/normal/" ;;
    esac
done
"$VIGIL" evaluate --model "$TMP/model.vgm" --folder "$TMP/folder" --output-dir "$TMP/eval2" \
    --project-name cookies --model-version 2 --threads "$THREADS" | tee "$TMP/evaluate.out" ||
    fail "vigil evaluate failed"
python3 - "$TMP/eval2/EvaluationResult-cookies-2.json" \
    "$TMP/eval2/EvaluationManifest-cookies-2.json" <<'EOF' || fail "evaluate output is wrong"
import json, sys
result = json.load(open(sys.argv[1]))
assert result["EvaluationDetails"]["NumberOfTestingImages"] == 22
assert result["EvaluationDetails"]["ModelArn"].endswith("model/cookies/2")
lines = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) == 22
assert sum(l["anomaly-label"] for l in lines) == 8
EOF

# -------------------------------------------------------------- errors
echo "== error cases"
expect_exit 1 "$VIGIL" train --manifest "$TMP/missing.manifest" --output "$TMP/x.vgm"
expect_message "missing.manifest"

# A 100x80 PNG: a valid image of the wrong size, between two good ones.
python3 - "$TMP/small.png" <<'EOF'
import struct, sys, zlib
w, h = 100, 80
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
raw = b"".join(b"\0" + b"\x80" * (3 * w) for _ in range(h))
header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0) # 8-bit RGB
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
EOF
expect_exit 1 "$VIGIL" detect --model "$TMP/model.vgm" \
    "${IMAGES[0]}" "$TMP/small.png" "${IMAGES[1]}"
expect_message "small.png"
[ "$(wc -l <"$TMP/stdout")" -eq 2 ] || fail "detect did not go on with the other images"

expect_exit 2 "$VIGIL" detect --bogus-option --model "$TMP/model.vgm" "${IMAGES[0]}"
expect_message "--bogus-option"
expect_exit 2 "$VIGIL" train --folder "$TMP/folder"
expect_message "--output"
expect_exit 0 "$VIGIL" evaluate --help
echo "error cases: ok"

echo "PASS"
