#!/usr/bin/env bash
# --threads under ThreadSanitizer: builds mtlsdump with -DMTLS_TSAN=ON into
# $MTLS_BINARY_DIR/tsan (the executable only; reused and rebuilt
# incrementally on the next run) and runs tests/e2e/threads.test.sh with it:
# the same comparisons of --threads 1, 2 and 3, and no data race, lock-order
# inversion or other ThreadSanitizer report in any run (each one goes to a
# file of its own, TSAN_OPTIONS log_path).
# MTLS_TSAN_SKIP=1 skips it (a machine without the TSan runtime).
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bindir=${MTLS_BINARY_DIR:?}
[ "${MTLS_TSAN_SKIP:-0}" = 1 ] && { echo "SKIP: MTLS_TSAN_SKIP=1"; exit 77; }
tsan=$bindir/tsan
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
if ! { cmake -S "$src" -B "$tsan" -DMTLS_TSAN=ON -DMTLS_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$tmp/build.log" 2>&1 &&
       cmake --build "$tsan" -j2 --target mtlsdump >> "$tmp/build.log" 2>&1; }; then
    echo "FAIL: the ThreadSanitizer build failed"; tail -20 "$tmp/build.log"; exit 1
fi
built=$(date +%s)
echo "ok   ThreadSanitizer build of mtlsdump ($((built - start)) s)"
# a small program built with -fsanitize=thread must run here (some kernels'
# address-space layouts break the TSan runtime: that is a skip, not a pass)
if ! "$tsan/mtlsdump" --version > "$tmp/v" 2>&1; then
    echo "SKIP: the ThreadSanitizer build does not run here: $(head -c 300 "$tmp/v")"; exit 77
fi
mkdir -p "$tmp/reports"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}log_path=$tmp/reports/tsan:second_deadlock_stack=1:suppressions=$src/tests/e2e/tsan.supp"
MTLS_BINARY_DIR=$tsan MTLS_THREADS_COUNT_BIN=$bindir/mtlsdump bash "$src/tests/e2e/threads.test.sh"
rc=$?
end=$(date +%s)
reports=$(ls "$tmp/reports" | wc -l)
if [ "$reports" != 0 ]; then
    echo "FAIL: $reports ThreadSanitizer report(s):"
    cat "$tmp/reports"/* | grep -E '^(WARNING|SUMMARY): ThreadSanitizer' | sort | uniq -c | head -20
    head -60 "$(ls "$tmp/reports"/* | head -1)"
    exit 1
fi
echo "ok   no ThreadSanitizer report (threads.test.sh under TSan: $((end - built)) s)"
[ $rc = 0 ]
