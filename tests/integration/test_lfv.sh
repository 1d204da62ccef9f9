#!/usr/bin/env bash
# tests/integration/test_lfv.sh - the first half of the Lookout for Vision
# API through Debian's aws CLI against `vigil serve`: projects, tags and
# datasets, on the happy path and on their errors (unknown and duplicate
# projects, bad and too-long names, MaxResults out of range, idempotent
# CreateProject), a dataset imported from the cookies manifest in the
# embedded S3 endpoint, a manifest with a broken line, ListDatasetEntries'
# filters, UpdateDatasetEntries, deletion, and an import interrupted by a
# hard restart.  Then lfv_boto3.py runs what the CLI cannot send.
#
# usage: test_lfv.sh BUILD_DIR DATASETS_DIR
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
COOKIES="$2/cookies"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

BUCKET=vigil-lfv-test

stats() {
    lfv describe-dataset --project-name "$1" --dataset-type "$2" --output text \
        --query 'DatasetDescription.ImageStats.[Total,Labeled,Normal,Anomaly]' | tr '\t' ' '
}

count_entries() {
    local project=$1 type=$2
    shift 2
    lfv list-dataset-entries --project-name "$project" --dataset-type "$type" "$@" \
        --query 'length(DatasetEntries)' --output json # text applies the query per page
}

vigil_start

# ---------------------------------------------------------------- projects
lfv create-project --project-name cookies >/dev/null
pass "create-project"
expect_error ConflictException lfv create-project --project-name cookies
expect_error ValidationException lfv create-project --project-name 'bad name'
expect_error ValidationException lfv create-project --project-name=-starts-with-dash
expect_error ValidationException lfv create-project --project-name "$(printf 'a%.0s' $(seq 256))"
lfv create-project --project-name "$(printf 'a%.0s' $(seq 255))" >/dev/null
pass "project names: pattern, 255 characters allowed, 256 refused"
expect_error ResourceNotFoundException lfv describe-project --project-name nothing-here
expect_error ResourceNotFoundException lfv delete-project --project-name nothing-here
pass "unknown projects"
expect_error ValidationException lfv list-projects --max-results 101
[ "$(lfv list-projects --query 'length(Projects)' --output text)" = 2 ] || fail "list-projects"
pass "list-projects"

first=$(lfv create-project --project-name idem --client-token tok-1 \
    --query ProjectMetadata.CreationTimestamp --output text)
again=$(lfv create-project --project-name idem --client-token tok-1 \
    --query ProjectMetadata.CreationTimestamp --output text)
[ "$first" = "$again" ] || fail "the same ClientToken did not return the original response"
expect_error ConflictException lfv create-project --project-name idem2 --client-token tok-1
expect_error ValidationException lfv create-project --project-name idem3 --client-token 'bad_token!'
pass "CreateProject idempotency"

# ---------------------------------------------------------------- tags
arn=$(lfv describe-project --project-name cookies --query ProjectDescription.ProjectArn --output text)
[[ "$arn" == arn:aws:lookoutvision:us-east-1:*:project/cookies ]] || fail "project ARN $arn"
lfv tag-resource --resource-arn "$arn" --tags Key=team,Value=vision Key=env,Value=test
lfv tag-resource --resource-arn "$arn" --tags Key=env,Value=prod
[ "$(lfv list-tags-for-resource --resource-arn "$arn" --query 'Tags[?Key==`env`].Value' \
    --output text)" = prod ] || fail "tag overwrite"
lfv untag-resource --resource-arn "$arn" --tag-keys team nothing
[ "$(lfv list-tags-for-resource --resource-arn "$arn" --query 'length(Tags)' --output text)" = 1 ] ||
    fail "untag-resource"
expect_error ResourceNotFoundException lfv list-tags-for-resource --resource-arn "${arn%/*}/nothing"
expect_error ValidationException lfv tag-resource --resource-arn "$arn" --tags Key=aws:x,Value=y
expect_error ValidationException lfv tag-resource --resource-arn "$arn" --tags 'Key=a*b,Value=y'
expect_error ValidationException lfv list-tags-for-resource --resource-arn not-an-arn
pass "tags"

