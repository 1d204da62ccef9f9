#!/usr/bin/env bash
# tests/integration/test_client.sh - `vigil lookoutvision` against Debian's
# `aws lookoutvision` (2.9) on the same `vigil serve`: for every command the
# same output as data (values that differ by request masked), the same exit
# code and message on each error case (missing required option, bad
# shorthand, unknown project, bad value, unknown option), skeletons with the
# same key trees, --output text/table/yaml byte for byte on describe and
# list commands, pagination (--max-items then --starting-token, --page-size,
# --no-paginate), --cli-input-json/yaml with explicit options overriding,
# and credentials and region from profiles in the AWS files.  Trains one
# small model on the cookies for the model commands.
#
# usage: test_client.sh BUILD_DIR DATASETS_DIR MODELS_DIR
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR MODELS_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
COOKIES="$2/cookies"
export VIGIL_MODELS_DIR="$3"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
COMPARE="$(dirname "$0")/client_compare.py"

BUCKET=vigil-client-test
OUT="$VIGIL_TMP/out"
mkdir -p "$OUT"
# Timestamps, names and versions that differ between the two clients' calls.
VARYING=(CreationTimestamp LastUpdatedTimestamp ProjectName ProjectArn ModelArn ModelVersion)

V() { "$VIGIL_BIN" lookoutvision --endpoint-url "$VIGIL_ENDPOINT" "$@"; }
A() { awsv lookoutvision "$@"; }

# run NAME CLIENT ARG...: stdout, stderr and exit code to $OUT/NAME.CLIENT.*
run() {
    local name=$1 client=$2
    shift 2
    local rc=0
    "$client" "$@" >"$OUT/$name.$client.out" 2>"$OUT/$name.$client.err" || rc=$?
    echo "$rc" >"$OUT/$name.$client.rc"
}

rc_of() { cat "$OUT/$1.$2.rc"; }

# same NAME ARG...: both clients succeed with equal JSON (masking the
# VARYING keys when NAME ends in "~").
same() {
    local name=$1
    shift
    run "$name" V "$@"
    run "$name" A "$@"
    [ "$(rc_of "$name" V)" = 0 ] || fail "vigil $*: $(cat "$OUT/$name.V.err")"
    [ "$(rc_of "$name" A)" = 0 ] || fail "aws $*: $(cat "$OUT/$name.A.err")"
    /usr/bin/python3 "$COMPARE" same "$OUT/$name.V.out" "$OUT/$name.A.out" "${VARYING[@]}" ||
        fail "$*: vigil and aws differ"
}

# same_bytes NAME ARG...: both print exactly the same bytes.
same_bytes() {
    local name=$1
    shift
    run "$name" V "$@"
    run "$name" A "$@"
    [ "$(rc_of "$name" V)" = 0 ] || fail "vigil $*: $(cat "$OUT/$name.V.err")"
    cmp -s "$OUT/$name.V.out" "$OUT/$name.A.out" ||
        fail "$*: outputs differ: $(diff "$OUT/$name.V.out" "$OUT/$name.A.out" | head -20)"
}

# same_error NAME RC ARG...: both fail with exit code RC and the same last
# line on stderr (the error message; the usage text names each program).
same_error() {
    local name=$1 rc=$2
    shift 2
    run "$name" V "$@"
    run "$name" A "$@"
    [ "$(rc_of "$name" A)" = "$rc" ] || fail "aws $* exited $(rc_of "$name" A), not $rc"
    [ "$(rc_of "$name" V)" = "$rc" ] ||
        fail "vigil $* exited $(rc_of "$name" V), not $rc: $(cat "$OUT/$name.V.err")"
    local v a
    v=$(grep -v '^$' "$OUT/$name.V.err" | tail -n 1 | sed 's/^vigil: /aws: /')
    a=$(grep -v '^$' "$OUT/$name.A.err" | tail -n 1)
    [ "$v" = "$a" ] || fail "$*: messages differ:
  vigil: $v
  aws:   $a"
}

