#!/usr/bin/env bash
# tests/integration/test_bad_input.sh - `vigil serve` under bad input: builds
# state (a bucket holding the cookies, a project with a train dataset
# imported from the rewritten manifest, an empty test dataset, tags),
# records it (describe/list outputs, entries, tags, objects with ETags),
# then throws bad input at the API and S3 through the aws CLI (non-ASCII,
# over-long and off-pattern names) and bad_input_boto3.py (raw signed
# requests: malformed JSON, wrong types, missing members, a body over
# --max-body, bad filters and tokens, unknown ARNs, wrong methods, S3 bad
# digests and XML), and imports bad manifests (not JSON, no source-ref, an
# image in another bucket, a JPEG named as a mask, a truncated image, an
# image over 8 MB, a mask of the wrong size, a 5000x100 image), each of
# which must end CREATE_FAILED naming the line and the object.  Finally
# the recorded state must be byte-for-byte the same and the server healthy.
# (A kill -9 during an import is covered by test_lfv.sh.)
#
# usage: test_bad_input.sh BUILD_DIR DATASETS_DIR
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
COOKIES="$2/cookies"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

BUCKET=vigil-bad-input
OTHER_BUCKET=vigil-bad-input-other
PROJECT=state
MAX_BODY=$((16 * 1024 * 1024)) # room for the 8 MB+ image's upload

# snapshot: everything bad input could change, as the clients see it (the
# bad-manifest projects, created on purpose, are left out).
snapshot() {
    local arn
    arn=$(lfv describe-project --project-name "$PROJECT" --query ProjectDescription.ProjectArn \
        --output text)
    lfv list-projects --query "Projects[?!starts_with(ProjectName, 'badmf')]"
    lfv describe-project --project-name "$PROJECT"
    for type in train test; do
        lfv describe-dataset --project-name "$PROJECT" --dataset-type "$type"
        lfv list-dataset-entries --project-name "$PROJECT" --dataset-type "$type"
    done
    lfv list-tags-for-resource --resource-arn "$arn"
    for bucket in "$BUCKET" "$OTHER_BUCKET"; do
        awsv s3api list-objects-v2 --bucket "$bucket" \
            --query 'Contents[].[Key,ETag,Size,LastModified]'
    done
    awsv s3api list-buckets --query 'Buckets[].Name'
}

vigil_start --max-body "$MAX_BODY"

# ---------------------------------------------------------------- state
awsv s3 mb "s3://$BUCKET" >/dev/null
awsv s3 mb "s3://$OTHER_BUCKET" >/dev/null
awsv s3 cp --quiet --recursive "$COOKIES" "s3://$BUCKET/cookies/"
sed -e "s#\"training-images/#\"s3://$BUCKET/cookies/training-images/#g" \
    -e "s#\"mask-images/#\"s3://$BUCKET/cookies/mask-images/#g" \
    "$COOKIES/train.manifest" >"$VIGIL_TMP/train.manifest"
awsv s3 cp --quiet "$VIGIL_TMP/train.manifest" "s3://$BUCKET/cookies/s3.manifest"
source_of() {
    printf '{"GroundTruthManifest":{"S3Object":{"Bucket":"%s","Key":"%s"}}}' "$BUCKET" "$1"
}
lfv create-project --project-name "$PROJECT" >/dev/null
lfv create-dataset --project-name "$PROJECT" --dataset-type train \
    --dataset-source "$(source_of cookies/s3.manifest)" >/dev/null
[ "$(wait_dataset "$PROJECT" train)" = CREATE_COMPLETE ] || fail "the cookies import failed"
lfv create-dataset --project-name "$PROJECT" --dataset-type test >/dev/null
arn=$(lfv describe-project --project-name "$PROJECT" --query ProjectDescription.ProjectArn --output text)
lfv tag-resource --resource-arn "$arn" --tags Key=team,Value=vision 'Key=café,Value=ok'
lfv tag-resource --resource-arn "$arn" --tags "Key=lang,Value=日本"

