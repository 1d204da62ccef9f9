#!/usr/bin/env bash
# tests/integration/test_packaging.sh - model packaging jobs through Debian's
# aws CLI and boto3 against `vigil serve`: a cookies model trained as in
# test_models.sh, StartModelPackagingJob on it (a generated JobName, the
# default ComponentVersion), polling to SUCCEEDED, the package downloaded and
# checked (manifest, recipe, archive, checksums), ListModelPackagingJobs
# with pagination, the validation errors and conflicts (packaging_boto3.py),
# and a job cut short by a hard restart ending FAILED.  When the edge agent
# was built, the package is then served by `vigil edge-agent` and driven
# over gRPC (edge_agent_grpc.py).
#
# usage: test_packaging.sh BUILD_DIR DATASETS_DIR MODELS_DIR
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

BUCKET=vigil-packaging-images
OUT=vigil-packaging-out

expect_error() {
    local code=$1
    shift
    local out
    if out=$("$@" 2>&1); then
        fail "$* succeeded; expected $code"
    fi
    grep -q "($code)" <<<"$out" || fail "$* failed without $code: $out"
}

lfv() {
    awsv lookoutvision "$@"
}

job_status() {
    lfv describe-model-packaging-job --project-name cookies --job-name "$1" \
        --query ModelPackagingDescription.Status --output text
}

wait_job() {
    for _ in $(seq 1 100); do
        case "$(job_status "$1")" in CREATED | RUNNING) sleep 0.2 ;; *) break ;; esac
    done
}

vigil_start

# ---------------------------------------------------------------- a trained model
awsv s3 mb "s3://$BUCKET" >/dev/null
awsv s3 mb "s3://$OUT" >/dev/null
awsv s3 cp --quiet --recursive "$COOKIES" "s3://$BUCKET/cookies/"
sed -e "s#\"training-images/#\"s3://$BUCKET/cookies/training-images/#g" \
    -e "s#\"mask-images/#\"s3://$BUCKET/cookies/mask-images/#g" \
    "$COOKIES/train.manifest" >"$VIGIL_TMP/train.manifest"
awsv s3 cp --quiet "$VIGIL_TMP/train.manifest" "s3://$BUCKET/cookies/s3.manifest"
lfv create-project --project-name cookies >/dev/null
lfv create-dataset --project-name cookies --dataset-type train --dataset-source \
    "{\"GroundTruthManifest\":{\"S3Object\":{\"Bucket\":\"$BUCKET\",\"Key\":\"cookies/s3.manifest\"}}}" >/dev/null
for _ in $(seq 1 300); do
    status=$(lfv describe-dataset --project-name cookies --dataset-type train \
        --query DatasetDescription.Status --output text)
    [ "$status" = CREATE_IN_PROGRESS ] || break
    sleep 0.2
done
[ "$status" = CREATE_COMPLETE ] || fail "dataset import ended $status"
lfv create-model --project-name cookies --output-config "S3Location={Bucket=$OUT,Prefix=eval/}" >/dev/null
greengrass="{\"Greengrass\":{\"TargetPlatform\":{\"Os\":\"LINUX\",\"Arch\":\"X86_64\"},
  \"S3OutputLocation\":{\"Bucket\":\"$OUT\",\"Prefix\":\"edge\"},\"ComponentName\":\"cookies-model\"}}"
expect_error ConflictException lfv start-model-packaging-job --project-name cookies \
    --model-version 1 --configuration "$greengrass"
pass "StartModelPackagingJob: refused while the model trains (ConflictException)"
start=$SECONDS
while [ "$(lfv describe-model --project-name cookies --model-version 1 \
    --query ModelDescription.Status --output text)" = TRAINING ]; do
    [ $((SECONDS - start)) -lt 600 ] || fail "model 1 still TRAINING after 600 s"
    sleep 1
done
pass "model 1 trained in $((SECONDS - start)) s"

# ---------------------------------------------------------------- the happy path
job=$(lfv start-model-packaging-job --project-name cookies --model-version 1 \
    --configuration "$greengrass" --query JobName --output text)