# both_ok CLIENT-OUTPUTS: compare two mutating calls made with different
# names: NAME, then the vigil and aws argument lists separated by "--".
pair() {
    local name=$1
    shift
    local v_args=() a_args=()
    while [ "$1" != -- ]; do v_args+=("$1"); shift; done
    shift
    a_args=("$@")
    run "$name" V "${v_args[@]}"
    run "$name" A "${a_args[@]}"
    [ "$(rc_of "$name" V)" = 0 ] || fail "vigil ${v_args[*]}: $(cat "$OUT/$name.V.err")"
    [ "$(rc_of "$name" A)" = 0 ] || fail "aws ${a_args[*]}: $(cat "$OUT/$name.A.err")"
    /usr/bin/python3 "$COMPARE" same "$OUT/$name.V.out" "$OUT/$name.A.out" "${VARYING[@]}" ||
        fail "${v_args[*]}: vigil and aws differ"
}

vigil_start

# ---------------------------------------------------------------- projects
pair create-project create-project --project-name pv -- create-project --project-name pa
pass "create-project"
same describe-project describe-project --project-name pv
same list-projects list-projects
for format in text table yaml; do
    same_bytes "describe-project-$format" describe-project --project-name pv --output "$format"
    same_bytes "list-projects-$format" list-projects --output "$format"
done
pass "describe-project, list-projects: json as data; text, table and yaml byte for byte"

token=$(V create-project --project-name idem --client-token tok-1 \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["ProjectMetadata"]["CreationTimestamp"])')
again=$(A create-project --project-name idem --client-token tok-1 --query ProjectMetadata.CreationTimestamp --output text)
[ "$token" = "$again" ] || fail "--client-token: vigil's first call $token, aws's replay $again"
pass "--client-token reaches the server (aws replays vigil's call)"

same_error unknown-project 254 describe-project --project-name nothing-here
same_error missing-required 252 create-project
same_error missing-two 252 describe-dataset
same_error unknown-option 252 describe-project --project-name pv --bogus
same_error missing-value 252 describe-project --project-name
same_error max-results 254 list-projects --max-results 101
same_error bad-int 255 start-model --project-name pv --model-version 1 --min-inference-units x
same_error bad-name 254 create-project --project-name 'bad name'
same_error bad-choice 252 describe-project --project-name pv --generate-cli-skeleton nope
same_error no-paginate 252 list-projects --no-paginate --max-items 1
same_error max-items-int 252 list-projects --max-items x
pass "errors: exit codes and messages as aws (254 service, 252 usage, 255 bad value)"

# ---------------------------------------------------------------- tags
arn=$(A describe-project --project-name pv --query ProjectDescription.ProjectArn --output text)
pair tag-resource tag-resource --resource-arn "$arn" --tags Key=team,Value=vision Key=env,Value=test \
    -- tag-resource --resource-arn "$arn" --tags Key=team,Value=vision Key=env,Value=test
same list-tags list-tags-for-resource --resource-arn "$arn"
same_bytes list-tags-text list-tags-for-resource --resource-arn "$arn" --output text
same_bytes list-tags-table list-tags-for-resource --resource-arn "$arn" --output table
V tag-resource --resource-arn "$arn" --tags '[{"Key":"json","Value":"p q"}]' >/dev/null
V tag-resource --resource-arn "$arn" --tags "Key=quoted,Value='x=y'" >/dev/null
same list-tags-2 list-tags-for-resource --resource-arn "$arn"
grep -q '"x=y"' "$OUT/list-tags-2.V.out" || fail "a quoted shorthand value"
pair untag-resource untag-resource --resource-arn "$arn" --tag-keys json quoted \
    -- untag-resource --resource-arn "$arn" --tag-keys json quoted
same list-tags-3 list-tags-for-resource --resource-arn "$arn"
same_error bad-shorthand 252 tag-resource --resource-arn "$arn" --tags 'Key=a,Value={b'
same_error shorthand-key 252 tag-resource --resource-arn "$arn" --tags 'Key=a,Key=b'
same_error unknown-member 252 tag-resource --resource-arn "$arn" --tags Key=a,Value=b,Extra=c
same_error bad-json 252 tag-resource --resource-arn "$arn" --tags '[{"Key": }]'
same_error unknown-arn 254 list-tags-for-resource --resource-arn "${arn%/*}/nothing"
pass "tag-resource, list-tags-for-resource, untag-resource: shorthand, JSON, quoting, errors"

# ---------------------------------------------------------------- datasets
upload_cookies "$BUCKET"

pair create-dataset create-dataset --project-name pv --dataset-type train \
    --dataset-source "GroundTruthManifest={S3Object={Bucket=$BUCKET,Key=cookies/s3.manifest}}" \
    -- create-dataset --project-name pa --dataset-type train --dataset-source \
    "{\"GroundTruthManifest\":{\"S3Object\":{\"Bucket\":\"$BUCKET\",\"Key\":\"cookies/s3.manifest\"}}}"