# the objects the bad manifests name, uploaded now so that the snapshot holds them
first=$(sed -n 1p "$VIGIL_TMP/train.manifest")        # anomaly-1, with a mask
normal=$(grep -m1 '"class-name": "normal"' "$VIGIL_TMP/train.manifest")
jpeg="$COOKIES/training-images/normal-1.jpg"
/usr/bin/python3 - "$VIGIL_TMP" <<'PY'
# PNGs without PIL: a mask of another size than its image, a 5000x100 image, noise over 8 MB
import os, struct, sys, zlib
def png(path, width, height, color_type, row):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\0" + row(y) for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8,
                color_type, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))
out = sys.argv[1]
png(f"{out}/small-mask.png", 128, 96, 2, lambda y: b"\0" * 384)  # valid, not the image's size
png(f"{out}/wide.png", 5000, 100, 2, lambda y: bytes((x * 7 + y) % 256 for x in range(15000)))
png(f"{out}/huge.png", 1800, 1800, 2, lambda y: os.urandom(5400))
PY
[ "$(stat -c %s "$VIGIL_TMP/huge.png")" -gt $((8 * 1024 * 1024)) ] || fail "huge.png is not over 8 MB"
head -c 2000 "$jpeg" >"$VIGIL_TMP/truncated.jpg"
awsv s3 cp --quiet "$VIGIL_TMP/small-mask.png" "s3://$BUCKET/bad/small-mask.png"
awsv s3 cp --quiet "$VIGIL_TMP/wide.png" "s3://$BUCKET/bad/wide.png"
awsv s3 cp --quiet "$VIGIL_TMP/huge.png" "s3://$BUCKET/bad/huge.png"
awsv s3 cp --quiet "$VIGIL_TMP/truncated.jpg" "s3://$BUCKET/bad/truncated.jpg"
awsv s3 cp --quiet "$jpeg" "s3://$BUCKET/bad/jpeg-mask.png"
awsv s3 cp --quiet "$jpeg" "s3://$OTHER_BUCKET/elsewhere.jpg"

# bad manifests: a good first line, then the bad one (NAME LINE2 EXPECTED)
bad_manifest() {
    printf '%s\n%s\n' "$normal" "$2" >"$VIGIL_TMP/$1.manifest"
    awsv s3 cp --quiet "$VIGIL_TMP/$1.manifest" "s3://$BUCKET/bad/$1.manifest"
}
mask_line() { sed -e "s#\"anomaly-mask-ref\": \"[^\"]*\"#\"anomaly-mask-ref\": \"$1\"#" <<<"$first"; }
image_line() { printf '{"source-ref": "%s"}' "$1"; }
declare -A EXPECT=(
    [not-json]="line 2" [no-source-ref]="line 2" [other-bucket]="elsewhere.jpg"
    [jpeg-mask]="jpeg-mask.png" [truncated]="truncated.jpg" [huge]="huge.png"
    [small-mask]="small-mask.png" [wide]="wide.png"
)
bad_manifest not-json '{"source-ref": "s3://x/y.jpg", broken'
bad_manifest no-source-ref '{"anomaly-label": 1}'
bad_manifest other-bucket "$(image_line "s3://$OTHER_BUCKET/elsewhere.jpg")"
bad_manifest jpeg-mask "$(mask_line "s3://$BUCKET/bad/jpeg-mask.png")"
bad_manifest truncated "$(image_line "s3://$BUCKET/bad/truncated.jpg")"
bad_manifest huge "$(image_line "s3://$BUCKET/bad/huge.png")"
bad_manifest small-mask "$(mask_line "s3://$BUCKET/bad/small-mask.png")"
bad_manifest wide "$(image_line "s3://$BUCKET/bad/wide.png")"
snapshot >"$VIGIL_TMP/before.json"
pass "state recorded"

