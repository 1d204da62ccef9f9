#!/usr/bin/env bash
# tests/integration/test_models.sh - the model half of the Lookout for Vision
# API through Debian's aws CLI against `vigil serve`, following the
# getting-started flow on the cookies: images uploaded to the embedded S3
# endpoint, a project and its train dataset, CreateModel (with tags and a
# repeated ClientToken), training to TRAINED with its Performance and both
# evaluation objects, StartModel, DetectAnomalies on every test image (wrong
# content type, wrong size), the conflicts of a hosted model, StopModel and
# DeleteModel; CreateModel's synchronous errors, the limit of two trainings
# at once, trainings interrupted by a hard restart, and a clean stop while
# one trains.  DetectAnomalies' --body is a plain path: the CLI reads
# streaming blobs from a file without fileb://.
#
# usage: test_models.sh BUILD_DIR DATASETS_DIR MODELS_DIR
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR MODELS_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
COOKIES="$2/cookies"
export VIGIL_MODELS_DIR="$3" # the backbone the server trains with
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

BUCKET=vigil-models-test
OUT=vigil-models-out

model_status() {
    lfv describe-model --project-name cookies --model-version "$1" \
        --query ModelDescription.Status --output text
}

vigil_start

# ---------------------------------------------------------------- set-up
upload_cookies "$BUCKET"
awsv s3 mb "s3://$OUT" >/dev/null
lfv create-project --project-name cookies >/dev/null
lfv create-project --project-name empty >/dev/null

# ---------------------------------------------------------------- CreateModel errors
output="S3Location={Bucket=$OUT,Prefix=out/}"
expect_error ResourceNotFoundException lfv create-model --project-name nothing --output-config "$output"
expect_error ValidationException lfv create-model --project-name empty --output-config "$output"
pass "CreateModel: unknown project, no train dataset"

lfv create-dataset --project-name cookies --dataset-type train --dataset-source \
    "{\"GroundTruthManifest\":{\"S3Object\":{\"Bucket\":\"$BUCKET\",\"Key\":\"cookies/s3.manifest\"}}}" >/dev/null
status=$(wait_dataset cookies train)
[ "$status" = CREATE_COMPLETE ] || fail "dataset import ended $status"
expect_error ValidationException lfv create-model --project-name cookies \
    --output-config "S3Location={Bucket=no-such-bucket,Prefix=out/}"
pass "CreateModel: a missing output bucket"

# ---------------------------------------------------------------- training
created=$(lfv create-model --project-name cookies --output-config "$output" \
    --tags Key=k,Value=v --description d --client-token first-model \
    --query 'ModelMetadata.[ModelVersion,Status]' --output text | tr '\t' ' ')
[ "$created" = "1 TRAINING" ] || fail "create-model answered $created"
again=$(lfv create-model --project-name cookies --output-config "$output" \
    --tags Key=k,Value=v --description d --client-token first-model \
    --query ModelMetadata.ModelVersion --output text)
[ "$again" = 1 ] || fail "a repeated ClientToken gave version $again"
[ "$(lfv list-models --project-name cookies --query 'length(Models)' --output json)" = 1 ] ||
    fail "a repeated ClientToken created a second model"
pass "CreateModel: version 1 TRAINING; the same ClientToken answers version 1 again"

start=$SECONDS
while [ "$(model_status 1)" = TRAINING ]; do
    [ $((SECONDS - start)) -lt 900 ] || fail "model 1 still TRAINING after 900 s"
    sleep 1
done
[ "$(model_status 1)" = TRAINED ] ||
    fail "training: $(lfv describe-model --project-name cookies --model-version 1)"
read -r f1 recall precision < <(lfv describe-model --project-name cookies --model-version 1 \
    --query 'ModelDescription.Performance.[F1Score,Recall,Precision]' --output text)
awk -v f="$f1" 'BEGIN { exit !(f >= 0.95) }' || fail "F1 $f1 < 0.95"
pass "trained in $((SECONDS - start)) s: F1 $f1, recall $recall, precision $precision"

result_key=$(lfv describe-model --project-name cookies --model-version 1 \
    --query ModelDescription.EvaluationResult.Key --output text)
manifest_key=$(lfv describe-model --project-name cookies --model-version 1 \
    --query ModelDescription.EvaluationManifest.Key --output text)
[ "$result_key" = out/EvaluationResult-cookies-1.json ] || fail "EvaluationResult key $result_key"
[ "$manifest_key" = out/EvaluationManifest-cookies-1.json ] || fail "EvaluationManifest key $manifest_key"
awsv s3 cp "s3://$OUT/$result_key" - | grep -q '"F1Score"' || fail "no F1Score in $result_key"
awsv s3 cp "s3://$OUT/$manifest_key" "$VIGIL_TMP/evaluation.manifest" >/dev/null
lines=$(wc -l <"$VIGIL_TMP/evaluation.manifest")
[ "$lines" -ge 20 ] || fail "$manifest_key has $lines lines"
# every anomalous test image names its ground-truth mask as the dataset does
masks=$(/usr/bin/python3 - "$VIGIL_TMP/evaluation.manifest" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
anomalous = [l for l in lines if l["anomaly-label"] == 1]
good = [l for l in anomalous if l.get("anomaly-mask-ref", "").startswith("s3://")
        and "/mask-images/" in l["anomaly-mask-ref"]]
print(len(good), len(anomalous))
PY
)
read -r with_mask anomalous <<<"$masks"
[ "$anomalous" -gt 0 ] && [ "$with_mask" = "$anomalous" ] ||
    fail "$with_mask of $anomalous anomalous test images name their ground-truth mask"