for project in pv pa; do
    for _ in $(seq 1 300); do
        status=$(A describe-dataset --project-name $project --dataset-type train \
            --query DatasetDescription.Status --output text)
        [ "$status" = CREATE_IN_PROGRESS ] || break
        sleep 0.2
    done
    [ "$status" = CREATE_COMPLETE ] || fail "dataset $project ended $status"
done
pass "create-dataset: shorthand (vigil) and JSON (aws) sources, both imported"
same describe-dataset describe-dataset --project-name pv --dataset-type train
for format in text table yaml; do
    same_bytes "describe-dataset-$format" describe-dataset --project-name pv --dataset-type train \
        --output "$format"
done
same entries list-dataset-entries --project-name pv --dataset-type train
same entries-anomaly list-dataset-entries --project-name pv --dataset-type train \
    --anomaly-class anomaly --labeled
same entries-unlabeled list-dataset-entries --project-name pv --dataset-type train --no-labeled
same entries-ref list-dataset-entries --project-name pv --dataset-type train \
    --source-ref-contains anomaly-1 --after-creation-date 2020-01-01T00:00:00Z
same_bytes entries-text list-dataset-entries --project-name pv --dataset-type train \
    --source-ref-contains normal-1 --output text
same_bytes entries-yaml list-dataset-entries --project-name pv --dataset-type train \
    --source-ref-contains normal-1 --output yaml
pass "describe-dataset, list-dataset-entries with filters: json, text, table, yaml"

# pagination: max-items cutting a page, resuming, page boundaries, page size
same page-1 list-dataset-entries --project-name pv --dataset-type train --max-items 1
next=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["NextToken"])' \
    "$OUT/page-1.V.out")
same page-2 list-dataset-entries --project-name pv --dataset-type train --max-items 5 \
    --starting-token "$next"
same page-3 list-dataset-entries --project-name pv --dataset-type train --page-size 10 \
    --max-items 25
next=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["NextToken"])' \
    "$OUT/page-3.V.out")
same page-4 list-dataset-entries --project-name pv --dataset-type train --page-size 7 \
    --starting-token "$next"
same page-5 list-dataset-entries --project-name pv --dataset-type train --page-size 10
same page-6 list-dataset-entries --project-name pv --dataset-type train --no-paginate \
    --max-results 5
same_bytes page-text list-dataset-entries --project-name pv --dataset-type train --page-size 4 \
    --max-items 6 --output text
same page-projects list-projects --max-items 2
pass "pagination: --max-items, --starting-token, --page-size, --no-paginate, text per page"

head -n 2 "$VIGIL_TMP/train.manifest" >"$VIGIL_TMP/changes.manifest"
pair create-test-dataset create-dataset --project-name pv --dataset-type test \
    -- create-dataset --project-name pa --dataset-type test
pair update-entries update-dataset-entries --project-name pv --dataset-type test \
    --changes "fileb://$VIGIL_TMP/changes.manifest" \
    -- update-dataset-entries --project-name pa --dataset-type test \
    --changes "fileb://$VIGIL_TMP/changes.manifest"
same_error bad-base64 255 update-dataset-entries --project-name pv --dataset-type test \
    --changes 'not base64!'
same_error no-paramfile 252 update-dataset-entries --project-name pv --dataset-type test \
    --changes "fileb://$VIGIL_TMP/no-such-file"
pass "update-dataset-entries --changes fileb://"

# ---------------------------------------------------------------- input files
printf '{"ProjectName": "pv", "DatasetType": "train", "MaxResults": 3}' >"$VIGIL_TMP/in.json"
same input-json list-dataset-entries --cli-input-json "file://$VIGIL_TMP/in.json"
same input-json-override list-dataset-entries --cli-input-json "file://$VIGIL_TMP/in.json" \
    --dataset-type test
printf 'ProjectName: pv\nDatasetType: "train"\nMaxResults: 2\nLabeled: true\n' >"$VIGIL_TMP/in.yaml"
same input-yaml list-dataset-entries --cli-input-yaml "file://$VIGIL_TMP/in.yaml"
same input-yaml-inline describe-project --cli-input-yaml 'ProjectName: pa'
same_error input-missing 252 describe-project --cli-input-json '{}'
same_error input-unknown 252 describe-project --cli-input-json '{"ProjectName": "pv", "Nope": 1}'
pass "--cli-input-json and --cli-input-yaml (file:// and inline), explicit options override"

