#!/usr/bin/env bash
# tests/integration/test_hardening.sh - `vigil serve` against clients that
# try to hold it or confuse it, with small limits so the test is quick:
# slowloris connections past the per-client cap, a trickling header section
# against the header deadline, unsigned bodies refused before they are read,
# and ambiguous HTTP framing
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
vigil_stop
pass "slowloris, header deadline, unsigned bodies and request framing"
