#!/usr/bin/env bash
# tests/integration/test_crash.sh - kill -9 in the middle of a mixed
# workload (crash_workload.py: uploads, multipart uploads, deletes, dataset
# imports and updates, dataset deletes, trainings), restart, and check what
# was acknowledged: objects with their ETags, ImageStats against the
# entries, no job left in progress, SQLite's integrity.  CRASH_ROUNDS rounds
# (default 3; by hand, many), each killed at a random moment 0.5 to 4 s in.
#
# usage: test_crash.sh BUILD_DIR DATASETS_DIR MODELS_DIR
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 BUILD_DIR DATASETS_DIR MODELS_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
COOKIES="$2/cookies"
export VIGIL_MODELS_DIR="$3" # the trainings use the backbone
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

ROUNDS="${CRASH_ROUNDS:-3}"
WORKLOAD="$(dirname "$0")/crash_workload.py"
JOURNAL="$VIGIL_TMP/journal.jsonl"

vigil_start
upload_cookies vigil-crash
lfv create-project --project-name crash >/dev/null
: >"$JOURNAL"
kills=0
for round in $(seq 1 "$ROUNDS"); do
    # started directly (not through pyv, a function) so that $! is python's pid
    VIGIL_ENDPOINT="$VIGIL_ENDPOINT" /usr/bin/python3 "$WORKLOAD" workload "$JOURNAL" "$round" &
    worker=$!
    sleep "$(/usr/bin/python3 -c "import random; random.seed($round); print(round(random.uniform(0.5, 4), 2))")"
    # the server dies first, then its client: what the client saw
    # acknowledged is all that must have survived
    kill -KILL "$VIGIL_PID"
    wait "$VIGIL_PID" 2>/dev/null || true
    kill -KILL "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
    kills=$((kills + 1))
    _vigil_launch
    out=$(pyv "$WORKLOAD" check "$JOURNAL" "$VIGIL_DATA") || fail "round $round: $out"
    echo "round $round: $out"
done
vigil_stop
pass "$ROUNDS rounds, $kills kills with SIGKILL, every invariant held"
