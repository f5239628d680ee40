#!/bin/bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in a separate build
# directory and runs each for a bounded time; any crash, leak, timeout or OOM
# fails the test. Longer runs: see docs/testing.md. FUZZ_SECONDS overrides the
# per-target time (default 20).
set -u
S=${MTLS_SOURCE_DIR:?}; B=${MTLS_BINARY_DIR:?}
SECS=${FUZZ_SECONDS:-20}
TARGETS="record hello certificate alert_misc keylog pipeline pcapng app_reply"
if ! command -v clang >/dev/null; then echo "skipped: clang/libFuzzer not available"; exit 0; fi
probe=$(mktemp -d)
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){(void)d;(void)n;return 0;}' > "$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>/dev/null; then
    rm -rf "$probe"; echo "skipped: clang/libFuzzer not available"; exit 0; fi
rm -rf "$probe"
FB=$B/fuzz-build
cmake -S "$S" -B "$FB" -DCMAKE_C_COMPILER=clang -DMTLS_FUZZ=ON -DMTLS_SANITIZE=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$FB.configure.log" 2>&1 || { cat "$FB.configure.log"; exit 1; }
cmake --build "$FB" -j2 --target fuzz_seeds $(for t in $TARGETS; do echo fuzz_$t; done) > "$FB.build.log" 2>&1 \
    || { tail -50 "$FB.build.log"; exit 1; }
fail=0
for t in $TARGETS; do
    work=$FB/fuzz-run/$t; mkdir -p "$work/corpus" "$work/artifacts"
    dirs=("$work/corpus" "$FB/tests/fuzz/corpus/$t")
    for d in seeds regressions; do [ -d "$S/tests/fuzz/$d/$t" ] && dirs+=("$S/tests/fuzz/$d/$t"); done
    (cd "$work" && "$FB/tests/fuzz/fuzz_$t" -dict="$S/tests/fuzz/tls.dict" -max_total_time="$SECS" \
        -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/artifacts/" "${dirs[@]}" > log 2>&1)
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL fuzz_$t (exit $rc); reproducer(s) in $work/artifacts:"; ls "$work/artifacts"
        grep -A25 'ERROR:' "$work/log" | head -40; fail=1
    else
        echo "ok   fuzz_$t: $(grep -o 'Done [0-9]* runs' "$work/log")"
    fi
done
exit $fail