# ---------------------------------------------------------------- datasets
awsv s3 mb "s3://$BUCKET" >/dev/null
awsv s3 cp --quiet --recursive "$COOKIES" "s3://$BUCKET/cookies/"
sed -e "s#\"training-images/#\"s3://$BUCKET/cookies/training-images/#g" \
    -e "s#\"mask-images/#\"s3://$BUCKET/cookies/mask-images/#g" \
    "$COOKIES/train.manifest" >"$VIGIL_TMP/train.manifest"
awsv s3 cp --quiet "$VIGIL_TMP/train.manifest" "s3://$BUCKET/cookies/s3.manifest"
source_of() {
    printf '{"GroundTruthManifest":{"S3Object":{"Bucket":"%s","Key":"%s"}}}' "$BUCKET" "$1"
}

status=$(lfv create-dataset --project-name cookies --dataset-type train \
    --dataset-source "$(source_of cookies/s3.manifest)" --query DatasetMetadata.Status --output text)
[ "$status" = CREATE_IN_PROGRESS ] || fail "create-dataset answered $status"
[ "$(wait_dataset cookies train)" = CREATE_COMPLETE ] ||
    fail "import: $(lfv describe-dataset --project-name cookies --dataset-type train)"
[ "$(stats cookies train)" = "63 63 31 32" ] || fail "ImageStats $(stats cookies train)"
pass "CreateDataset from the cookies manifest: 63 images, 31 normal, 32 anomaly"
expect_error ConflictException lfv create-dataset --project-name cookies --dataset-type train
expect_error ResourceNotFoundException lfv create-dataset --project-name nothing --dataset-type test
expect_error ValidationException lfv create-dataset --project-name cookies --dataset-type validation
expect_error ResourceNotFoundException lfv describe-dataset --project-name cookies --dataset-type test
[ "$(lfv describe-project --project-name cookies --query 'ProjectDescription.Datasets[0].Status' \
    --output text)" = CREATE_COMPLETE ] || fail "describe-project lists its datasets"
expect_error ConflictException lfv delete-project --project-name cookies
pass "dataset conflicts and errors"

# a broken second line, then a line naming a missing image
{ sed -n 1p "$VIGIL_TMP/train.manifest"; echo '{"source-ref": broken'; } >"$VIGIL_TMP/broken.manifest"
{ sed -n 1p "$VIGIL_TMP/train.manifest"
  echo "{\"source-ref\":\"s3://$BUCKET/cookies/training-images/missing.jpg\"}"; } >"$VIGIL_TMP/missing.manifest"
awsv s3 cp --quiet "$VIGIL_TMP/broken.manifest" "s3://$BUCKET/broken.manifest"
awsv s3 cp --quiet "$VIGIL_TMP/missing.manifest" "s3://$BUCKET/missing.manifest"
lfv create-project --project-name broken >/dev/null
lfv create-dataset --project-name broken --dataset-type train \
    --dataset-source "$(source_of broken.manifest)" >/dev/null
lfv create-dataset --project-name broken --dataset-type test \
    --dataset-source "$(source_of missing.manifest)" >/dev/null
[ "$(wait_dataset broken train)" = CREATE_FAILED ] || fail "a broken manifest imported"
message=$(lfv describe-dataset --project-name broken --dataset-type train \
    --query DatasetDescription.StatusMessage --output text)
grep -q "line 2" <<<"$message" || fail "the failure does not name line 2: $message"
[ "$(wait_dataset broken test)" = CREATE_FAILED ] || fail "a missing image imported"
message=$(lfv describe-dataset --project-name broken --dataset-type test \
    --query DatasetDescription.StatusMessage --output text)
grep -q "missing.jpg" <<<"$message" || fail "the failure does not name the image: $message"
[ "$(stats broken test)" = "0 0 0 0" ] || fail "a failed import kept entries"
pass "failed imports: CREATE_FAILED naming the line and the image"

# ---------------------------------------------------------------- entries
[ "$(count_entries cookies train)" = 63 ] || fail "list-dataset-entries"
[ "$(count_entries cookies train --labeled)" = 63 ] || fail "--labeled"
[ "$(count_entries cookies train --no-labeled)" = 0 ] || fail "--no-labeled"
[ "$(count_entries cookies train --anomaly-class normal)" = 31 ] || fail "--anomaly-class normal"
[ "$(count_entries cookies train --anomaly-class anomaly)" = 32 ] || fail "--anomaly-class anomaly"
[ "$(count_entries cookies train --source-ref-contains anomaly-1.jpg)" = 1 ] ||
    fail "--source-ref-contains"
