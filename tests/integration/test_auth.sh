#!/usr/bin/env bash
# tests/integration/test_auth.sh - negative authentication through the real
# clients against `vigil serve`: Debian's aws CLI with a wrong secret and an
# unknown access key on the API and on S3 (403 AccessDeniedException;
# SignatureDoesNotMatch, InvalidAccessKeyId), then auth_boto3.py: skewed
# clocks, bodies changed after signing, missing or malformed signatures,
# expired and tampered presigned URLs.  Every refused request must leave the
# projects and the objects (with their ETags) as they were.
# (test_server.sh checks the HTTP-level refusals with curl; this suite is
# about what the clients send.)
#
# usage: test_auth.sh BUILD_DIR
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

BUCKET=vigil-auth-test

# expect_cli_error CODE COMMAND...: the command fails with that error code.
expect_cli_error() {
    local code=$1
    shift
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" -ne 0 ] || fail "'$*' succeeded; expected $code"
    grep -q "($code)" <<<"$out" || fail "'$*': expected $code, got: $out"
}

# snapshot: the projects and every object with its ETag.
snapshot() {
    awsv lookoutvision list-projects --query 'Projects[].ProjectName' --output json
    awsv s3api list-objects-v2 --bucket "$BUCKET" --query 'Contents[].[Key,ETag,Size]' --output json
}

vigil_start

awsv lookoutvision create-project --project-name auth-kept >/dev/null
awsv s3 mb "s3://$BUCKET" >/dev/null
printf 'kept\n' >"$VIGIL_TMP/kept.txt"
awsv s3 cp --quiet "$VIGIL_TMP/kept.txt" "s3://$BUCKET/auth/kept.txt"
snapshot >"$VIGIL_TMP/before.json"

# --- the aws CLI with wrong keys ----------------------------------------------
wrong_secret() { AWS_SECRET_ACCESS_KEY="wrong$AWS_SECRET_ACCESS_KEY" "$@"; }
unknown_key() { AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000 "$@"; }
wrong_secret expect_cli_error AccessDeniedException \
    awsv lookoutvision create-project --project-name auth-cli-1
unknown_key expect_cli_error AccessDeniedException \
    awsv lookoutvision create-project --project-name auth-cli-2
wrong_secret expect_cli_error AccessDeniedException \
    awsv lookoutvision delete-project --project-name auth-kept
wrong_secret expect_cli_error SignatureDoesNotMatch \
    awsv s3api put-object --bucket "$BUCKET" --key auth/cli --body "$VIGIL_TMP/kept.txt"
unknown_key expect_cli_error InvalidAccessKeyId \
    awsv s3api put-object --bucket "$BUCKET" --key auth/cli --body "$VIGIL_TMP/kept.txt"
wrong_secret expect_cli_error SignatureDoesNotMatch \
    awsv s3api delete-object --bucket "$BUCKET" --key auth/kept.txt
unknown_key expect_cli_error InvalidAccessKeyId awsv s3api delete-bucket --bucket "$BUCKET"
pass "aws CLI: wrong secret and unknown key refused on the API and on S3"

# --- boto3 and raw signed requests --------------------------------------------
pyv "$(dirname "$0")/auth_boto3.py" "$BUCKET" || fail "auth_boto3.py"

snapshot >"$VIGIL_TMP/after.json"
cmp -s "$VIGIL_TMP/before.json" "$VIGIL_TMP/after.json" ||
    fail "refused requests changed the state: $(diff "$VIGIL_TMP/before.json" "$VIGIL_TMP/after.json")"
curl -sf -o /dev/null "$VIGIL_ENDPOINT/health" || fail "the server is not healthy"
pass "nothing changed; the server is healthy"

vigil_stop
pass "test_auth"
