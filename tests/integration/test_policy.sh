#!/usr/bin/env bash
# tests/integration/test_policy.sh - per-key permissions through Debian's aws
# CLI and boto3 (policy_boto3.py) against `vigil serve`: keys created with
# `vigil keys` while the server runs, one whose policy allows
# lookoutvision:* but denies TagResource and may use one bucket, one that
# may only create and describe models.  CreateModel with --tags is
# AccessDeniedException (exit code 254) and leaves no model and no
# ClientToken behind; without tags it is accepted; TagResource is denied,
# DescribeModel allowed; S3 outside the key's buckets is AccessDenied; the
# root key may do everything; a deleted key is refused at once.
#
# usage: test_policy.sh BUILD_DIR DATASETS_DIR MODELS_DIR
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR MODELS_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
COOKIES="$2/cookies"
export VIGIL_MODELS_DIR="$3" # the backbone the accepted CreateModel trains with
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

DATA=vigil-policy-data
OUT=vigil-policy-out
FOREIGN=vigil-policy-foreign
ACCOUNT=000000000000
PROJECT_ARN="arn:aws:lookoutvision:$VIGIL_TEST_REGION:$ACCOUNT:project/cookies"

# as KEY_ID SECRET COMMAND...: runs the command with that key.
as() {
    AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2 "${@:3}"
}

# expect_denied CODE NEEDLE COMMAND...: the CLI fails with exit code 254 (a
# service error), the error code and a message containing NEEDLE.
expect_denied() {
    local code=$1 needle=$2
    shift 2
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" -eq 254 ] || fail "'$*' exited $rc, not 254: $out"
    grep -q "($code)" <<<"$out" || fail "'$*': expected $code, got: $out"
    grep -qF -- "$needle" <<<"$out" || fail "'$*': no '$needle' in: $out"
}

# vkeys ARG...: `vigil keys` with the root key the server runs with (it
# refuses to act without knowing it).
vkeys() {
    VIGIL_ROOT_ACCESS_KEY_ID="$VIGIL_TEST_ACCESS_KEY_ID" \
        VIGIL_ROOT_SECRET_ACCESS_KEY="$VIGIL_TEST_SECRET_ACCESS_KEY" "$VIGIL_BIN" keys "$@"
}

