# tests/integration/lib.sh - helpers for the integration tests of `vigil
# serve`, sourced by each tests/integration/test_*.sh:
#
#   vigil_start [SERVE OPTION...]  starts `vigil serve` on a free loopback port
#                                  over a fresh data directory with fixed test
#                                  keys; waits for /health; sets VIGIL_ENDPOINT,
#                                  VIGIL_PORT, VIGIL_DATA, VIGIL_PID
#   vigil_stop                     SIGTERM, and fails unless it exits 0
#   vigil_restart_hard             kill -9, then starts again on the same data
#                                  directory and port (durability tests)
#   vigil_restart [SERVE OPTION...]  SIGTERM (vigil_stop), then starts again on
#                                  the same data directory and port
#   awsv ARG...                    Debian's aws CLI (/usr/bin/aws) against the
#                                  server, without a pager
#   pyv ARG...                     Debian's python3 (its boto3), same credentials
#   lfv ARG...                     awsv lookoutvision ARG...
#   expect_error CODE COMMAND...   the command fails, naming error CODE
#   wait_dataset PROJECT TYPE      polls until the dataset leaves *_IN_PROGRESS;
#                                  prints its final status
#   upload_cookies BUCKET          makes BUCKET and copies $COOKIES into it under
#                                  cookies/, with their manifest rewritten to s3://
#                                  URIs in $VIGIL_TMP/train.manifest and at
#                                  s3://BUCKET/cookies/s3.manifest
#   import_dataset PROJECT TYPE BUCKET KEY
#                                  CreateDataset from the manifest s3://BUCKET/KEY;
#                                  fails unless the import completes
#   fail MESSAGE / pass MESSAGE    report; fail exits 1
#
# The server is stopped and the temporary directory removed on exit.  Needs
# VIGIL_BIN (the vigil binary) set before sourcing.  Debian's aws and python3
# are called by path: a pip aws or python earlier on PATH would test another
# client version.
# shellcheck shell=bash

VIGIL_TEST_ACCESS_KEY_ID=AKIAVIGILTEST0000001
VIGIL_TEST_SECRET_ACCESS_KEY=vigil/test/secret/key/0000000000000000000
VIGIL_TEST_REGION=us-east-1

VIGIL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-it-XXXXXX")
VIGIL_DATA="$VIGIL_TMP/data"
VIGIL_LOG="$VIGIL_TMP/serve.log"
VIGIL_PID=""
VIGIL_PORT=0
VIGIL_ENDPOINT=""
VIGIL_SERVE_ARGS=()

# The clients' environment: the test keys, nothing from the user's ~/.aws.
printf '[default]\noutput = json\n' >"$VIGIL_TMP/aws-config"
export AWS_ACCESS_KEY_ID="$VIGIL_TEST_ACCESS_KEY_ID"
export AWS_SECRET_ACCESS_KEY="$VIGIL_TEST_SECRET_ACCESS_KEY"
export AWS_DEFAULT_REGION="$VIGIL_TEST_REGION"
export AWS_CONFIG_FILE="$VIGIL_TMP/aws-config"
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true
export AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

fail() {
    echo "FAIL: $*" >&2
    if [ -s "$VIGIL_LOG" ]; then
        echo "--- server log (last 20 lines) ---" >&2
        tail -n 20 "$VIGIL_LOG" >&2
    fi
    exit 1
}

pass() {
    echo "ok: $*"
}

awsv() {
    /usr/bin/aws --endpoint-url "$VIGIL_ENDPOINT" --no-cli-pager "$@"
}

lfv() {
    awsv lookoutvision "$@"
}

expect_error() {
    local code=$1
    shift
    local out
    if out=$("$@" 2>&1); then
        fail "$* succeeded; expected $code"
    fi
    grep -q "($code)" <<<"$out" || fail "$* failed without $code: $out"
}

wait_dataset() {
    local status=""
    for _ in $(seq 1 300); do
        status=$(lfv describe-dataset --project-name "$1" --dataset-type "$2" \
            --query DatasetDescription.Status --output text)
        case "$status" in *_IN_PROGRESS) sleep 0.2 ;; *) echo "$status"; return 0 ;; esac
    done
    fail "dataset $1/$2 still $status after 60 s"
}

