#!/usr/bin/env bash
# tests/integration/test_s3.sh - the S3-compatible endpoint of `vigil serve`
# as Lookout for Vision users drive it, with Debian's aws CLI: make a bucket
# (twice: the second is refused), upload the cookies dataset recursively and
# list it back (recursive, by prefix, with common prefixes) against the
# files on disk, a 20 MB random file through a multipart upload and a ranged
# multipart download byte for byte, copied bucket-side (UploadPartCopy) and
# moved, sync both ways, a presigned URL fetched by curl, objects
# kept across a hard restart, bucket not empty, recursive removal and bucket
# removal.  Then s3_boto3.py runs the boto3 checks (pagination, delete,
# copy, ranges, errors, odd keys, virtual-host addressing).
#
# usage: test_s3.sh BUILD_DIR DATASETS_DIR
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
COOKIES="$2/cookies"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

[ -d "$COOKIES" ] || fail "no cookies dataset at $COOKIES"
vigil_start

# --- buckets ---------------------------------------------------------------------
awsv s3 mb s3://cookies >/dev/null || fail "aws s3 mb"
if awsv s3 mb s3://cookies 2>"$VIGIL_TMP/err"; then
    fail "a second mb of the same bucket succeeded"
fi
grep -q BucketAlreadyOwnedByYou "$VIGIL_TMP/err" || fail "second mb: $(cat "$VIGIL_TMP/err")"
if awsv s3 mb s3://Not_Valid 2>"$VIGIL_TMP/err"; then
    fail "an invalid bucket name was accepted"
fi
awsv s3 ls | grep -q ' cookies$' || fail "aws s3 ls does not show the bucket"
pass "buckets: mb, mb again refused, invalid name refused, ls"

# --- the cookies dataset, recursively ----------------------------------------
awsv s3 cp --recursive --only-show-errors "$COOKIES" s3://cookies/cookies/ || fail "aws s3 cp --recursive"
(cd "$COOKIES" && find . -type f -printf '%P\n' | sort) >"$VIGIL_TMP/local"
awsv s3 ls --recursive s3://cookies/cookies/ | awk '{print $4}' | sed 's|^cookies/||' | sort >"$VIGIL_TMP/remote"
diff -u "$VIGIL_TMP/local" "$VIGIL_TMP/remote" >&2 || fail "the recursive listing differs from the files uploaded"
count=$(wc -l <"$VIGIL_TMP/local")
awsv s3 ls s3://cookies/cookies/ >"$VIGIL_TMP/top"
grep -q 'PRE training-images/$' "$VIGIL_TMP/top" || fail "no common prefix training-images/: $(cat "$VIGIL_TMP/top")"
grep -q ' train.manifest$' "$VIGIL_TMP/top" || fail "train.manifest is not listed at the top"
normal=$(find "$COOKIES/training-images" -maxdepth 1 -type f -name 'normal*' | wc -l)
[ "$(awsv s3 ls s3://cookies/cookies/training-images/normal | wc -l)" -eq "$normal" ] \
    || fail "listing by a partial prefix"
awsv s3 cp --only-show-errors s3://cookies/cookies/train.manifest "$VIGIL_TMP/manifest" || fail "download"
cmp -s "$COOKIES/train.manifest" "$VIGIL_TMP/manifest" || fail "train.manifest came back different"
pass "cp --recursive of $count files, ls recursive / by prefix / common prefixes, download"

