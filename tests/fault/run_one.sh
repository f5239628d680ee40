#!/usr/bin/env bash
# One run of the fault-injection sweep (alloc.test.sh): mtlsdump with its N-th
# allocation failed, judged against the unfailed reference run in REF
# (REF/out, REF/rc, REF/err). Prints "N class detail": identical (same output,
# same exit status), reported (exit 2 and a message of its own on stderr, every
# output line whole), unreached (N is past the run's allocations) or one of
# WRONG / CRASH / HANG / SANITIZER, which fail the test.
# Usage: run_one.sh SHIM REF N mtlsdump-binary args...
shim=$1 ref=$2 n=$3 bin=$4; shift 4
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
# env after timeout: the shim goes into mtlsdump only (exec keeps no destructor of env's)
timeout -k 5 "${MTLS_FAULT_TIMEOUT:-60}" env MTLS_FAIL_AT="$n" MTLS_FAIL_REPORT="$d/count" LD_PRELOAD="$shim" \
    "$bin" "$@" > "$d/out" 2> "$d/err"
rc=$?
# (no count when the run ended by _exit: a failure while OpenSSL started up)
{ [ -f "$d/count" ] && read -r _ injected < "$d/count"; } || injected=?
why=$(grep -m1 -E 'AddressSanitizer|LeakSanitizer|runtime error|ThreadSanitizer' "$d/err")
if [ -n "$why" ]; then echo "$n SANITIZER $why"; exit 0; fi
if [ $rc = 124 ] || [ $rc = 137 ]; then echo "$n HANG exit $rc"; exit 0; fi
if [ $rc -gt 128 ]; then echo "$n CRASH signal $((rc - 128)) $(head -c 200 "$d/err" | tr '\n' ' ')"; exit 0; fi
refrc=$(cat "$ref/rc")
if [ $rc = "$refrc" ] && cmp -s "$d/out" "$ref/out"; then
    if [ "$injected" = 0 ]; then echo "$n unreached"; else echo "$n identical"; fi
    exit 0
fi
# a fault of our own: exit 2, said on stderr in a line the reference run does not print
msg=$(grep '^mtlsdump: ' "$d/err" | grep -vxF -f "$ref/err" | head -1)
if [ $rc = 2 ] && [ -n "$msg" ]; then
    case " $* " in
    *" --json "*)
        if ! jq -e . "$d/out" > /dev/null 2>&1; then echo "$n WRONG a broken NDJSON line; $msg"; exit 0; fi
        # a connection that differs from the reference says what could not be
        # done, unless stderr says the report itself lost a part or reading
        # the input stopped there
        case $(grep -E '^mtlsdump: (out of memory|.*covers the packets before this point)' "$d/err") in
        *"part of the report was lost"* | *"covers the packets before this point"*)
            echo "$n reported $msg"; exit 0 ;; esac
        bad=$(jq -c 'select(.type == "connection")' "$d/out" | grep -vxF -f <(jq -c 'select(.type == "connection")' "$ref/out") \
              | grep -vc '"analysis_failed"')
        if [ "$bad" != 0 ]; then echo "$n WRONG $bad changed connection(s) without analysis_failed; $msg"; exit 0; fi ;;
    esac
    echo "$n reported $msg"
    exit 0
fi
echo "$n WRONG exit $rc (reference $refrc), stderr: $(head -c 300 "$d/err" | tr '\n' ' ') stdout: $(diff "$ref/out" "$d/out" | head -c 400 | tr '\n' ' ')"