# A two-image test dataset would be too small to train on.
pair delete-dataset delete-dataset --project-name pv --dataset-type test \
    -- delete-dataset --project-name pa --dataset-type test
pass "delete-dataset"

# ---------------------------------------------------------------- models
pair create-model create-model --project-name pv \
    --output-config "S3Location={Bucket=$BUCKET,Prefix=out/}" --description d \
    --tags Key=k,Value=v \
    -- create-model --project-name pa \
    --output-config "{\"S3Location\":{\"Bucket\":\"$BUCKET\",\"Prefix\":\"out/\"}}" \
    --description d --tags Key=k,Value=v
for project in pv pa; do
    start=$SECONDS
    while [ "$(A describe-model --project-name $project --model-version 1 \
        --query ModelDescription.Status --output text)" = TRAINING ]; do
        # generous: the sanitizer build trains at -O0
        [ $((SECONDS - start)) -lt 900 ] || fail "model $project/1 still TRAINING after 900 s"
        sleep 1
    done
done
same describe-model describe-model --project-name pv --model-version 1
same list-models list-models --project-name pv
same_bytes list-models-table list-models --project-name pv --output table
same_bytes describe-model-text describe-model --project-name pv --model-version 1 --output text
same_bytes describe-model-yaml describe-model --project-name pv --model-version latest --output yaml
same_error model-unknown 254 describe-model --project-name pv --model-version 9
pass "create-model (shorthand and JSON), describe-model, list-models"

same_error not-hosted 254 detect-anomalies --project-name pv --model-version 1 \
    --body "$COOKIES/test-images/test-normal-1.jpg" --content-type image/jpeg
same_error start-min 252 start-model --project-name pv --model-version 1 --min-inference-units 0
pair start-model start-model --project-name pv --model-version 1 --min-inference-units 1 \
    -- start-model --project-name pa --model-version 1 --min-inference-units 1
for project in pv pa; do
    for _ in $(seq 1 100); do
        [ "$(A describe-model --project-name $project --model-version 1 \
            --query ModelDescription.Status --output text)" = HOSTED ] && break
        sleep 0.2
    done
done
for image in test-normal-1.jpg test-anomaly-1.jpg; do
    same "detect-$image" detect-anomalies --project-name pv --model-version 1 \
        --body "$COOKIES/test-images/$image" --content-type image/jpeg
    same_bytes "detect-text-$image" detect-anomalies --project-name pv --model-version 1 \
        --body "$COOKIES/test-images/$image" --content-type image/jpeg --output text
done
same_error detect-nofile 252 detect-anomalies --project-name pv --model-version 1 \
    --body "$VIGIL_TMP/no-such.jpg" --content-type image/jpeg
same_error detect-gif 254 detect-anomalies --project-name pv --model-version 1 \
    --body "$COOKIES/test-images/test-normal-1.jpg" --content-type image/gif
pair stop-model stop-model --project-name pv --model-version 1 \
    -- stop-model --project-name pa --model-version 1
pass "start-model, detect-anomalies (json and text), stop-model"

# The three packaging operations: the client side exists; the server's
# answer (whatever it is today) must read the same through both clients.
for command in list-model-packaging-jobs describe-model-packaging-job start-model-packaging-job; do
    args=(--project-name pv)
    [ $command = describe-model-packaging-job ] && args+=(--job-name job-1)
    [ $command = start-model-packaging-job ] && args+=(--model-version 1 --configuration
        "Greengrass={CompilerOptions='{\"mode\":\"cpu\"}',TargetPlatform={Os=LINUX,Arch=X86_64},S3OutputLocation={Bucket=$BUCKET,Prefix=pkg/},ComponentName=cookies}")
    run "$command" V $command "${args[@]}"
    run "$command" A $command "${args[@]}"
    [ "$(rc_of $command V)" = "$(rc_of $command A)" ] ||
        fail "$command: vigil exited $(rc_of $command V), aws $(rc_of $command A)"
    if [ "$(rc_of $command A)" = 0 ]; then
        /usr/bin/python3 "$COMPARE" same "$OUT/$command.V.out" "$OUT/$command.A.out" \
            "${VARYING[@]}" JobName || fail "$command: outputs differ"
    else
        diff <(grep -v '^$' "$OUT/$command.V.err") <(grep -v '^$' "$OUT/$command.A.err") ||
            fail "$command: errors differ"
    fi