[ "$(count_entries cookies train --before-creation-date 2000-01-01T00:00:00Z)" = 0 ] ||
    fail "--before-creation-date"
[ "$(count_entries cookies train --after-creation-date 2000-01-01T00:00:00Z)" = 63 ] ||
    fail "--after-creation-date"
n=$(count_entries cookies train --page-size 10)
[ "$n" = 63 ] || fail "pages of 10: $n entries"
expect_error ValidationException lfv list-dataset-entries --project-name cookies \
    --dataset-type train --anomaly-class broken
expect_error ValidationException lfv list-dataset-entries --project-name cookies \
    --dataset-type train --max-results 101
first=$(lfv list-dataset-entries --project-name cookies --dataset-type train \
    --source-ref-contains anomaly-1.jpg --query 'DatasetEntries[0]' --output text)
grep -q "\"source-ref\":\"s3://$BUCKET/cookies/training-images/anomaly-1.jpg\"" <<<"$first" ||
    fail "entry line: $first"
pass "list-dataset-entries and its filters"

# relabel anomaly-1 as normal and add one unlabelled image
normal_line=$(grep -m1 '"class-name": "normal"' "$VIGIL_TMP/train.manifest")
{ sed -n 1p "$VIGIL_TMP/train.manifest" |
    sed -e 's/"class-name": "anomaly"/"class-name": "normal"/' \
        -e 's/, "anomaly-mask-ref-metadata".*$/}/'
  echo "{\"source-ref\":\"s3://$BUCKET/cookies/test-images/$(ls "$COOKIES/test-images" | head -n 1)\"}"
} >"$VIGIL_TMP/changes.manifest"
[ -n "$normal_line" ] || fail "no normal line in the manifest"
status=$(lfv update-dataset-entries --project-name cookies --dataset-type train \
    --changes "fileb://$VIGIL_TMP/changes.manifest" --query Status --output text)
[ "$status" = UPDATE_IN_PROGRESS ] || fail "update-dataset-entries answered $status"
[ "$(wait_dataset cookies train)" = UPDATE_COMPLETE ] ||
    fail "update: $(lfv describe-dataset --project-name cookies --dataset-type train)"
[ "$(stats cookies train)" = "64 63 32 31" ] || fail "ImageStats after update $(stats cookies train)"
printf '{"source-ref": broken\n' >"$VIGIL_TMP/bad-changes.manifest"
expect_error ValidationException lfv update-dataset-entries --project-name cookies \
    --dataset-type train --changes "fileb://$VIGIL_TMP/bad-changes.manifest"
expect_error ResourceNotFoundException lfv update-dataset-entries --project-name cookies \
    --dataset-type test --changes "fileb://$VIGIL_TMP/changes.manifest"
pass "update-dataset-entries"

# ---------------------------------------------------------------- boto3
pyv "$(dirname "$0")/lfv_boto3.py" "$BUCKET" || fail "lfv_boto3.py"

# ---------------------------------------------------------------- durability
lfv create-project --project-name restart >/dev/null
lfv create-dataset --project-name restart --dataset-type train \
    --dataset-source "$(source_of cookies/s3.manifest)" >/dev/null
vigil_restart_hard
[ "$(stats cookies train)" = "64 63 32 31" ] || fail "entries lost by a restart"
status=$(wait_dataset restart train)
case "$status" in
CREATE_COMPLETE) ;; # the import finished before the kill
CREATE_FAILED)
    lfv describe-dataset --project-name restart --dataset-type train \
        --query DatasetDescription.StatusMessage --output text | grep -q interrupted ||
        fail "an interrupted import does not say so" ;;
*) fail "after a restart the import is $status" ;;
esac
pass "a hard restart keeps the data and ends an interrupted import"

# ---------------------------------------------------------------- deletion
lfv delete-dataset --project-name cookies --dataset-type train >/dev/null
expect_error ResourceNotFoundException lfv describe-dataset --project-name cookies --dataset-type train
expect_error ResourceNotFoundException lfv delete-dataset --project-name cookies --dataset-type train
lfv delete-project --project-name cookies >/dev/null
expect_error ResourceNotFoundException lfv describe-project --project-name cookies
expect_error ResourceNotFoundException lfv list-tags-for-resource --resource-arn "$arn"
pass "delete-dataset and delete-project"

vigil_stop
pass "test_lfv"
