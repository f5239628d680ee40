#!/usr/bin/env bash
# Fault injection: the N-th allocation of a run fails (tests/fault/failmalloc.c,
# LD_PRELOAD: mtlsdump's own, OpenSSL's, libpcap's, cJSON's), for N swept over
# the allocations of a few captures (TLS 1.2, TLS 1.3 with its key log, a
# failed handshake, many connections, with and without --threads 2). Every
# run must end cleanly (no crash, hang or sanitizer report) with either the
# output of the unfailed run, byte for byte, and its exit status, or exit 2
# with its own message on stderr, whole NDJSON lines, and every connection
# that differs carrying an analysis_failed finding (or stderr saying part of
# the report was lost). Never a different answer without a word: a chain
# called INVALID, a verdict flipped, a session "not decrypted" because an
# allocation failed (DESIGN.md "When our own machinery fails").
#
# CI samples about MTLS_FAULT_RUNS points per capture (default 12, spread
# over what follows the start-up, plus two in it); MTLS_FAULT_STRIDE=1 sweeps
# every allocation after the start-up. The start-up itself (OpenSSL's
# warm-up, the same in every run, the allocations `mtlsdump --version` makes)
# gets three points per capture, one among its first 49 allocations: OpenSSL
# 3.0 crashed on its own when one of those failed (an unchecked
# CRYPTO_THREAD_lock_new in its name map); mtlsdump now ends such a run
# itself, exit 2, "cannot start: out of memory while OpenSSL started up"
# (src/crypto/crypto_mem.c). MTLS_FAULT_KEEP=DIR keeps each run's verdict
# line there (NAME.runs).
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bindir=${MTLS_BINARY_DIR:?}; bin=$bindir/mtlsdump
shim=$bindir/tests/libfailmalloc.so
one=$src/tests/fault/run_one.sh
[ -f "$shim" ] || { echo "SKIP: $shim not built"; exit 77; }
command -v jq > /dev/null || { echo "SKIP: jq missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# the shim comes before libasan in the sanitizer build: let ASan accept that.
# Leaks are checked (a path that fails must still free what it holds), with
# full stacks through libcrypto (no frame pointers there) so that the one
# leak of OpenSSL's own on its failure paths can be told apart (lsan.supp).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$src/tests/fault/lsan.supp:print_suppressions=0"
export MTLS_FAULT_TIMEOUT=${MTLS_FAULT_TIMEOUT:-60}
runs=${MTLS_FAULT_RUNS:-12}
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
pcaps=$src/samples/pcaps; keys=$src/samples/keylogs; ca=$src/samples/pki/root.pem
env MTLS_FAIL_REPORT="$tmp/startup" LD_PRELOAD="$shim" "$bin" --version > /dev/null
read -r startup _ < "$tmp/startup" || startup=0

sweep() { # name, then mtlsdump arguments
    local name=$1; shift
    local ref=$tmp/$name; mkdir -p "$ref"
    # the reference: the shim loaded, nothing failed (it counts the allocations)
    env MTLS_FAIL_REPORT="$ref/count" LD_PRELOAD="$shim" "$bin" "$@" > "$ref/out" 2> "$ref/err"
    echo $? > "$ref/rc"
    local total; read -r total _ < "$ref/count" || total=0
    if [ "$total" -lt 100 ] || ! [ -s "$ref/out" ]; then bad "$name: reference run ($total allocations)"; return; fi
    # sampled: three points in the start-up every run shares (OpenSSL's warm-up,
    # `mtlsdump --version`: $startup allocations), the rest over what follows
    local lo=$(( startup + 1 )) stride=${MTLS_FAULT_STRIDE:-$(( (total - startup) / runs ))}
    [ "$stride" -ge 1 ] || stride=1
    # an offset that differs per capture, so the samples fall on other code paths
    local first=$(( lo + $(printf '%s' "$name" | cksum | cut -d' ' -f1) % stride ))
    { echo $(( 2 + ${#name} % 40 )) $(( startup / 3 )) $(( startup * 2 / 3 )); seq "$first" "$stride" "$total"; } | tr ' ' '\n' |
        xargs -P2 -I{} "$one" "$shim" "$ref" {} "$bin" "$@" > "$tmp/$name.runs"
    [ -n "${MTLS_FAULT_KEEP:-}" ] && cp "$tmp/$name.runs" "$MTLS_FAULT_KEEP/"
    local n id rep unr
    n=$(wc -l < "$tmp/$name.runs")
    id=$(grep -c ' identical$' "$tmp/$name.runs")
    rep=$(grep -c ' reported ' "$tmp/$name.runs")
    unr=$(grep -c ' unreached$' "$tmp/$name.runs")
    local wrong; wrong=$(grep -vE ' (identical|unreached)$| reported ' "$tmp/$name.runs")
    if [ -n "$wrong" ]; then
        bad "$name: $(echo "$wrong" | wc -l) of $n runs wrong (of $total allocations, stride ${stride}):"
        echo "$wrong" | head -5 | cut -c1-400
    else
        ok "$name: $n runs over $total allocations (stride ${stride}, start-up $startup): $id identical, $rep reported a fault, $unr past the end, 0 wrong"
    fi
}

sweep tls12 -r "$pcaps/tls12-nginx-mtls-ok.pcap" --ca "$ca" --json
sweep tls13-keyed -r "$pcaps/tls13-nginx-mtls-ok.pcap" --keylog "$keys/tls13-nginx-mtls-ok.keys" --ca "$ca" --json
sweep tls13-unknown-ca-text -r "$pcaps/tls13-apache-unknown-ca.pcap" --keylog "$keys/tls13-apache-unknown-ca.keys" --ca "$ca"
sweep many -r "$pcaps/many-connections.pcap" --ca "$ca" --json
sweep many-threads -r "$pcaps/many-connections.pcap" --ca "$ca" --json --threads 2 --sort

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
