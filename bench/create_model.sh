#!/usr/bin/env bash
# create_model.sh - CreateModel to TRAINED over the API, on the cookies, as a
# user of the aws CLI sees it: a fresh `vigil serve`, the dataset uploaded
# with `aws s3 cp` and imported from its manifest, then create-model and
# describe-model polled every 0.5 s.  Prints the server's own span
# (CreationTimestamp to EvaluationEndTimestamp) and the client's.
# Usage: bench/create_model.sh [BUILD_DIR]
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
VIGIL_BIN="$(cd "${1:-$REPO/build}" && pwd)/vigil"
COOKIES="$(cd "$REPO/../shared/datasets/cookies" && pwd)"
export VIGIL_MODELS_DIR="$REPO/models"
# shellcheck source=../tests/integration/lib.sh
source "$REPO/tests/integration/lib.sh"
vigil_start

BUCKET=bench-bucket
upload_cookies "$BUCKET"
lfv create-project --project-name cookies >/dev/null
import_dataset cookies train "$BUCKET" cookies/s3.manifest

start=$(date +%s%N)
awsv lookoutvision create-model --project-name cookies \
    --output-config "S3Location={Bucket=$BUCKET,Prefix=out/}" >/dev/null
model_status() {
    awsv lookoutvision describe-model --project-name cookies --model-version 1 \
        --query ModelDescription.Status --output text
}
while [ "$(model_status)" = TRAINING ]; do sleep 0.5; done
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
awsv lookoutvision describe-model --project-name cookies --model-version 1 --output json \
    --query 'ModelDescription.{Status:Status,Created:CreationTimestamp,Evaluated:EvaluationEndTimestamp,Performance:Performance}'
echo "create-model to TRAINED seen by the client: $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000))) s"
