#!/usr/bin/env bash
# tests/integration/test_kms.sh - CreateModel's KmsKeyId through Debian's aws
# CLI against `vigil serve`: keys made with `vigil kms` while the server
# runs; models created with the key named by alias, key id, key ARN and
# alias ARN, and without one (the service-owned key); no plaintext under
# the data directory (the training copies are no JPEGs, the model file is
# no Vigil model file); the model hosted from its encrypted file detects
# the cookies; unknown and disabled keys refused by CreateModel with
# ValidationException and nothing created; StartModel of a model whose key
# was disabled, or whose file was tampered with, ends HOSTING_FAILED.
#
# usage: test_kms.sh BUILD_DIR DATASETS_DIR MODELS_DIR
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR MODELS_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
COOKIES="$2/cookies"
export VIGIL_MODELS_DIR="$3" # the backbone the server trains with
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# seconds a training may take: far more than it needs, for sanitizer builds on busy machines
TRAIN_LIMIT=${VIGIL_TRAIN_LIMIT:-600}
BUCKET=vigil-kms-test
OUTPUT="S3Location={Bucket=$BUCKET,Prefix=out/}"

lfv() {
    awsv lookoutvision "$@"
}

vkms() {
    "$VIGIL_BIN" kms --data "$VIGIL_DATA" --region "$VIGIL_TEST_REGION" "$@"
}

# json_get PATH: a member of the JSON document on stdin, e.g. KeyMetadata.Arn
json_get() {
    /usr/bin/python3 -c 'import json, sys
value = json.load(sys.stdin)
for part in sys.argv[1].split("."):
    value = value[int(part)] if isinstance(value, list) else value[part]
print(value)' "$1"
}

# model_status PROJECT VERSION
model_status() {
    lfv describe-model --project-name "$1" --model-version "$2" \
        --query ModelDescription.Status --output text
}

describe() {
    lfv describe-model --project-name "$1" --model-version "$2" --query "ModelDescription.$3" \
        --output text
}

model_count() {
    lfv list-models --project-name cookies --query 'length(Models)' --output text
}

expect_refused() {
    local words=$1
    shift
    local out
    if out=$(lfv create-model --project-name cookies --output-config "$OUTPUT" "$@" 2>&1); then
        fail "create-model $* succeeded"
    fi
    grep -q "(ValidationException).*$words" <<<"$out" ||
        fail "create-model $* failed without ValidationException ... $words: $out"
}

# Waits while the model trains; meanwhile checks that the first training
# copy seen is encrypted (no JPEG, the sealed-file magic).
wait_trained() {
    local project=$1 version=$2 copy="" start=$SECONDS
    while [ "$(model_status "$project" "$version")" = TRAINING ]; do
        [ $((SECONDS - start)) -lt "$TRAIN_LIMIT" ] ||
            fail "$project/$version still TRAINING after $TRAIN_LIMIT s"
        if [ -z "$copy" ] && [ -d "$VIGIL_DATA/training" ]; then
            copy=$(find "$VIGIL_DATA/training" -type f -name '*.jpg' -size +1k 2>/dev/null |
                head -n 1 || true)
            # the copy may vanish as the training ends: then look again
            if [ -n "$copy" ] && head -c 7 "$copy" >"$VIGIL_TMP/magic" 2>/dev/null &&
                [ -s "$VIGIL_TMP/magic" ]; then
                [ "$(cat "$VIGIL_TMP/magic")" = VGLSEAL ] ||
                    fail "the training copy $copy is not sealed (a JPEG starts ff d8 ff): $(od -An -tx1 "$VIGIL_TMP/magic")"
                COPIES_CHECKED=$((COPIES_CHECKED + 1))
            else
                copy=""
            fi
        fi
        sleep 0.05
    done
    [ "$(model_status "$project" "$version")" = TRAINED ] ||
        fail "$project/$version: $(lfv describe-model --project-name "$project" --model-version "$version")"
    echo "  $project/$version trained in $((SECONDS - start)) s"
}

# wait_hosting PROJECT VERSION: the status StartModel led to
wait_hosting() {
    local status=""
    for _ in $(seq 1 100); do
        status=$(model_status "$1" "$2")
        [ "$status" = STARTING_HOSTING ] || break
        sleep 0.1
    done
    echo "$status"
}