done
pass "model packaging commands answer alike ($(rc_of list-model-packaging-jobs A))"

pair delete-model delete-model --project-name pv --model-version 1 \
    -- delete-model --project-name pa --model-version 1
pass "delete-model"

# ---------------------------------------------------------------- skeletons
commands=$("$VIGIL_BIN" lookoutvision help | sed -n 's/^  \([a-z-]*\)$/\1/p')
[ "$(wc -w <<<"$commands")" = 22 ] || fail "help lists $(wc -w <<<"$commands") commands"
for command in $commands; do
    run "skel-$command" V $command --generate-cli-skeleton
    run "skel-$command" A $command --generate-cli-skeleton
    /usr/bin/python3 "$COMPARE" keys "$OUT/skel-$command.V.out" "$OUT/skel-$command.A.out" ||
        fail "$command --generate-cli-skeleton"
    V $command --generate-cli-skeleton yaml-input >"$OUT/yskel-$command.V.yaml"
    A $command --generate-cli-skeleton yaml-input >"$OUT/yskel-$command.A.yaml"
    /usr/bin/python3 "$COMPARE" keys "$OUT/yskel-$command.V.yaml" "$OUT/yskel-$command.A.yaml" ||
        fail "$command --generate-cli-skeleton yaml-input"
    V $command help | grep -q -- "--generate-cli-skeleton" || fail "$command help"
done
for args in "list-projects" "describe-project --project-name x" \
    "describe-dataset --project-name x --dataset-type train" \
    "describe-model --project-name x --model-version 1" \
    "list-models --project-name x" "create-project --project-name x" \
    "list-tags-for-resource --resource-arn a" "tag-resource --resource-arn a --tags Key=a,Value=b" \
    "stop-model --project-name x --model-version 1"; do
    name="oskel-${args%% *}"
    # shellcheck disable=SC2086
    run "$name" V $args --generate-cli-skeleton output
    # shellcheck disable=SC2086
    run "$name" A $args --generate-cli-skeleton output
    [ "$(rc_of "$name" V)" = "$(rc_of "$name" A)" ] ||
        fail "$args --generate-cli-skeleton output: exit $(rc_of "$name" V) vs $(rc_of "$name" A)"
    if [ "$(rc_of "$name" A)" = 0 ]; then
        /usr/bin/python3 "$COMPARE" same "$OUT/$name.V.out" "$OUT/$name.A.out" ||
            fail "$args --generate-cli-skeleton output"
    fi
done
same_error skel-output-required 252 describe-dataset --generate-cli-skeleton output
pass "skeletons: input and yaml-input key trees for the 22 commands; output samples; help"

# ---------------------------------------------------------------- credentials
cat >"$VIGIL_TMP/credentials" <<CRED
[other]
aws_access_key_id = $AWS_ACCESS_KEY_ID
aws_secret_access_key = $AWS_SECRET_ACCESS_KEY
CRED
cat >"$VIGIL_TMP/config" <<CONF
[default]
output = json

[profile other]
region = $AWS_DEFAULT_REGION
output = text
CONF
(
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION
    export AWS_SHARED_CREDENTIALS_FILE="$VIGIL_TMP/credentials" AWS_CONFIG_FILE="$VIGIL_TMP/config"
    same_bytes profile-option --profile other describe-project --project-name pv
    AWS_PROFILE=other same_bytes profile-env describe-project --project-name pv
    same_error no-region 253 describe-project --project-name pv
    same_error no-profile 255 describe-project --project-name pv --profile nothing
    same_error no-credentials 253 describe-project --project-name pv --region us-east-1
    AWS_ACCESS_KEY_ID=AKIAVIGILUNKNOWN0001 AWS_SECRET_ACCESS_KEY=x \
        same_error unknown-key 254 describe-project --project-name pv --region us-east-1
)
pass "credentials, region and output from --profile / AWS_PROFILE and the AWS files"

A create-project --project-name gone >/dev/null
pair delete-project delete-project --project-name idem -- delete-project --project-name gone
same_error delete-busy 254 delete-project --project-name pv
pass "delete-project"
vigil_stop