# --- a 20 MB random file: multipart upload, ranged download -------------------
head -c 20000000 /dev/urandom >"$VIGIL_TMP/big"
awsv s3 cp --only-show-errors "$VIGIL_TMP/big" s3://cookies/big/random.bin || fail "upload of 20 MB"
awsv s3 cp --only-show-errors s3://cookies/big/random.bin "$VIGIL_TMP/big.back" || fail "download of 20 MB"
cmp "$VIGIL_TMP/big" "$VIGIL_TMP/big.back" || fail "the 20 MB file came back different"
etag=$(awsv s3api head-object --bucket cookies --key big/random.bin --query ETag --output text)
[[ "$etag" =~ ^\"[0-9a-f]{32}-[0-9]+\"$ ]] || fail "not a multipart ETag: $etag"
size=$(awsv s3api head-object --bucket cookies --key big/random.bin --query ContentLength --output text)
[ "$size" -eq 20000000 ] || fail "HeadObject ContentLength $size"
pass "20 MB multipart round trip, byte for byte, ETag $etag"

# --- bucket-side copies and sync ------------------------------------------------
# Over 8 MB the CLI copies with UploadPartCopy, after reading the source's tags.
awsv s3 cp --only-show-errors s3://cookies/big/random.bin s3://cookies/big/copy.bin || fail "s3-to-s3 copy of 20 MB"
awsv s3 mv --only-show-errors s3://cookies/big/copy.bin s3://cookies/big/moved.bin || fail "aws s3 mv"
awsv s3 cp --only-show-errors s3://cookies/big/moved.bin "$VIGIL_TMP/big.moved" || fail "download of the moved copy"
cmp -s "$VIGIL_TMP/big" "$VIGIL_TMP/big.moved" || fail "the copied 20 MB file differs"
[ "$(awsv s3 ls s3://cookies/big/ | awk '{print $4}' | tr '\n' ' ')" = "moved.bin random.bin " ] \
    || fail "after mv: $(awsv s3 ls s3://cookies/big/)"
awsv s3 sync --only-show-errors "$COOKIES/test-images" s3://cookies/synced/ || fail "sync up"
[ -z "$(awsv s3 sync "$COOKIES/test-images" s3://cookies/synced/)" ] || fail "a second sync up copied again"
awsv s3 sync --only-show-errors s3://cookies/synced/ "$VIGIL_TMP/synced" || fail "sync down"
diff -r "$COOKIES/test-images" "$VIGIL_TMP/synced" >&2 || fail "sync down differs"
pass "s3-to-s3 multipart copy (UploadPartCopy), mv, sync up (idempotent) and down"

# --- a presigned URL, fetched without the SDK --------------------------------
url=$(awsv s3 presign s3://cookies/cookies/train.manifest --expires-in 300)
curl -sf -o "$VIGIL_TMP/presigned" "$url" || fail "curl of the presigned URL"
cmp -s "$COOKIES/train.manifest" "$VIGIL_TMP/presigned" || fail "the presigned GET returned other bytes"
status=$(curl -s -o /dev/null -w '%{http_code}' "${url/train.manifest/other}")
[ "$status" = 403 ] || fail "a presigned URL for another key gave $status"
pass "presign + curl GET"

# --- durability -----------------------------------------------------------------
vigil_restart_hard
awsv s3 cp --only-show-errors s3://cookies/big/random.bin "$VIGIL_TMP/big.again" || fail "download after restart"
cmp -s "$VIGIL_TMP/big" "$VIGIL_TMP/big.again" || fail "the 20 MB file changed across a restart"
pass "objects survive kill -9"

# --- boto3 ------------------------------------------------------------------------
pyv "$(dirname "$0")/s3_boto3.py" cookies "$count" || fail "s3_boto3.py"

# --- removal ----------------------------------------------------------------------
if awsv s3 rb s3://cookies 2>"$VIGIL_TMP/err"; then
    fail "a non-empty bucket was removed"
fi
grep -q BucketNotEmpty "$VIGIL_TMP/err" || fail "rb of a non-empty bucket: $(cat "$VIGIL_TMP/err")"
awsv s3 rm --recursive --only-show-errors s3://cookies/ || fail "aws s3 rm --recursive"
[ -z "$(awsv s3 ls --recursive s3://cookies/)" ] || fail "objects left after rm --recursive"
awsv s3 rb s3://cookies >/dev/null || fail "aws s3 rb"
if awsv s3 ls s3://cookies 2>"$VIGIL_TMP/err"; then
    fail "a removed bucket can still be listed"
fi
grep -q NoSuchBucket "$VIGIL_TMP/err" || fail "listing a removed bucket: $(cat "$VIGIL_TMP/err")"
pass "rb of a non-empty bucket refused, rm --recursive, rb"

vigil_stop
echo "integration_s3: all passed"
