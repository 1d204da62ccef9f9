#!/usr/bin/env bash
# tests/fuzz/run.sh - runs every libFuzzer target of a fuzz build for
# SECONDS each: over the seeds of tests/fuzz/corpus/NAME (read only) and
# what earlier runs found in BUILD/corpus/NAME (where new inputs go).
# A crash stops the run with the fuzzer's report; its input is saved as
# BUILD/crashes/NAME/crash-* (add it to the seeds once fixed).
#
# usage: run.sh BUILD_DIR SECONDS
set -euo pipefail
BUILD="$1"
SECONDS_EACH="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
shopt -s nullglob
fuzzers=()
for file in "$BUILD"/fuzz_*; do
    [ -f "$file" ] && [ -x "$file" ] && fuzzers+=("$file")
done
[ ${#fuzzers[@]} -gt 0 ] || { echo "no fuzzers in $BUILD" >&2; exit 1; }
mkdir -p "$BUILD/fuzz-logs"
for fuzzer in "${fuzzers[@]}"; do
    name=$(basename "$fuzzer")
    found="$BUILD/corpus/$name"
    crashes="$BUILD/crashes/$name"
    log="$BUILD/fuzz-logs/$name.log"
    mkdir -p "$found" "$crashes"
    echo "== $name: ${SECONDS_EACH} s over $(ls "$HERE/corpus/$name" | wc -l) seeds and $(ls "$found" | wc -l) found inputs"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$fuzzer" "$found" "$HERE/corpus/$name" -max_total_time="$SECONDS_EACH" \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/" 2>"$log" ||
        { tail -n 60 "$log" >&2; echo "FAIL: $name" >&2; exit 1; }
    grep -E "stat::number_of_executed_runs|cov: " "$log" | tail -n 2
done