# new_key POLICY_FILE: creates a key with `vigil keys`; prints "ID SECRET".
new_key() {
    vkeys create --data "$VIGIL_DATA" --policy "file://$1" |
        /usr/bin/python3 -c 'import json, sys
key = json.load(sys.stdin)["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])'
}

model_count() {
    lfv list-models --project-name cookies --query 'length(Models)' --output text
}

vigil_start

# ---------------------------------------------------------------- set-up (root key)
upload_cookies "$DATA"
awsv s3 mb "s3://$OUT" >/dev/null
awsv s3 mb "s3://$FOREIGN" >/dev/null
printf 'not yours\n' >"$VIGIL_TMP/secret.txt"
awsv s3 cp --quiet "$VIGIL_TMP/secret.txt" "s3://$FOREIGN/secret.txt"
lfv create-project --project-name cookies >/dev/null
import_dataset cookies train "$DATA" cookies/s3.manifest

# ---------------------------------------------------------------- keys, made while serving
cat >"$VIGIL_TMP/no-tags.json" <<JSON
{"Version": "2012-10-17",
 "Statement": [
  {"Sid": "Lookout", "Effect": "Allow", "Action": "lookoutvision:*", "Resource": "*"},
  {"Sid": "NoTags", "Effect": "Deny", "Action": "lookoutvision:TagResource", "Resource": "*"},
  {"Sid": "OwnBuckets", "Effect": "Allow", "Action": "s3:*",
   "Resource": ["arn:aws:s3:::$DATA", "arn:aws:s3:::$DATA/*", "arn:aws:s3:::$OUT/*"]}]}
JSON
cat >"$VIGIL_TMP/create-only.json" <<JSON
{"Statement": {"Effect": "Allow",
               "Action": ["lookoutvision:CreateModel", "lookoutvision:Describe*", "s3:PutObject"],
               "Resource": ["$PROJECT_ARN", "arn:aws:lookoutvision:*:*:model/cookies/*",
                            "arn:aws:s3:::$OUT/*"]}}
JSON
read -r KEY SECRET < <(new_key "$VIGIL_TMP/no-tags.json")
read -r KEY2 SECRET2 < <(new_key "$VIGIL_TMP/create-only.json")
[ -n "$KEY" ] && [ -n "$KEY2" ] || fail "vigil keys create printed no key"
vkeys list --data "$VIGIL_DATA" | grep -q "\"AccessKeyId\": \"$KEY2\"" ||
    fail "vigil keys list does not show $KEY2"
if vkeys list --data "$VIGIL_DATA" | grep -q "$SECRET"; then
    fail "vigil keys list shows a secret"
fi
out=$("$VIGIL_BIN" keys list --data "$VIGIL_DATA" 2>&1) && fail "vigil keys ran without the root key: $out"
grep -q "root" <<<"$out" || fail "vigil keys without the root key: $out"
pass "vigil keys: two keys created while the server runs; without the root key it refuses"

# ---------------------------------------------------------------- CreateModel needs TagResource for tags
output="S3Location={Bucket=$OUT,Prefix=out/}"
expect_denied AccessDeniedException \
    "User: arn:aws:iam::$ACCOUNT:user/$KEY is not authorized to perform: lookoutvision:TagResource on resource: $PROJECT_ARN with an explicit deny" \
    as "$KEY" "$SECRET" lfv create-model --project-name cookies --output-config "$output" \
    --tags Key=team,Value=qa --client-token policy-token-1
expect_denied AccessDeniedException \
    "lookoutvision:TagResource on resource: $PROJECT_ARN because no identity-based policy allows" \
    as "$KEY2" "$SECRET2" lfv create-model --project-name cookies --output-config "$output" \
    --tags Key=team,Value=qa
[ "$(model_count)" = 0 ] || fail "a denied CreateModel left $(model_count) model(s)"
pass "CreateModel --tags: AccessDeniedException (exit 254), no model created"

# Without tags it is accepted.  The denied request recorded no ClientToken:
# reused with other parameters it would be a ConflictException.
version=$(as "$KEY2" "$SECRET2" lfv create-model --project-name cookies --output-config "$output" \
    --client-token policy-token-1 --query ModelMetadata.ModelVersion --output text)
[ "$version" = 1 ] || fail "CreateModel without tags got version $version"
as "$KEY2" "$SECRET2" lfv describe-model --project-name cookies --model-version 1 \
    --query ModelDescription.Status --output text | grep -Eq '^TRAINING' ||
    fail "describe-model with the create-only key"
expect_denied AccessDeniedException "lookoutvision:ListModels on resource: $PROJECT_ARN" \
    as "$KEY2" "$SECRET2" lfv list-models --project-name cookies
pass "CreateModel without tags accepted, with the denied request's ClientToken; DescribeModel allowed, ListModels not"

# ---------------------------------------------------------------- TagResource, DescribeModel
MODEL_ARN="arn:aws:lookoutvision:$VIGIL_TEST_REGION:$ACCOUNT:model/cookies/1"
expect_denied AccessDeniedException \
    "is not authorized to perform: lookoutvision:TagResource on resource: $MODEL_ARN" \
    as "$KEY" "$SECRET" lfv tag-resource --resource-arn "$MODEL_ARN" --tags Key=team,Value=qa
[ "$(lfv list-tags-for-resource --resource-arn "$MODEL_ARN" --query 'length(Tags)' --output text)" = 0 ] ||
    fail "a denied TagResource tagged the model"
as "$KEY" "$SECRET" lfv describe-model --project-name cookies --model-version 1 >/dev/null ||
    fail "describe-model denied"
as "$KEY" "$SECRET" lfv untag-resource --resource-arn "$MODEL_ARN" --tag-keys team ||
    fail "untag-resource denied"
pass "TagResource denied (nothing tagged); DescribeModel and UntagResource allowed"

# ---------------------------------------------------------------- S3 outside the policy
expect_denied AccessDenied "s3:GetObject on resource: arn:aws:s3:::$FOREIGN/secret.txt" \
    as "$KEY" "$SECRET" awsv s3api get-object --bucket "$FOREIGN" --key secret.txt "$VIGIL_TMP/got"
[ ! -e "$VIGIL_TMP/got" ] || fail "the foreign object was written out"
expect_denied AccessDenied "s3:ListBucket on resource: arn:aws:s3:::$FOREIGN" \
    as "$KEY" "$SECRET" awsv s3api list-objects-v2 --bucket "$FOREIGN"
expect_denied AccessDenied "s3:PutObject on resource: arn:aws:s3:::$FOREIGN/x" \
    as "$KEY" "$SECRET" awsv s3api put-object --bucket "$FOREIGN" --key x --body "$VIGIL_TMP/secret.txt"
as "$KEY" "$SECRET" awsv s3 ls "s3://$DATA/cookies/" | grep -q train.manifest ||
    fail "the key cannot list its own bucket"
expect_denied AccessDeniedException "s3:GetObject on resource: arn:aws:s3:::$FOREIGN/secret.txt" \
    as "$KEY" "$SECRET" lfv create-dataset --project-name cookies --dataset-type test --dataset-source \
    "{\"GroundTruthManifest\":{\"S3Object\":{\"Bucket\":\"$FOREIGN\",\"Key\":\"secret.txt\"}}}"
pass "S3: a foreign bucket's object, listing and upload denied, and a dataset from it; own bucket listed"

# ---------------------------------------------------------------- imports read as the caller
# A key that may read and write only uploads/ puts a manifest there naming
# images it may not read: the import fails on them exactly as on a key
# that does not exist, so it neither reads them nor tells them apart.
cat >"$VIGIL_TMP/uploads-only.json" <<JSON
{"Statement": [
  {"Effect": "Allow", "Action": "lookoutvision:*", "Resource": "*"},
  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
   "Resource": "arn:aws:s3:::$DATA/uploads/*"}]}