vigil_start
COPIES_CHECKED=0

# ---------------------------------------------------------------- keys, while the server runs
created=$(vkms create --alias alias/cookies --description "cookie models")
KEY_ID=$(json_get KeyMetadata.KeyId <<<"$created")
KEY_ARN=$(json_get KeyMetadata.Arn <<<"$created")
[[ "$KEY_ID" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
    fail "key id $KEY_ID is no UUID"
[ "$KEY_ARN" = "arn:aws:kms:us-east-1:000000000000:key/$KEY_ID" ] || fail "key ARN $KEY_ARN"
[ "$(json_get KeyMetadata.KeyState <<<"$created")" = Enabled ] || fail "new key not Enabled"
RETIRED_ID=$(vkms create --alias alias/retired | json_get KeyMetadata.KeyId)
[ "$(vkms disable alias/retired | json_get KeyMetadata.KeyState)" = Disabled ] ||
    fail "disable did not disable"
[ "$(vkms list | json_get Keys.1.KeyState)" = Disabled ] || fail "list shows the key enabled"
[ "$(stat -c %a "$VIGIL_DATA/kms-keys.json")" = 600 ] || fail "kms-keys.json is not mode 0600"
pass "vigil kms: key $KEY_ID (alias/cookies) created, alias/retired disabled, ring mode 0600"

# ---------------------------------------------------------------- data
upload_cookies "$BUCKET"
# the engine's minimum for a single dataset, to keep the other trainings short
{
    grep -m 10 '"anomaly-label": 1' "$VIGIL_TMP/train.manifest"
    grep -m 20 '"anomaly-label": 0' "$VIGIL_TMP/train.manifest"
} >"$VIGIL_TMP/small.manifest"
awsv s3 cp --quiet "$VIGIL_TMP/small.manifest" "s3://$BUCKET/cookies/small.manifest"
for pair in cookies:s3.manifest small:small.manifest; do
    project=${pair%%:*}
    lfv create-project --project-name "$project" >/dev/null
    lfv create-dataset --project-name "$project" --dataset-type train --dataset-source \
        "{\"GroundTruthManifest\":{\"S3Object\":{\"Bucket\":\"$BUCKET\",\"Key\":\"cookies/${pair#*:}\"}}}" >/dev/null
    for _ in $(seq 1 300); do
        status=$(lfv describe-dataset --project-name "$project" --dataset-type train \
            --query DatasetDescription.Status --output text)
        [ "$status" = CREATE_IN_PROGRESS ] || break
        sleep 0.2
    done
    [ "$status" = CREATE_COMPLETE ] || fail "dataset import of $project ended $status"
done

# ---------------------------------------------------------------- refused keys
expect_refused "alias/nothing does not exist" --kms-key-id alias/nothing
expect_refused "does not exist" --kms-key-id 00000000-0000-4000-8000-000000000000
expect_refused "does not exist" --kms-key-id "arn:aws:kms:eu-west-1:000000000000:key/$KEY_ID"
expect_refused "alias/retired is disabled" --kms-key-id alias/retired
expect_refused "is disabled" --kms-key-id "$RETIRED_ID"
[ "$(model_count)" = 0 ] || fail "a refused CreateModel created a model"
pass "CreateModel: unknown keys and a disabled key are ValidationException; no model created"

# ---------------------------------------------------------------- models under the key
ALIAS_ARN=arn:aws:kms:us-east-1:000000000000:alias/cookies
create() {
    local project=$1
    shift
    lfv create-model --project-name "$project" --output-config "$OUTPUT" "$@" \
        --query ModelMetadata.ModelVersion --output text
}
[ "$(create cookies --kms-key-id alias/cookies)" = 1 ] || fail "cookies/1 by alias"
[ "$(create small --kms-key-id "$KEY_ID")" = 1 ] || fail "small/1 by key id"
wait_trained cookies 1
wait_trained small 1
[ "$(create small --kms-key-id "$KEY_ARN")" = 2 ] || fail "small/2 by key ARN"
[ "$(create small --kms-key-id "$ALIAS_ARN")" = 3 ] || fail "small/3 by alias ARN"
wait_trained small 2
wait_trained small 3
[ "$(create small)" = 4 ] || fail "small/4 without a key"
wait_trained small 4
[ "$COPIES_CHECKED" -ge 1 ] || fail "no training copy was seen to check"
pass "trained under the key by alias, id, key ARN and alias ARN, and under the service key ($COPIES_CHECKED training copies seen encrypted)"

for triple in cookies:1:alias/cookies small:1:$KEY_ID small:2:$KEY_ARN small:3:$ALIAS_ARN; do
    IFS=: read -r project version _ <<<"$triple"
    given=$(describe "$project" "$version" KmsKeyId)
    [ "$given" = "${triple#*:*:}" ] || fail "$project/$version shows KmsKeyId $given"
done
[ "$(describe small 4 KmsKeyId)" = None ] || fail "small/4 shows a KmsKeyId"
service=$(vkms list | /usr/bin/python3 -c 'import json, sys
keys = [k for k in json.load(sys.stdin)["Keys"] if k["KeyManager"] == "AWS"]
print(len(keys), keys[0]["Aliases"][0]["AliasName"] if keys else "")')
[ "$service" = "1 alias/aws/lookoutvision" ] || fail "service-owned key: $service"
pass "DescribeModel shows KmsKeyId as given; the service-owned key was created once"

for model in cookies-1 small-1 small-2 small-3 small-4; do
    file="$VIGIL_DATA/models/$model.vgm"
    [ -s "$file" ] || fail "no model file $file"
    [ "$(head -c 7 "$file")" = VGLSEAL ] || fail "$file is not sealed"
    [ "$(head -c 7 "$file")" != VIGILMF ] || fail "$file is a plain model file"
done
if grep -rlq VIGILMF "$VIGIL_DATA/models"; then
    fail "a model file holds the plain model magic"
fi
[ ! -d "$VIGIL_DATA/training" ] || [ -z "$(find "$VIGIL_DATA/training" -type f)" ] ||
    fail "training copies were left behind"
pass "model files are encrypted (no VIGILMF anywhere in them); no training copy left"

# ---------------------------------------------------------------- hosting from the encrypted file
lfv start-model --project-name cookies --model-version 1 --min-inference-units 1 >/dev/null
[ "$(wait_hosting cookies 1)" = HOSTED ] || fail "cookies/1 is $(model_status cookies 1), not HOSTED"
decided=$(detect_test_images cookies 1) || fail "DetectAnomalies failed"
read -r right total <<<"$decided"
wrong=$((total - right))
[ "$wrong" -le 1 ] || fail "$wrong of $total test images decided wrongly"
lfv stop-model --project-name cookies --model-version 1 >/dev/null
pass "cookies/1 hosted from its encrypted file: $right of $total test images right"

# ---------------------------------------------------------------- a disabled key, a tampered file
vkms disable "$KEY_ARN" >/dev/null
expect_refused "alias/cookies is disabled" --kms-key-id alias/cookies
lfv start-model --project-name small --model-version 1 --min-inference-units 1 >/dev/null
[ "$(wait_hosting small 1)" = HOSTING_FAILED ] || fail "small/1 hosted under a disabled key"
describe small 1 StatusMessage | grep -q "is disabled" ||
    fail "small/1's StatusMessage does not say the key is disabled"
vkms enable alias/cookies >/dev/null
lfv start-model --project-name small --model-version 1 --min-inference-units 1 >/dev/null
[ "$(wait_hosting small 1)" = HOSTED ] || fail "small/1 is $(model_status small 1) after enabling its key"
lfv stop-model --project-name small --model-version 1 >/dev/null
pass "a disabled key: CreateModel refused, StartModel HOSTING_FAILED; hosted once enabled"

/usr/bin/python3 - "$VIGIL_DATA/models/small-2.vgm" <<'PY'
import os, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(os.path.getsize(sys.argv[1]) // 2)
    byte = f.read(1)
    f.seek(-1, 1)
    f.write(bytes([byte[0] ^ 0x01]))
PY
lfv start-model --project-name small --model-version 2 --min-inference-units 1 >/dev/null
[ "$(wait_hosting small 2)" = HOSTING_FAILED ] || fail "a tampered model file was hosted"
describe small 2 StatusMessage | grep -q "fails authentication" ||
    fail "small/2's StatusMessage does not report the tampering"
pass "a tampered model file: StartModel HOSTING_FAILED, fails authentication"

vigil_stop
