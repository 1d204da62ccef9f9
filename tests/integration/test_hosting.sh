#!/usr/bin/env bash
# tests/integration/test_hosting.sh - hosted models through Debian's aws CLI
# and curl against `vigil serve`: a model trained on the cookies and started
# with 1 to 2 inference units, its /metrics (the units gauges, the counters
# after detections and refused images), then restarts on the same data
# directory: after SIGTERM and after kill -9 the model is HOSTED again with
# its units and answers DetectAnomalies; a model whose file is damaged ends
# HOSTING_FAILED with the reason; --no-metrics takes /metrics away.
#
# usage: test_hosting.sh BUILD_DIR DATASETS_DIR MODELS_DIR
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

BUCKET=vigil-hosting-test
LABELS='{project="cookies",model_version="1"}'

describe() {
    lfv describe-model --project-name cookies --model-version 1 --query "ModelDescription.$1" \
        --output text
}

# The value of one series of /metrics ("" when absent).
metric() {
    curl -sf "$VIGIL_ENDPOINT/metrics" | awk -v series="$1$LABELS" '$1 == series { print $2 }'
}

expect_metric() {
    local got
    got=$(metric "$1")
    [ "$got" = "$2" ] || fail "/metrics: $1 is '$got', expected $2"
}

detect() {
    lfv detect-anomalies --project-name cookies --model-version 1 --body "$COOKIES/test-images/$1" \
        --content-type image/jpeg --query DetectAnomalyResult.IsAnomalous --output text
}

vigil_start

# ---------------------------------------------------------------- a trained model
upload_cookies "$BUCKET"
lfv create-project --project-name cookies >/dev/null
import_dataset cookies train "$BUCKET" cookies/s3.manifest
lfv create-model --project-name cookies \
    --output-config "S3Location={Bucket=$BUCKET,Prefix=out/}" >/dev/null
start=$SECONDS
while [ "$(describe Status)" = TRAINING ]; do
    [ $((SECONDS - start)) -lt 900 ] || fail "still TRAINING after 900 s" # sanitizer builds are slow
    sleep 1
done
[ "$(describe Status)" = TRAINED ] || fail "training ended $(describe Status)"
pass "model 1 TRAINED"

# ---------------------------------------------------------------- units and /metrics
curl -sf "$VIGIL_ENDPOINT/metrics" | grep -q '^# TYPE vigil_processed_images_total counter$' ||
    fail "/metrics without a hosted model"
[ -z "$(metric vigil_in_service_inference_units)" ] || fail "gauges for a model not hosted"
lfv start-model --project-name cookies --model-version 1 --min-inference-units 1 \
    --max-inference-units 2 >/dev/null
for _ in $(seq 1 50); do
    [ "$(describe Status)" = HOSTED ] && break
    sleep 0.2
done
[ "$(describe Status)" = HOSTED ] || fail "model 1 is $(describe Status), not HOSTED"
[ "$(describe '[MinInferenceUnits,MaxInferenceUnits]' | tr '\t' ' ')" = "1 2" ] ||
    fail "units $(describe '[MinInferenceUnits,MaxInferenceUnits]')"
expect_metric vigil_min_inference_units 1
expect_metric vigil_max_inference_units 2
expect_metric vigil_desired_inference_units 1
expect_metric vigil_in_service_inference_units 1
pass "StartModel with 1 to 2 units: HOSTED; /metrics gauges min 1, max 2, desired 1, in service 1"

[ "$(detect test-normal-1.jpg)" = False ] || fail "test-normal-1 anomalous"
[ "$(detect test-anomaly-1.jpg)" = True ] || fail "test-anomaly-1 not anomalous"
[ "$(detect test-anomaly-2.jpg)" = True ] || fail "test-anomaly-2 not anomalous"
lfv detect-anomalies --project-name cookies --model-version 1 \
    --body "$COOKIES/test-images/test-normal-1.jpg" --content-type image/gif >/dev/null 2>&1 &&
    fail "a GIF content type was accepted"