pass "evaluation objects: $result_key and $manifest_key ($lines test images, $anomalous masks named)"

# ---------------------------------------------------------------- hosting
expect_error ConflictException lfv detect-anomalies --project-name cookies --model-version 1 \
    --body "$COOKIES/test-images/test-normal-1.jpg" --content-type image/jpeg
expect_error ValidationException lfv start-model --project-name cookies --model-version 1 \
    --min-inference-units 2 --max-inference-units 1
[ "$(lfv start-model --project-name cookies --model-version 1 --min-inference-units 1 \
    --query Status --output text)" = STARTING_HOSTING ] || fail "start-model"
for _ in $(seq 1 50); do
    [ "$(model_status 1)" = HOSTED ] && break
    sleep 0.2
done
[ "$(model_status 1)" = HOSTED ] || fail "model 1 is $(model_status 1), not HOSTED"
pass "StartModel: STARTING_HOSTING, then HOSTED"

decided=$(detect_test_images cookies 1) || fail "DetectAnomalies failed"
read -r right total <<<"$decided"
wrong=$((total - right))
[ "$wrong" -le 1 ] || fail "$wrong of $total test images decided wrongly"
pass "DetectAnomalies: $right of $total test images right"

expect_error ValidationException lfv detect-anomalies --project-name cookies --model-version 1 \
    --body "$COOKIES/test-images/test-normal-1.jpg" --content-type image/gif
/usr/bin/python3 - "$VIGIL_TMP/small.png" <<'PY'
import struct, sys, zlib
w = h = 64
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
raw = b"".join(b"\0" + b"\x80" * (3 * w) for _ in range(h))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY
out=$(lfv detect-anomalies --project-name cookies --model-version 1 \
    --body "$VIGIL_TMP/small.png" --content-type image/png 2>&1) &&
    fail "a 64x64 image was accepted"
grep -q "(ValidationException).*64x64" <<<"$out" || fail "wrong size answered: $out"
pass "DetectAnomalies: a GIF content type and a 64x64 PNG refused"

pyv "$(dirname "$0")/models_boto3.py" "$COOKIES" "$OUT" || fail "models_boto3.py"

expect_error ConflictException lfv delete-model --project-name cookies --model-version 1
[ "$(lfv stop-model --project-name cookies --model-version 1 --query Status --output text)" = \
    STOPPING_HOSTING ] || fail "stop-model"
[ "$(model_status 1)" = TRAINED ] || fail "stopped model is $(model_status 1)"
expect_error ConflictException lfv detect-anomalies --project-name cookies --model-version 1 \
    --body "$COOKIES/test-images/test-normal-1.jpg" --content-type image/jpeg
lfv delete-model --project-name cookies --model-version 1 --query ModelArn --output text |
    grep -q ':model/cookies/1$' || fail "delete-model"
expect_error ResourceNotFoundException lfv describe-model --project-name cookies --model-version 1
pass "DeleteModel: refused while hosted, done after StopModel"

# ---------------------------------------------------------------- quota, restarts
lfv create-model --project-name cookies --output-config "$output" >/dev/null
cat >"$VIGIL_TMP/create-model.json" <<EOF
{"ProjectName": "cookies", "Description": "from-json",
 "OutputConfig": {"S3Location": {"Bucket": "$OUT", "Prefix": "json/"}},
 "Tags": [{"Key": "source", "Value": "cli-input-json"}]}
EOF
lfv create-model --cli-input-json "file://$VIGIL_TMP/create-model.json" >/dev/null
[ "$(lfv describe-model --project-name cookies --model-version 3 \
    --query 'ModelDescription.[Description,OutputConfig.S3Location.Prefix]' --output text)" = \
    "from-json	json/" ] || fail "create-model --cli-input-json lost its values"
expect_error ConflictException lfv delete-dataset --project-name cookies --dataset-type train
expect_error ServiceQuotaExceededException lfv create-model --project-name cookies \
    --output-config "$output"
pass "CreateModel: --cli-input-json; a third training at once is refused" \
    "(ServiceQuotaExceededException); DeleteDataset refused while training"
vigil_restart_hard
for version in 2 3; do
    [ "$(model_status $version)" = TRAINING_FAILED ] || fail "model $version is $(model_status $version)"
    lfv describe-model --project-name cookies --model-version $version \
        --query ModelDescription.StatusMessage --output text | grep -q "interrupted by a restart" ||
        fail "model $version: no word of the restart"
done
pass "trainings cut by kill -9 end TRAINING_FAILED, interrupted by a restart"

version=$(lfv create-model --project-name cookies --output-config "$output" \
    --query ModelMetadata.ModelVersion --output text)
[ "$version" = 4 ] || fail "versions go on at 4, not $version"
sleep 1
vigil_stop
pass "clean stop while model 4 trains"