# ---------------------------------------------------------------- the CLI
for name in "$(printf 'a%.0s' $(seq 256))" é 日本 '🍪' 'cookie🍪' 'a b' -a a.b a/b; do
    expect_error ValidationException lfv create-project --project-name="$name"
done
for name in é 日本 '🍪' 'a b' a.b; do
    expect_error ValidationException lfv describe-project --project-name="$name"
    expect_error ValidationException lfv create-dataset --project-name="$name" --dataset-type test
done
expect_error ValidationException lfv create-dataset --project-name "$PROJECT" --dataset-type TRAIN
expect_error ValidationException lfv create-dataset --project-name "$PROJECT" --dataset-type test \
    --dataset-source '{"GroundTruthManifest":{"S3Object":{"Bucket":"bad bucket!","Key":"x.manifest"}}}'
expect_error ConflictException lfv create-dataset --project-name "$PROJECT" --dataset-type train
expect_error ValidationException lfv tag-resource --resource-arn "$arn" \
    --tags "Key=$(printf 'k%.0s' $(seq 129)),Value=v"
expect_error ValidationException lfv tag-resource --resource-arn "$arn" --tags Key=aws:x,Value=v
expect_error ResourceNotFoundException lfv tag-resource --resource-arn "${arn%/*}/nothing" \
    --tags Key=k,Value=v
expect_error ValidationException lfv list-dataset-entries --project-name "$PROJECT" \
    --dataset-type train --anomaly-class Normal
expect_error ValidationException lfv list-dataset-entries --project-name "$PROJECT" \
    --dataset-type train --source-ref-contains '   '
expect_error ValidationException lfv list-dataset-entries --project-name "$PROJECT" \
    --dataset-type train --next-token 'not a token'
pass "aws CLI: bad names, types, tags and filters refused"

# ---------------------------------------------------------------- raw requests
pyv "$(dirname "$0")/bad_input_boto3.py" "$BUCKET" "$PROJECT" "$MAX_BODY" || fail "bad_input_boto3.py"
curl -sf -o /dev/null "$VIGIL_ENDPOINT/health" || fail "unhealthy after the raw requests"

# ---------------------------------------------------------------- bad manifests
for name in "${!EXPECT[@]}"; do
    lfv create-project --project-name "badmf-$name" >/dev/null
    lfv create-dataset --project-name "badmf-$name" --dataset-type train \
        --dataset-source "$(source_of "bad/$name.manifest")" >/dev/null
done
for name in "${!EXPECT[@]}"; do
    status=$(wait_dataset "badmf-$name" train)
    message=$(lfv describe-dataset --project-name "badmf-$name" --dataset-type train \
        --query DatasetDescription.StatusMessage --output text)
    [ "$status" = CREATE_FAILED ] || fail "manifest $name: $status ($message)"
    grep -qF "line 2" <<<"$message" || fail "manifest $name: the message does not name line 2: $message"
    grep -qF "${EXPECT[$name]}" <<<"$message" ||
        fail "manifest $name: the message does not name ${EXPECT[$name]}: $message"
    [ "$(lfv describe-dataset --project-name "badmf-$name" --dataset-type train --output text \
        --query 'DatasetDescription.ImageStats.Total')" = 0 ] || fail "manifest $name kept entries"
    pass "bad manifest $name: CREATE_FAILED, $message"
done

# ---------------------------------------------------------------- unchanged
snapshot >"$VIGIL_TMP/after.json"
cmp -s "$VIGIL_TMP/before.json" "$VIGIL_TMP/after.json" ||
    fail "bad input changed the state: $(diff "$VIGIL_TMP/before.json" "$VIGIL_TMP/after.json" | head -40)"
curl -sf -o /dev/null "$VIGIL_ENDPOINT/health" || fail "the server is not healthy"
lfv list-projects >/dev/null || fail "the server no longer answers the API"
pass "projects, datasets, entries, tags, objects and ETags unchanged; the server is healthy"

vigil_stop
pass "test_bad_input"
