#!/usr/bin/env bash
# tests/browser/run.sh - the web console in Debian's chromium: starts
# `vigil serve` (tests/integration/lib.sh), prepares a small subset of the
# cookies (22 normal and 12 anomalous training images, which train in
# seconds; a corrupt JPEG and a text file for the failing upload; two test
# images for trial detection; 5 images under an S3 prefix in normal/ and
# anomaly/ folders and a manifest of 3 of them), runs console_flow.mjs, then the console's
# module tests (modules.test.mjs).  Screenshots go to VIGIL_CONSOLE_SHOTS
# (docs/console to refresh the README's), by default a temporary folder.
#
# usage: run.sh BUILD_DIR DATASETS_DIR MODELS_DIR
# Needs /usr/bin/chromium and `npm ci --prefix tests/browser` (make test
# does both).
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR MODELS_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
COOKIES="$2/cookies"
export VIGIL_MODELS_DIR="$3"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../integration/lib.sh
source "$HERE/../integration/lib.sh"

[ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium: run scripts/install-deps.sh as root"
[ -d "$HERE/node_modules/playwright-core" ] ||
    fail "playwright-core is not installed: npm ci --prefix tests/browser"

VIGIL_DATASETS_DIR="$2" node --test "$HERE/modules.test.mjs" >"$VIGIL_TMP/modules.log" 2>&1 ||
    { cat "$VIGIL_TMP/modules.log"; fail "the console's module tests"; }
pass "module tests: the SigV4 signer against botocore's signatures, the /metrics parser"

UPLOAD="$VIGIL_TMP/upload"
mkdir -p "$UPLOAD"/{normal,anomaly,bad,trial}
for i in $(seq 1 22); do cp "$COOKIES/training-images/normal-$i.jpg" "$UPLOAD/normal/"; done
for i in $(seq 1 12); do cp "$COOKIES/training-images/anomaly-$i.jpg" "$UPLOAD/anomaly/"; done
head -c 2000 "$COOKIES/training-images/normal-1.jpg" >"$UPLOAD/bad/truncated.jpg"
echo "not an image" >"$UPLOAD/bad/notes.txt"
cp "$COOKIES/test-images/test-anomaly-1.jpg" "$COOKIES/test-images/test-normal-1.jpg" "$UPLOAD/trial/"

SHOTS="${VIGIL_CONSOLE_SHOTS:-$VIGIL_TMP/shots}"
mkdir -p "$SHOTS"
vigil_start
# the files over real HTTP: the raw request target reaches the server as sent
headers=$(curl -sf -D - -o /dev/null "$VIGIL_ENDPOINT/console/")
grep -qi '^content-type: text/html' <<<"$headers" || fail "/console/ is not HTML: $headers"
grep -qi "^content-security-policy: default-src 'self'" <<<"$headers" || fail "/console/ has no CSP"
curl -sf -D - -o /dev/null "$VIGIL_ENDPOINT/console/js/app.js" | grep -qi '^content-type: text/javascript' ||
    fail "app.js is not JavaScript"
[ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$VIGIL_ENDPOINT/console")" = \
    "301 $VIGIL_ENDPOINT/console/" ] || fail "/console does not redirect to /console/"
for path in /console/../CMakeLists.txt /console/%2e%2e/CMakeLists.txt /console/js/../../README.md; do
    [ "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$VIGIL_ENDPOINT$path")" = 404 ] ||
        fail "$path was not refused"
done
pass "the console's files: types, CSP, the redirect, traversal refused"
# images under an S3 prefix, in the folders that label them
awsv s3 mb s3://vigil-prefix-test >/dev/null
for i in 23 24 25; do
    awsv s3 cp --quiet "$COOKIES/training-images/normal-$i.jpg" s3://vigil-prefix-test/cookies/normal/
done
for i in 13 14; do
    awsv s3 cp --quiet "$COOKIES/training-images/anomaly-$i.jpg" s3://vigil-prefix-test/cookies/anomaly/
done
# a Ground Truth manifest of those images, for a separate test dataset
for name in normal/normal-23 normal/normal-24 anomaly/anomaly-13; do
    label=${name%%/*}
    printf '{"source-ref":"s3://vigil-prefix-test/cookies/%s.jpg","anomaly-label":%d,"anomaly-label-metadata":{"class-name":"%s","type":"groundtruth/image-classification","human-annotated":"yes"}}\n' \
        "$name" "$([ "$label" = anomaly ] && echo 1 || echo 0)" "$label"
done >"$VIGIL_TMP/test.manifest"
awsv s3 cp --quiet "$VIGIL_TMP/test.manifest" s3://vigil-prefix-test/test.manifest
MANIFEST_URI=s3://vigil-prefix-test/test.manifest PREFIX_URI=s3://vigil-prefix-test/cookies/ VIGIL_ENDPOINT="$VIGIL_ENDPOINT" ACCESS_KEY_ID="$VIGIL_TEST_ACCESS_KEY_ID" \
    SECRET_ACCESS_KEY="$VIGIL_TEST_SECRET_ACCESS_KEY" UPLOAD_DIR="$UPLOAD" SHOTS_DIR="$SHOTS" \
    node "$HERE/console_flow.mjs" || fail "the console flow (screenshots in $SHOTS)"
vigil_stop
pass "the console flow in chromium"