upload_cookies() {
    awsv s3 mb "s3://$1" >/dev/null
    awsv s3 cp --quiet --recursive "$COOKIES" "s3://$1/cookies/"
    sed -e "s#\"training-images/#\"s3://$1/cookies/training-images/#g" \
        -e "s#\"mask-images/#\"s3://$1/cookies/mask-images/#g" \
        "$COOKIES/train.manifest" >"$VIGIL_TMP/train.manifest"
    awsv s3 cp --quiet "$VIGIL_TMP/train.manifest" "s3://$1/cookies/s3.manifest"
}

import_dataset() {
    lfv create-dataset --project-name "$1" --dataset-type "$2" --dataset-source \
        "{\"GroundTruthManifest\":{\"S3Object\":{\"Bucket\":\"$3\",\"Key\":\"$4\"}}}" >/dev/null
    local status
    status=$(wait_dataset "$1" "$2")
    [ "$status" = CREATE_COMPLETE ] || fail "dataset $1/$2: the import ended $status"
}

# DetectAnomalies of every cookies test image on model PROJECT VERSION:
# prints how many were decided right and how many were sent ("21 22"); the
# right answer is in each file's name.  Fails (1) when a call fails.
detect_test_images() {
    local right=0 total=0 image name got expected
    for image in "$COOKIES"/test-images/*.jpg; do
        name=$(basename "$image")
        got=$(lfv detect-anomalies --project-name "$1" --model-version "$2" \
            --body "$image" --content-type image/jpeg \
            --query DetectAnomalyResult.IsAnomalous --output text) ||
            { echo "  DetectAnomalies failed on $name" >&2; return 1; }
        expected=False
        [[ "$name" == *anomaly* ]] && expected=True
        total=$((total + 1))
        if [ "$got" = "$expected" ]; then
            right=$((right + 1))
        else
            echo "  wrong: $name -> $got" >&2
        fi
    done
    echo "$right $total"
}

pyv() {
    VIGIL_ENDPOINT="$VIGIL_ENDPOINT" /usr/bin/python3 "$@"
}

# Starts the server on VIGIL_PORT (0: any free port) and waits until
# /health answers.
_vigil_launch() {
    : >"$VIGIL_LOG"
    VIGIL_ROOT_ACCESS_KEY_ID="$VIGIL_TEST_ACCESS_KEY_ID" \
        VIGIL_ROOT_SECRET_ACCESS_KEY="$VIGIL_TEST_SECRET_ACCESS_KEY" \
        "$VIGIL_BIN" serve --listen "127.0.0.1:$VIGIL_PORT" --data "$VIGIL_DATA" \
        --region "$VIGIL_TEST_REGION" "${VIGIL_SERVE_ARGS[@]}" >>"$VIGIL_LOG" 2>&1 &
    VIGIL_PID=$!
    local endpoint=""
    for _ in $(seq 1 200); do
        kill -0 "$VIGIL_PID" 2>/dev/null || fail "vigil serve exited while starting"
        endpoint=$(sed -n 's/^endpoint: //p' "$VIGIL_LOG" | head -n 1)
        if [ -n "$endpoint" ] && curl -sf -o /dev/null "$endpoint/health"; then
            VIGIL_ENDPOINT="$endpoint"
            VIGIL_PORT="${endpoint##*:}"
            return 0
        fi
        sleep 0.05
    done
    fail "vigil serve did not answer /health within 10 s"
}

vigil_start() {
    [ -x "${VIGIL_BIN:-}" ] || fail "VIGIL_BIN is not an executable: '${VIGIL_BIN:-}'"
    VIGIL_SERVE_ARGS=("$@")
    VIGIL_PORT=0
    _vigil_launch
}

vigil_stop() {
    [ -n "$VIGIL_PID" ] || return 0
    kill -TERM "$VIGIL_PID"
    local rc=0
    wait "$VIGIL_PID" || rc=$?
    VIGIL_PID=""
    [ "$rc" -eq 0 ] || fail "vigil serve exited $rc after SIGTERM"
}

vigil_restart_hard() {
    [ -n "$VIGIL_PID" ] || fail "vigil_restart_hard: the server is not running"
    kill -KILL "$VIGIL_PID"
    wait "$VIGIL_PID" 2>/dev/null || true
    _vigil_launch
}

vigil_restart() {
    vigil_stop
    VIGIL_SERVE_ARGS=("$@")
    _vigil_launch
}

_vigil_cleanup() {
    if [ -n "$VIGIL_PID" ]; then
        kill -KILL "$VIGIL_PID" 2>/dev/null || true
        wait "$VIGIL_PID" 2>/dev/null || true
    fi
    rm -rf "$VIGIL_TMP"
}
trap _vigil_cleanup EXIT