[[ "$job" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
    fail "generated JobName $job is no UUID"
wait_job "$job"
[ "$(job_status "$job")" = SUCCEEDED ] ||
    fail "job: $(lfv describe-model-packaging-job --project-name cookies --job-name "$job")"
read -r name version arn method < <(lfv describe-model-packaging-job --project-name cookies \
    --job-name "$job" --query 'ModelPackagingDescription.[ModelPackagingOutputDetails.Greengrass.ComponentName,ModelPackagingOutputDetails.Greengrass.ComponentVersion,ModelPackagingOutputDetails.Greengrass.ComponentVersionArn,ModelPackagingMethod]' \
    --output text)
[ "$name $version $method" = "cookies-model 1.0.0 Greengrass" ] ||
    fail "output details: $name $version $method"
[ "$arn" = "arn:aws:greengrass:us-east-1:$(lfv describe-model --project-name cookies --model-version 1 \
    --query ModelDescription.ModelArn --output text | cut -d: -f5):components:cookies-model:versions:1.0.0" ] ||
    fail "ComponentVersionArn $arn"
pass "StartModelPackagingJob: generated JobName $job, SUCCEEDED, component cookies-model 1.0.0"

mkdir -p "$VIGIL_TMP/package"
awsv s3 cp --quiet --recursive "s3://$OUT/edge/cookies-model/1.0.0/" "$VIGIL_TMP/package/"
(cd "$VIGIL_TMP/package" && ls) | sort | tr '\n' ' ' | grep -qx \
    'cookies-model-1.0.0.tar.gz manifest.json model.vgm recipe.json ' ||
    fail "package objects: $(ls "$VIGIL_TMP/package")"
/usr/bin/python3 - "$VIGIL_TMP/package" "$OUT" <<'PY' || fail "package contents"
import base64, hashlib, json, os, sys, tarfile
d, bucket = sys.argv[1], sys.argv[2]
manifest = json.load(open(os.path.join(d, "manifest.json")))
model = open(os.path.join(d, "model.vgm"), "rb").read()
assert manifest["FormatVersion"] == 1, manifest
assert manifest["ModelArn"].endswith(":model/cookies/1"), manifest
assert (manifest["ProjectName"], manifest["ModelVersion"]) == ("cookies", 1), manifest
assert manifest["Input"] == {"Width": 768, "Height": 576, "Format": "RGB888"} or \
    manifest["Input"]["Format"] == "RGB888", manifest
assert manifest["Classes"] and all(c["Color"].startswith("#") and len(c["Color"]) == 7
                                   for c in manifest["Classes"]), manifest
[entry] = manifest["Files"]
assert entry == {"Name": "model.vgm", "Size": len(model),
                 "Sha256": hashlib.sha256(model).hexdigest()}, entry
recipe = json.load(open(os.path.join(d, "recipe.json")))
assert recipe["RecipeFormatVersion"] == "2020-01-25", recipe
assert (recipe["ComponentName"], recipe["ComponentVersion"]) == ("cookies-model", "1.0.0")
assert recipe["ComponentDescription"], recipe
assert "aws.iot.lookoutvision.EdgeAgent" in recipe["ComponentDependencies"], recipe
[platform] = recipe["Manifests"]
assert platform["Platform"] == {"os": "linux", "architecture": "amd64"}, platform
assert "Install" in platform["Lifecycle"], platform
uris = {a["Uri"]: a["Digest"] for a in platform["Artifacts"]}
prefix = f"s3://{bucket}/edge/cookies-model/1.0.0/"
manifest_bytes = open(os.path.join(d, "manifest.json"), "rb").read()
assert uris == {
    prefix + "model.vgm": base64.b64encode(hashlib.sha256(model).digest()).decode(),
    prefix + "manifest.json": base64.b64encode(hashlib.sha256(manifest_bytes).digest()).decode(),
}, uris
with tarfile.open(os.path.join(d, "cookies-model-1.0.0.tar.gz")) as tar:
    names = sorted(tar.getnames())
    assert names == ["cookies-model", "cookies-model/manifest.json", "cookies-model/model.vgm",
                     "cookies-model/recipe.json"], names
    assert tar.extractfile("cookies-model/model.vgm").read() == model
    assert tar.extractfile("cookies-model/manifest.json").read() == manifest_bytes
PY
mkdir -p "$VIGIL_TMP/untarred"
tar -xzf "$VIGIL_TMP/package/cookies-model-1.0.0.tar.gz" -C "$VIGIL_TMP/untarred"
cmp "$VIGIL_TMP/untarred/cookies-model/model.vgm" "$VIGIL_TMP/package/model.vgm" ||
    fail "GNU tar extracts another model file"
pass "package: model.vgm, manifest.json (checksum, ARN, classes), recipe.json (digests, dependency)," \
    "and one .tar.gz GNU tar unpacks"

# ---------------------------------------------------------------- listing, errors (boto3)
pyv "$(dirname "$0")/packaging_boto3.py" "$OUT" "$job" || fail "packaging_boto3.py"

expect_error ResourceNotFoundException lfv describe-model-packaging-job --project-name cookies \
    --job-name no-such-job
expect_error ResourceNotFoundException lfv list-model-packaging-jobs --project-name nothing
expect_error ConflictException lfv start-model-packaging-job --project-name cookies \
    --model-version 1 --job-name "$job" --configuration "$greengrass"
both="{\"Greengrass\":{\"TargetDevice\":\"jetson_xavier\",\"TargetPlatform\":{\"Os\":\"LINUX\",\"Arch\":\"ARM64\"},
  \"S3OutputLocation\":{\"Bucket\":\"$OUT\"},\"ComponentName\":\"c\"}}"
expect_error ValidationException lfv start-model-packaging-job --project-name cookies \
    --model-version 1 --configuration "$both"
pass "aws CLI: unknown job and project, a JobName used twice, both targets"

# ---------------------------------------------------------------- restart
cat >"$VIGIL_TMP/job.json" <<EOF
{"ProjectName": "cookies", "ModelVersion": "latest", "JobName": "cut-short",
 "Configuration": {"Greengrass": {"TargetDevice": "jetson_xavier",
   "S3OutputLocation": {"Bucket": "$OUT", "Prefix": "cut/"}, "ComponentName": "cut-short"}}}
EOF
lfv start-model-packaging-job --cli-input-json "file://$VIGIL_TMP/job.json" >/dev/null
vigil_restart_hard
status=$(job_status cut-short)
if [ "$status" = FAILED ]; then
    lfv describe-model-packaging-job --project-name cookies --job-name cut-short \
        --query ModelPackagingDescription.StatusMessage --output text |
        grep -q "interrupted by a restart" || fail "cut-short: no word of the restart"
    pass "a packaging job cut by kill -9 ends FAILED, interrupted by a restart"
else
    [ "$status" = SUCCEEDED ] || fail "cut-short ended $status"
    pass "a packaging job finished before kill -9 stays SUCCEEDED"
fi

# ---------------------------------------------------------------- the edge agent
# The unpacked package served by `vigil edge-agent`, driven over its socket by
# a python3-grpcio client whose stubs are generated from the agent's proto
# now; model 1 hosted by the server for the side-by-side DetectAnomalies.
lfv start-model --project-name cookies --model-version 1 --min-inference-units 1 >/dev/null
for _ in $(seq 1 50); do
    [ "$(lfv describe-model --project-name cookies --model-version 1 \
        --query ModelDescription.Status --output text)" = HOSTED ] && break
    sleep 0.2
done
mkdir -p "$VIGIL_TMP/stubs"
/usr/bin/python3 -m grpc_tools.protoc -I "$(dirname "$0")/../../src/edge" \
    --python_out="$VIGIL_TMP/stubs" --grpc_python_out="$VIGIL_TMP/stubs" edge-agent.proto ||
    fail "python stubs of edge-agent.proto"
socket="$VIGIL_TMP/agent.sock"
# the agent's default of one thread per detection, as the server's inference
# units; the engine's results do not depend on the thread count
"$VIGIL_BIN" edge-agent --packages "$VIGIL_TMP/untarred" --socket "$socket" \
    >"$VIGIL_TMP/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do
    [ -S "$socket" ] && break
    kill -0 "$agent_pid" 2>/dev/null || fail "vigil edge-agent exited: $(cat "$VIGIL_TMP/agent.log")"
    sleep 0.1
done
if ! PYTHONPATH="$VIGIL_TMP/stubs" pyv "$(dirname "$0")/edge_agent_grpc.py" "$socket" \
    "$COOKIES" cookies-model; then
    kill -KILL "$agent_pid"
    fail "edge_agent_grpc.py (agent log: $(cat "$VIGIL_TMP/agent.log"))"
fi
kill -TERM "$agent_pid"
wait "$agent_pid" || fail "vigil edge-agent exited $? after SIGTERM"
[ ! -e "$socket" ] || fail "vigil edge-agent left its socket behind"
pass "vigil edge-agent stops cleanly on SIGTERM"
vigil_stop
