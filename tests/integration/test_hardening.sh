#!/usr/bin/env bash
# tests/integration/test_hardening.sh - `vigil serve` against clients that
# try to hold it or confuse it, with small limits so the test is quick:
# slowloris connections past the per-client cap, a trickling header section
# against the header deadline, unsigned bodies refused before they are read,
# ambiguous HTTP framing, objects' bytes streamed to disk, and a full disk
# (tests/integration/hardening_probe.py, over raw sockets).
#
# usage: test_hardening.sh BUILD_DIR
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
VIGIL_BIN="$1/vigil"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

PER_CLIENT=16
HEADER_TIMEOUT=3
vigil_start --max-connections-per-client "$PER_CLIENT" --header-timeout "$HEADER_TIMEOUT"
pyv "$(dirname "$0")/hardening_probe.py" "$PER_CLIENT" "$HEADER_TIMEOUT" "$VIGIL_PID" ||
    fail "hardening_probe.py"
kill -0 "$VIGIL_PID" || fail "the server died"
pass "slowloris, header deadline, unsigned bodies and request framing"

# --- objects' bytes go to disk, not memory ------------------------------------
peak_mb() { awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$VIGIL_PID/status"; }
awsv s3 mb s3://streamed >/dev/null
head -c 48000000 /dev/urandom >"$VIGIL_TMP/big"
before=$(peak_mb)
awsv s3api put-object --bucket streamed --key big --body "$VIGIL_TMP/big" >/dev/null
awsv s3 cp --quiet "$VIGIL_TMP/big" s3://streamed/big-multipart # 8 MB parts
after=$(peak_mb)
[ $((after - before)) -lt 16 ] || fail "a 48 MB PutObject raised the peak memory from $before to $after MB"
etag=$(awsv s3api head-object --bucket streamed --key big --query ETag --output text | tr -d '"')
[ "$etag" = "$(md5sum "$VIGIL_TMP/big" | cut -c1-32)" ] || fail "ETag $etag is not the MD5"
awsv s3 cp --quiet s3://streamed/big-multipart "$VIGIL_TMP/back"
cmp -s "$VIGIL_TMP/big" "$VIGIL_TMP/back" || fail "the multipart object reads back different"
[ -z "$(ls "$VIGIL_DATA/incoming")" ] || fail "bodies left in $VIGIL_DATA/incoming"
vigil_stop
pass "a 48 MB PutObject and a multipart upload streamed to disk: peak memory $before -> $after MB"

# --- a full disk: deletes, the way out, still work ---------------------------
# The data directory on a 20 MB tmpfs (needs root to mount; elsewhere this
# part cannot run and says so), filled to the last byte.
SMALL="$VIGIL_TMP/small"
mkdir -p "$SMALL"
if mount -t tmpfs -o size=20m tmpfs "$SMALL" 2>/dev/null; then
    trap 'umount "$SMALL" 2>/dev/null; _vigil_cleanup' EXIT
    VIGIL_DATA="$SMALL/data"
    vigil_start
    lfv create-project --project-name doomed >/dev/null
    awsv s3 mb s3://full-disk >/dev/null
    head -c 1000000 /dev/urandom >"$VIGIL_TMP/blob"
    for i in $(seq 1 30); do
        awsv s3 cp --quiet "$VIGIL_TMP/blob" "s3://full-disk/k$i" 2>/dev/null || break
    done
    dd if=/dev/zero of="$SMALL/filler" bs=64k 2>/dev/null || true
    out=$(lfv create-project --project-name more 2>&1) && fail "a project was created on a full disk"
    grep -q "InternalServerException" <<<"$out" || fail "full disk: $out"
    grep -q "$SMALL" <<<"$out" && fail "the error shows a server path: $out"
    lfv delete-project --project-name doomed >/dev/null || fail "DeleteProject on a full disk"
    awsv s3 rm --quiet s3://full-disk/k1 || fail "DeleteObject on a full disk"
    vigil_stop
    rm -f "$SMALL/filler"
    umount "$SMALL"
    trap _vigil_cleanup EXIT
    pass "a full disk: a write answers InternalServerException without a path; deletes still work"
else
    echo "note: the full-disk check needs to mount a tmpfs (root); not run here"
fi
