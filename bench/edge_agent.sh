#!/usr/bin/env bash
# edge_agent.sh - DetectAnomalies latency of `vigil edge-agent` for a 576x768
# RGB888 bitmap in POSIX shared memory, side by side with the HTTP path of
# `vigil serve` (the same image as a JPEG, through boto3), both processes
# pinned to CPU 0: a cookies model trained and packaged over the API, the
# package unpacked into a folder the agent serves, then
# bench/edge_agent_latency.py times RUNS calls of each (after warm-up) and
# prints medians and tenth/ninetieth percentiles.
# Usage: [VIGIL_DATASETS_DIR=DIR] bench/edge_agent.sh [BUILD_DIR] [RUNS]
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
VIGIL_BIN="$(cd "${1:-$REPO/build}" && pwd)/vigil"
RUNS="${2:-50}"
COOKIES="$(cd "${VIGIL_DATASETS_DIR:-$REPO/../shared/datasets}/cookies" && pwd)"
export VIGIL_MODELS_DIR="$REPO/models"
# the server's detections run two OpenMP threads: on one core, spinning
# waits would measure the scheduler, not the detection
export OMP_WAIT_POLICY=PASSIVE
# shellcheck source=../tests/integration/lib.sh
source "$REPO/tests/integration/lib.sh"
vigil_start
lfv() { awsv lookoutvision "$@"; }

BUCKET=bench-bucket
awsv s3 mb "s3://$BUCKET" >/dev/null
awsv s3 cp --recursive --quiet "$COOKIES" "s3://$BUCKET/cookies/"
sed -e "s#\"training-images/#\"s3://$BUCKET/cookies/training-images/#" \
    -e "s#\"mask-images/#\"s3://$BUCKET/cookies/mask-images/#" \
    "$COOKIES/train.manifest" >"$VIGIL_TMP/train.manifest"
awsv s3 cp --quiet "$VIGIL_TMP/train.manifest" "s3://$BUCKET/cookies/train.manifest"
lfv create-project --project-name cookies >/dev/null
lfv create-dataset --project-name cookies --dataset-type train --dataset-source \
    "{\"GroundTruthManifest\":{\"S3Object\":{\"Bucket\":\"$BUCKET\",\"Key\":\"cookies/train.manifest\"}}}" \
    >/dev/null
while [ "$(lfv describe-dataset --project-name cookies --dataset-type train \
    --query DatasetDescription.Status --output text)" = CREATE_IN_PROGRESS ]; do sleep 0.5; done
lfv create-model --project-name cookies --output-config "S3Location={Bucket=$BUCKET,Prefix=out/}" >/dev/null
while [ "$(lfv describe-model --project-name cookies --model-version 1 \
    --query ModelDescription.Status --output text)" = TRAINING ]; do sleep 1; done
job=$(lfv start-model-packaging-job --project-name cookies --model-version 1 --configuration \
    "{\"Greengrass\":{\"TargetPlatform\":{\"Os\":\"LINUX\",\"Arch\":\"X86_64\"},\"S3OutputLocation\":{\"Bucket\":\"$BUCKET\",\"Prefix\":\"edge/\"},\"ComponentName\":\"cookies-model\"}}" \
    --query JobName --output text)
while [ "$(lfv describe-model-packaging-job --project-name cookies --job-name "$job" \
    --query ModelPackagingDescription.Status --output text)" != SUCCEEDED ]; do sleep 0.5; done
awsv s3 cp --quiet "s3://$BUCKET/edge/cookies-model/1.0.0/cookies-model-1.0.0.tar.gz" "$VIGIL_TMP/"
mkdir -p "$VIGIL_TMP/packages"
tar -xzf "$VIGIL_TMP/cookies-model-1.0.0.tar.gz" -C "$VIGIL_TMP/packages"
lfv start-model --project-name cookies --model-version 1 --min-inference-units 1 >/dev/null

mkdir -p "$VIGIL_TMP/stubs"
/usr/bin/python3 -m grpc_tools.protoc -I "$REPO/src/edge" --python_out="$VIGIL_TMP/stubs" \
    --grpc_python_out="$VIGIL_TMP/stubs" edge-agent.proto
socket="$VIGIL_TMP/agent.sock"
taskset -c 0 "$VIGIL_BIN" edge-agent --packages "$VIGIL_TMP/packages" --socket "$socket" \
    --threads 1 >"$VIGIL_TMP/agent.log" 2>&1 &
agent_pid=$!
taskset -a -cp 0 "$VIGIL_PID" >/dev/null # the server's threads on the same core
while [ ! -S "$socket" ]; do sleep 0.1; done
PYTHONPATH="$VIGIL_TMP/stubs:$REPO/tests/integration" pyv "$REPO/bench/edge_agent_latency.py" \
    "$socket" "$COOKIES/test-images/test-anomaly-1.jpg" "$RUNS"
kill -TERM "$agent_pid"
wait "$agent_pid"
vigil_stop