JSON
read -r KEY3 SECRET3 < <(new_key "$VIGIL_TMP/uploads-only.json")
head -n 1 "$VIGIL_TMP/train.manifest" >"$VIGIL_TMP/theirs.manifest"
sed -e 's#"s3://[^"]*/\([^/"]*\)"#"s3://'"$DATA"'/uploads/missing-\1"#g' \
    "$VIGIL_TMP/theirs.manifest" >"$VIGIL_TMP/missing.manifest"
grep -q "uploads/missing-" "$VIGIL_TMP/missing.manifest" || fail "could not write the missing manifest"
messages=()
for which in theirs missing; do
    as "$KEY3" "$SECRET3" awsv s3 cp --quiet "$VIGIL_TMP/$which.manifest" "s3://$DATA/uploads/$which.manifest"
    lfv create-project --project-name "import-$which" >/dev/null
    as "$KEY3" "$SECRET3" lfv create-dataset --project-name "import-$which" --dataset-type train \
        --dataset-source "{\"GroundTruthManifest\":{\"S3Object\":{\"Bucket\":\"$DATA\",\"Key\":\"uploads/$which.manifest\"}}}" >/dev/null
    [ "$(wait_dataset "import-$which" train)" = CREATE_FAILED ] ||
        fail "the import of $which images did not fail"
    message=$(lfv describe-dataset --project-name "import-$which" --dataset-type train \
        --query DatasetDescription.StatusMessage --output text)
    grep -q "may not read it" <<<"$message" || fail "$which: $message"
    # the same words, but for the object named
    messages+=("$(sed -e 's#s3://[^:]*: ##' <<<"$message")")
done
[ "${messages[0]}" = "${messages[1]}" ] ||
    fail "an unreadable and a missing image are told apart: '${messages[0]}' / '${messages[1]}'"
pass "an import reads as its caller: unreadable images fail it as missing ones do (${messages[0]})"

# ---------------------------------------------------------------- boto3
pyv "$(dirname "$0")/policy_boto3.py" "$KEY" "$SECRET" cookies 1 "$OUT" "$FOREIGN" secret.txt ||
    fail "policy_boto3.py"
[ "$(model_count)" = 1 ] || fail "boto3's denied CreateModel created a model"

# ---------------------------------------------------------------- changed and deleted keys
vkeys put-policy --data "$VIGIL_DATA" --access-key-id "$KEY" \
    --policy '{"Statement":[{"Effect":"Allow","Action":"lookoutvision:TagResource","Resource":"*"}]}' >/dev/null
as "$KEY" "$SECRET" lfv tag-resource --resource-arn "$MODEL_ARN" --tags Key=team,Value=qa ||
    fail "TagResource still denied after put-policy"
lfv tag-resource --resource-arn "$MODEL_ARN" --tags Key=owner,Value=root || fail "root TagResource"
[ "$(lfv list-tags-for-resource --resource-arn "$MODEL_ARN" --query 'length(Tags)' --output text)" = 2 ] ||
    fail "the model does not have both tags"
vkeys delete --data "$VIGIL_DATA" --access-key-id "$KEY" >/dev/null
expect_denied AccessDeniedException "security token included in the request is invalid" \
    as "$KEY" "$SECRET" lfv describe-project --project-name cookies
pass "put-policy and delete apply to the next request; the root key tags too"

vigil_stop
