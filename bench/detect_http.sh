#!/usr/bin/env bash
# detect_http.sh - DetectAnomalies over HTTP under load: a fresh `vigil
# serve` (the build given, Release), a model trained on the cookies through
# the API as bench/create_model.sh does, StartModel with 2 inference units,
# then wrk replaying one signed request with a 576x768 test image at 2 and
# 4 connections, side by side in one run (and at 2 connections on 1 unit).
#
# SigV4 signatures carry no nonce and stay valid 15 minutes, so the
# Authorization, X-Amz-Date and x-amz-content-sha256 headers are computed
# once for the fixed body with Debian's python3 and botocore's SigV4Auth and
# replayed by wrk's Lua script.  Prints, per case, the median, 90th and 99th
# percentile latencies, the images per second and the server's CPU time per
# image; any answer other than 200 is reported and fails the run.
#
# Usage: bench/detect_http.sh [BUILD_DIR] [SECONDS]   (default build, 30 s a case;
# VIGIL_DATASETS_DIR overrides ../shared/datasets)
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
VIGIL_BIN="$(cd "${1:-$REPO/build}" && pwd)/vigil"
DURATION="${2:-30}"
COOKIES="$(cd "${VIGIL_DATASETS_DIR:-$REPO/../shared/datasets}/cookies" && pwd)"
IMAGE="$COOKIES/test-images/test-anomaly-1.jpg"
export VIGIL_MODELS_DIR="$REPO/models"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
# shellcheck source=../tests/integration/lib.sh
source "$REPO/tests/integration/lib.sh"
vigil_start

# ---------------------------------------------------------------- a model, as create_model.sh
BUCKET=bench-bucket
upload_cookies "$BUCKET"
lfv create-project --project-name cookies >/dev/null
import_dataset cookies train "$BUCKET" cookies/s3.manifest
awsv lookoutvision create-model --project-name cookies \
    --output-config "S3Location={Bucket=$BUCKET,Prefix=out/}" >/dev/null
model_status() {
    awsv lookoutvision describe-model --project-name cookies --model-version 1 \
        --query ModelDescription.Status --output text
}
while [ "$(model_status)" = TRAINING ]; do sleep 0.5; done
[ "$(model_status)" = TRAINED ] || { echo "training ended $(model_status)" >&2; exit 1; }

host_model() {
    awsv lookoutvision start-model --project-name cookies --model-version 1 \
        --min-inference-units "$1" >/dev/null
    while [ "$(model_status)" = STARTING_HOSTING ]; do sleep 0.2; done
    [ "$(model_status)" = HOSTED ] || { echo "hosting ended $(model_status)" >&2; exit 1; }
}

# ---------------------------------------------------------------- the signed request
# Writes wrk's Lua script: the method, the image as the body, the signed
# headers, and a done() that prints one line of figures.
/usr/bin/python3 - "$VIGIL_ENDPOINT" "$IMAGE" "$VIGIL_TMP/detect.lua" <<'PY'
import hashlib, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import os

endpoint, image, script = sys.argv[1:4]
body = open(image, "rb").read()
request = AWSRequest(method="POST", url=endpoint + "/2020-11-20/projects/cookies/models/1/detect",
                     data=body, headers={"Content-Type": "image/jpeg",
                                         "x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
SigV4Auth(Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]),
          "lookoutvision", os.environ["AWS_DEFAULT_REGION"]).add_auth(request)
def lua(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
with open(script, "w") as out:
    out.write("wrk.method = \"POST\"\n")
    out.write("local f = assert(io.open(%s, \"rb\"))\nwrk.body = f:read(\"*a\")\nf:close()\n"
              % lua(image))
    for name in ("Content-Type", "X-Amz-Date", "x-amz-content-sha256", "Authorization"):
        out.write("wrk.headers[%s] = %s\n" % (lua(name), lua(request.headers[name])))
    out.write("""
function done(summary, latency, requests)
    local failed = summary.errors.status + summary.errors.connect + summary.errors.read
                   + summary.errors.write + summary.errors.timeout
    io.write(string.format("requests %d failed %d median_ms %.1f p90_ms %.1f p99_ms %.1f"
                           .. " images_per_s %.1f\\n", summary.requests, failed,
                           latency:percentile(50) / 1000, latency:percentile(90) / 1000,
                           latency:percentile(99) / 1000,
                           summary.requests / (summary.duration / 1e6)))
end
""")
PY

# The server's CPU time so far (user + system), in milliseconds.
server_cpu_ms() {
    awk -v tick="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / tick }' "/proc/$VIGIL_PID/stat"
}

# One case: wrk's figures, and the server's CPU time per image, which does
# not depend on what else runs on the machine (on N free cores the server
# can answer at most N * 1000 / cpu_ms_per_image images a second).  A
# non-2xx answer counts as failed and stops the run.
run_case() {
    local units=$1 connections=$2 line cpu_before cpu_after requests
    cpu_before=$(server_cpu_ms)
    line=$(wrk -t 1 -c "$connections" -d "${DURATION}s" --timeout 10s -s "$VIGIL_TMP/detect.lua" \
        "$VIGIL_ENDPOINT/2020-11-20/projects/cookies/models/1/detect" | grep '^requests ')
    sleep 1 # the requests wrk gave up on at its end are still being answered
    cpu_after=$(server_cpu_ms)
    requests=$(awk '{ print $2 }' <<<"$line")
    echo "units $units connections $connections $line cpu_ms_per_image" \
        "$(awk -v a="$cpu_before" -v b="$cpu_after" -v n="$requests" \
            'BEGIN { printf "%.1f", (b - a) / (n > 0 ? n : 1) }')"
    grep -q ' failed 0 ' <<<"$line" || { echo "requests failed" >&2; exit 1; }
}

host_model 2
echo "date $(date -u '+%Y-%m-%d %H:%M UTC'), image $(basename "$IMAGE"), ${DURATION} s a case"
wrk -t 1 -c 2 -d 5s -s "$VIGIL_TMP/detect.lua" \
    "$VIGIL_ENDPOINT/2020-11-20/projects/cookies/models/1/detect" >/dev/null # warm-up
run_case 2 2
run_case 2 4
awsv lookoutvision stop-model --project-name cookies --model-version 1 >/dev/null
while [ "$(model_status)" = STOPPING_HOSTING ]; do sleep 0.2; done
host_model 1
run_case 1 2
curl -sf "$VIGIL_ENDPOINT/metrics" | grep -E '^vigil_(throttled_total|errors_total|successful_requests_total)'
