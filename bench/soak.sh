#!/usr/bin/env bash
# soak.sh - the server at twice its capacity for a while (issue 14's
# figures): a fresh `vigil serve --max-connections 32`, a cookies model
# hosted on 2 inference units, then wrk with 64 connections, first replaying
# a signed ListProjects, then a signed DetectAnomalies of a 576x768 image,
# SECONDS each.  Every answer must be 2xx or a throttling answer (429
# ThrottlingException, 503 SlowDown) and none 5xx; the server's resident
# memory is sampled every 10 s and must stay flat (the last sample within
# 50 MB of the one after the first minute).
#
# Signatures carry no nonce and stay valid 15 minutes, so each request is
# signed once (Debian's botocore) and replayed by wrk's Lua script, which
# counts the answers by status.
#
# Usage: bench/soak.sh [BUILD_DIR] [SECONDS]   (default build, 300 s a case)
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
VIGIL_BIN="$(cd "${1:-$REPO/build}" && pwd)/vigil"
DURATION="${2:-300}"
COOKIES="$(cd "${VIGIL_DATASETS_DIR:-$REPO/../shared/datasets}/cookies" && pwd)"
IMAGE="$COOKIES/test-images/test-anomaly-1.jpg"
export VIGIL_MODELS_DIR="$REPO/models"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
# shellcheck source=../tests/integration/lib.sh
source "$REPO/tests/integration/lib.sh"
vigil_start --max-connections 32

BUCKET=soak-bucket
upload_cookies "$BUCKET"
lfv create-project --project-name cookies >/dev/null
import_dataset cookies train "$BUCKET" cookies/s3.manifest
lfv create-model --project-name cookies --output-config "S3Location={Bucket=$BUCKET,Prefix=out/}" >/dev/null
status() { lfv describe-model --project-name cookies --model-version 1 --query ModelDescription.Status --output text; }
while [ "$(status)" = TRAINING ]; do sleep 0.5; done
lfv start-model --project-name cookies --model-version 1 --min-inference-units 2 >/dev/null
while [ "$(status)" = STARTING_HOSTING ]; do sleep 0.2; done
[ "$(status)" = HOSTED ] || { echo "hosting ended $(status)" >&2; exit 1; }

# script METHOD PATH [BODY_FILE CONTENT_TYPE]: wrk's Lua script for one signed request.
script() {
    /usr/bin/python3 - "$VIGIL_ENDPOINT" "$@" <<'PY'
import hashlib, os, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
endpoint, method, path = sys.argv[1:4]
body = open(sys.argv[4], "rb").read() if len(sys.argv) > 4 else b""
headers = {"x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
if len(sys.argv) > 5:
    headers["Content-Type"] = sys.argv[5]
request = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers)
SigV4Auth(Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]),
          "lookoutvision", os.environ["AWS_DEFAULT_REGION"]).add_auth(request)
q = lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'
print('wrk.method = %s' % q(method))
if body:
    print('local f = assert(io.open(%s, "rb"))\nwrk.body = f:read("*a")\nf:close()' % q(sys.argv[4]))
for name, value in request.headers.items():
    print("wrk.headers[%s] = %s" % (q(name), q(value)))
print("""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
function response(status, headers, body) counts[status] = (counts[status] or 0) + 1 end
function done(summary, latency, requests)
    local total, parts = {}, {}
    for _, thread in ipairs(threads) do
        for status, n in pairs(thread:get("counts")) do total[status] = (total[status] or 0) + n end
    end
    for status, n in pairs(total) do parts[#parts + 1] = status .. "=" .. n end
    table.sort(parts)
    io.write(string.format("requests %d socket_errors %d statuses %s median_ms %.1f\\n",
        summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout, table.concat(parts, ","), latency:percentile(50) / 1000))
end""")
PY
}

rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$VIGIL_PID/status"; }

# run NAME PATH SCRIPT: wrk for DURATION with memory samples; fails on a 5xx
# other than 503 or when memory grew.
run() {
    local name=$1 path=$2 lua=$3 samples=()
    ( while sleep 10; do echo "$(rss_mb)"; done ) >"$VIGIL_TMP/$name.rss" &
    local sampler=$!
    line=$(wrk -t 1 -c 64 -d "${DURATION}s" --timeout 10s -s "$lua" "$VIGIL_ENDPOINT$path" |
        grep '^requests ')
    kill "$sampler"
    mapfile -t samples <"$VIGIL_TMP/$name.rss"
    echo "$name: $line rss_mb ${samples[*]}"
    if grep -Eo '(^|[ ,])5[0-9][0-9]=' <<<"$line" | grep -vq '503='; then
        echo "$name: a 5xx answer other than 503" >&2
        exit 1
    fi
    local settled=${samples[6]:-${samples[-1]}} last=${samples[-1]}
    [ $((last - settled)) -lt 50 ] || { echo "$name: memory grew from $settled to $last MB" >&2; exit 1; }
}

echo "date $(date -u '+%Y-%m-%d %H:%M UTC'), ${DURATION} s a case, 64 connections on --max-connections 32"
script GET /2020-11-20/projects >"$VIGIL_TMP/list.lua"
run ListProjects /2020-11-20/projects "$VIGIL_TMP/list.lua"
script POST /2020-11-20/projects/cookies/models/1/detect "$IMAGE" image/jpeg >"$VIGIL_TMP/detect.lua"
run DetectAnomalies /2020-11-20/projects/cookies/models/1/detect "$VIGIL_TMP/detect.lua"
curl -sf "$VIGIL_ENDPOINT/metrics" | grep -E '^vigil_(throttled_total|errors_total|successful_requests_total)' || true
vigil_stop
