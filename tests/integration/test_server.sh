#!/usr/bin/env bash
# tests/integration/test_server.sh - the HTTP front of `vigil serve`: /health
# without a key, unsigned and wrongly signed requests refused in each
# endpoint's format (Lookout's JSON with x-amzn-ErrorType, S3's XML
# <Error>), request ids, the body, method and query checks made before any
# handler runs, a hard restart, a clean stop on SIGTERM, and a first signed
# call through Debian's aws CLI to each endpoint.
#
# usage: test_server.sh BUILD_DIR
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

MAX_BODY=4096

# request METHOD PATH [CURL ARG...]: unsigned request; sets STATUS and leaves
# the headers in $VIGIL_TMP/headers and the body in $VIGIL_TMP/body.
request() {
    local method=$1 path=$2
    shift 2
    STATUS=$(curl -s -X "$method" -D "$VIGIL_TMP/headers" -o "$VIGIL_TMP/body" \
        -w '%{http_code}' "$@" "$VIGIL_ENDPOINT$path")
}

header() {
    sed -n "s/^$1: *//Ip" "$VIGIL_TMP/headers" | tr -d '\r' | head -n 1
}

expect_status() {
    [ "$STATUS" = "$1" ] || fail "$2: status $STATUS, expected $1; body: $(cat "$VIGIL_TMP/body")"
}

# expect_api_error STATUS TYPE WHAT: Lookout's error as botocore parses it.
expect_api_error() {
    expect_status "$1" "$3"
    [ "$(header x-amzn-ErrorType)" = "$2" ] || fail "$3: x-amzn-ErrorType '$(header x-amzn-ErrorType)'"
    [ -n "$(header x-amzn-RequestId)" ] || fail "$3: no x-amzn-RequestId"
    /usr/bin/python3 -c '
import json, sys
body = json.load(open(sys.argv[1]))
assert body["Message"] and body["message"] == body["Message"], body
' "$VIGIL_TMP/body" || fail "$3: body is not {Message, message}: $(cat "$VIGIL_TMP/body")"
}

# expect_s3_error STATUS CODE WHAT: S3's <Error> document.
expect_s3_error() {
    expect_status "$1" "$3"
    local id
    id=$(header x-amz-request-id)
    [ -n "$id" ] || fail "$3: no x-amz-request-id"
    /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
error = ET.parse(sys.argv[1]).getroot()
assert error.tag == "Error", error.tag
assert error.findtext("Code") == sys.argv[2], error.findtext("Code")
assert error.findtext("Message"), "no Message"
assert error.findtext("RequestId") == sys.argv[3], "RequestId differs from the header"
' "$VIGIL_TMP/body" "$2" "$id" || fail "$3: not an S3 $2 error: $(cat "$VIGIL_TMP/body")"
}

vigil_start --max-body "$MAX_BODY"

# --- without a key ---------------------------------------------------------
request GET /health
expect_status 200 "GET /health"
[ "$(cat "$VIGIL_TMP/body")" = '{"status":"ok"}' ] || fail "/health body: $(cat "$VIGIL_TMP/body")"
pass "/health answers without a key"

request GET /2020-11-20/projects
expect_api_error 403 AccessDeniedException "unsigned ListProjects"
pass "unsigned API request: 403 AccessDeniedException JSON"

request GET /vigil-test-bucket/some/key
expect_s3_error 403 AccessDenied "unsigned GetObject"
pass "unsigned S3 request: 403 AccessDenied XML"

# --- checks made before any handler ----------------------------------------
head -c $((MAX_BODY + 1)) /dev/zero >"$VIGIL_TMP/too-big"
request PUT /vigil-test-bucket/big --data-binary "@$VIGIL_TMP/too-big"
expect_s3_error 413 EntityTooLarge "PUT of $((MAX_BODY + 1)) bytes"
# a chunked body has no length to refuse early: a signed one is read up to the
# limit, then refused; an unsigned one is refused before its body is read
request PUT /vigil-test-bucket/big -H 'Transfer-Encoding: chunked' \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --aws-sigv4 "aws:amz:$VIGIL_TEST_REGION:s3" \
    --user "$VIGIL_TEST_ACCESS_KEY_ID:$VIGIL_TEST_SECRET_ACCESS_KEY" --data-binary "@$VIGIL_TMP/too-big"
expect_s3_error 413 EntityTooLarge "signed chunked PUT of $((MAX_BODY + 1)) bytes"
request PUT /vigil-test-bucket/big -H 'Transfer-Encoding: chunked' --data-binary "@$VIGIL_TMP/too-big"
expect_s3_error 403 AccessDenied "unsigned chunked PUT of $((MAX_BODY + 1)) bytes"
request POST /2020-11-20/projects/p/models/1/detect -H 'Content-Type: image/png' \
    --data-binary "@$VIGIL_TMP/too-big"
expect_api_error 413 ValidationException "DetectAnomalies of $((MAX_BODY + 1)) bytes"
pass "bodies over --max-body: 413"

request BREW /vigil-test-bucket
expect_s3_error 405 MethodNotAllowed "BREW on the S3 endpoint"
request BREW /2020-11-20/projects
expect_api_error 405 UnknownOperationException "BREW on the API"
pass "unknown method: 405"

request GET '/2020-11-20/projects?nextToken=%zz'
expect_api_error 400 ValidationException "malformed percent-escape in the query"
pass "malformed query: 400"

# --- wrong keys, through the aws CLI ----------------------------------------
expect_cli_error() {
    local code=$1
    shift
    local rc=0
    "$@" >"$VIGIL_TMP/cli-out" 2>"$VIGIL_TMP/cli-err" || rc=$?
    [ "$rc" -ne 0 ] || fail "'$*' succeeded, expected $code"
    grep -q "($code)" "$VIGIL_TMP/cli-err" || fail "'$*': expected $code, got: $(cat "$VIGIL_TMP/cli-err")"
}
AWS_SECRET_ACCESS_KEY=wrong expect_cli_error AccessDeniedException awsv lookoutvision list-projects
AWS_SECRET_ACCESS_KEY=wrong expect_cli_error SignatureDoesNotMatch awsv s3 ls
AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000 expect_cli_error InvalidAccessKeyId awsv s3 ls
pass "wrong secret / unknown key: AccessDeniedException, SignatureDoesNotMatch, InvalidAccessKeyId"

# --- signed calls reach the handlers ----------------------------------------
awsv lookoutvision list-projects >"$VIGIL_TMP/projects.json" ||
    fail "aws lookoutvision list-projects failed"
/usr/bin/python3 -c 'import json, sys; assert isinstance(json.load(open(sys.argv[1]))["Projects"], list)' \
    "$VIGIL_TMP/projects.json" || fail "list-projects output: $(cat "$VIGIL_TMP/projects.json")"
pass "aws lookoutvision list-projects"
awsv s3 ls >/dev/null || fail "aws s3 ls failed"
pass "aws s3 ls"

# --- restart and stop --------------------------------------------------------
vigil_restart_hard
request GET /health
expect_status 200 "GET /health after kill -9 and restart"
pass "restart after kill -9 on the same port and data"

vigil_stop
pass "SIGTERM: clean stop, exit 0"