lfv detect-anomalies --project-name cookies --model-version 1 \
    --body "$VIGIL_TMP/train.manifest" --content-type image/jpeg >/dev/null 2>&1 &&
    fail "a manifest was accepted as a JPEG"
expect_metric vigil_processed_images_total 3
expect_metric vigil_detected_anomalies_total 2
expect_metric vigil_successful_requests_total 3
expect_metric vigil_invalid_images_total 2
expect_metric vigil_errors_total 2
expect_metric vigil_throttled_total 0
expect_metric vigil_detect_seconds_count 3
curl -sf "$VIGIL_ENDPOINT/metrics" | grep -q "^vigil_detect_seconds_bucket{project=\"cookies\",model_version=\"1\",le=\"+Inf\"} 3$" ||
    fail "/metrics: no +Inf bucket of 3"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$VIGIL_ENDPOINT/metrics")" = 405 ] ||
    fail "POST /metrics not refused"
[ "$(curl -s -o /dev/null -w '%{content_type}' "$VIGIL_ENDPOINT/metrics")" = \
    "text/plain; version=0.0.4; charset=utf-8" ] || fail "/metrics content type"
pass "/metrics after 3 detections (2 anomalous) and 2 refused images: the counters and histogram"

# ---------------------------------------------------------------- restarts
vigil_restart
[ "$(describe Status)" = HOSTED ] || fail "after SIGTERM and a restart model 1 is $(describe Status)"
[ "$(describe '[MinInferenceUnits,MaxInferenceUnits]' | tr '\t' ' ')" = "1 2" ] ||
    fail "units after a restart: $(describe '[MinInferenceUnits,MaxInferenceUnits]')"
[ "$(detect test-anomaly-3.jpg)" = True ] || fail "test-anomaly-3 not anomalous after a restart"
expect_metric vigil_processed_images_total 1
expect_metric vigil_in_service_inference_units 1
expect_metric vigil_max_inference_units 2
grep -q "model 1 of cookies hosted again" "$VIGIL_LOG" || fail "no word of the re-hosting in the log"
pass "SIGTERM, restart: HOSTED again with 1 to 2 units, DetectAnomalies answers, /metrics counts anew"

vigil_restart_hard
[ "$(describe Status)" = HOSTED ] || fail "after kill -9 and a restart model 1 is $(describe Status)"
[ "$(detect test-normal-2.jpg)" = False ] || fail "test-normal-2 anomalous after kill -9"
expect_metric vigil_processed_images_total 1
expect_metric vigil_in_service_inference_units 1
pass "kill -9, restart: HOSTED again, DetectAnomalies answers"

lfv stop-model --project-name cookies --model-version 1 >/dev/null
vigil_restart
[ "$(describe Status)" = TRAINED ] || fail "a stopped model is $(describe Status) after a restart"
[ -z "$(metric vigil_in_service_inference_units)" ] || fail "gauges for a stopped model"
pass "a model stopped before the restart stays TRAINED"

lfv start-model --project-name cookies --model-version 1 --min-inference-units 1 >/dev/null
[ "$(describe Status)" = HOSTED ] || fail "restarted model is $(describe Status)"
model_file="$VIGIL_DATA/models/cookies-1.vgm"
[ -f "$model_file" ] || fail "no model file $model_file"
head -c 100 "$model_file" >"$VIGIL_TMP/damaged"
cp "$VIGIL_TMP/damaged" "$model_file" # the hosted copy is in memory: only the restart sees it
vigil_restart --no-metrics
[ "$(describe Status)" = HOSTING_FAILED ] || fail "a damaged model file left it $(describe Status)"
describe StatusMessage | grep -q "could not be loaded" || fail "message: $(describe StatusMessage)"
pass "a damaged model file: HOSTING_FAILED after a restart, with the reason"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$VIGIL_ENDPOINT/metrics")" = 403 ] ||
    fail "--no-metrics: an unsigned GET /metrics was not refused"
pass "--no-metrics: /metrics needs a signature like any other path"

vigil_stop
