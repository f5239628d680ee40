#!/usr/bin/env bash
# --threads N: the same connections, verdicts, steps and audit summary as one
# engine. For every sample capture (with its key log when it has one) the
# NDJSON of --threads 1 and --threads 2 and 3 must be identical once sorted
# (--sort orders connections by id, the frame number of their first packet,
# which does not depend on the worker), and so must text output; the
# unsorted NDJSON must hold the same lines. Also: secrets arriving in the
# input (pcapng Decryption Secrets Blocks read from stdin) reach every worker,
# and the tiny benchmark corpus (hundreds of interleaved connections) agrees.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

compare() { # name, max threads, then mtlsdump arguments
    local name=$1 max=$2; shift 2
    "$bin" "$@" --json --threads 1 --sort > "$tmp/1.json" 2>/dev/null
    local rc1=$?
    for t in $(seq 2 "$max"); do
        "$bin" "$@" --json --threads $t --sort > "$tmp/$t.json" 2>/dev/null
        local rc=$?
        if ! cmp -s "$tmp/1.json" "$tmp/$t.json" || [ $rc != $rc1 ]; then
            bad "$name: --threads $t --sort differs from --threads 1 (exit $rc vs $rc1)"
            diff <(head -c 3000 "$tmp/1.json") <(head -c 3000 "$tmp/$t.json") | head -5
            return
        fi
    done
    "$bin" "$@" --json --threads 2 > "$tmp/u.json" 2>/dev/null
    if ! cmp -s <(sort "$tmp/1.json") <(sort "$tmp/u.json"); then
        bad "$name: unsorted --threads 2 holds other lines than --threads 1"; return
    fi
    "$bin" "$@" --threads 1 --sort > "$tmp/1.txt" 2>/dev/null
    "$bin" "$@" --threads 2 --sort > "$tmp/2.txt" 2>/dev/null
    if ! cmp -s "$tmp/1.txt" "$tmp/2.txt"; then
        bad "$name: text output of --threads 2 --sort differs"; return
    fi
    ok "$name ($(grep -c '"type":"connection"' "$tmp/1.json") connections)"
}

# the samples with more than one connection (one-connection captures run on
# one worker whatever --threads; the other tests cover them)
for p in "$src"/samples/pcaps/*.pcap "$src"/samples/pcaps/*.pcapng; do
    base=$(basename "$p"); base=${base%.pcap}; base=${base%.pcapng}
    args=(-r "$p" --ca "$src/samples/pki/root.pem")
    [ -f "$src/samples/keylogs/$base.keys" ] && args+=(--keylog "$src/samples/keylogs/$base.keys")
    # (counted by MTLS_THREADS_COUNT_BIN when given: threads_tsan.test.sh
    # counts with the suite's own binary, only the comparisons run under TSan)
    n=$("${MTLS_THREADS_COUNT_BIN:-$bin}" "${args[@]}" -q --threads 1 2>/dev/null | wc -l)
    [ "$n" -ge 2 ] && compare "$base" 2 "${args[@]}"
done

# secrets met in a stream: every worker must get them
dsb=$src/samples/pcaps/tls13-mtls-ok-dsb.pcapng
got=$("$bin" -r - --json --no-summary --threads 2 < "$dsb" | jq -r '.mtls.decrypted' | sort | uniq -c | tr -s ' ')
want=$("$bin" -r - --json --no-summary --threads 1 < "$dsb" | jq -r '.mtls.decrypted' | sort | uniq -c | tr -s ' ')
if [ -n "$got" ] && [ "$got" = "$want" ] && echo "$got" | grep -q true; then ok "pcapng secrets read from stdin reach the workers ($got)"
else bad "DSB on stdin with --threads 2: '$got' vs '$want'"; fi

# many interleaved connections: the benchmark's generator (real flows of the
# samples replicated with new addresses, 1000 open at once)
if cc -O2 -o "$tmp/gen_corpus" "$src/tests/bench/gen_corpus.c" -lpcap 2> "$tmp/cc.log" &&
   "$tmp/gen_corpus" --samples "$src/samples/pcaps" --out "$tmp/corpus.pcap" --manifest "$tmp/corpus.json" \
       --shape heavy --instances 300 --concurrency 100 > /dev/null 2>&1; then
    cat "$src"/samples/keylogs/*.keys > "$tmp/corpus.keys"
    compare "benchmark corpus" 3 -r "$tmp/corpus.pcap" --keylog "$tmp/corpus.keys" --ca "$src/samples/pki/root.pem"
else
    bad "could not build the benchmark corpus"; tail -5 "$tmp/cc.log"
fi

# few, long transfers (4 connections of 2 MB each): after the first 4 MB
# window the reading thread runs the workers' engines itself; --stats says
# so, the output is still that of one engine. Then bulk, many handshakes,
# bulk again: it hands packets to the workers again and takes them back.
if "$tmp/gen_corpus" --samples "$src/samples/pcaps" --out "$tmp/bulk.pcap" --manifest "$tmp/bulk.json" \
       --shape bulk --instances 4 --bulk-bytes 2000000 --concurrency 4 > /dev/null 2>&1 &&
   "$tmp/gen_corpus" --samples "$src/samples/pcaps" --out "$tmp/many.pcap" --manifest "$tmp/many.json" \
       --shape heavy --instances 1500 --concurrency 100 > /dev/null 2>&1; then
    ca=(--ca "$src/samples/pki/root.pem")
    # one file of the three: the same link type and header, so the records follow each other
    { cat "$tmp/bulk.pcap"; tail -c +25 "$tmp/many.pcap"; tail -c +25 "$tmp/bulk.pcap"; } > "$tmp/mixed.pcap"
    compare "bulk transfers" 2 -r "$tmp/bulk.pcap" "${ca[@]}"
    compare "bulk, many handshakes, bulk" 2 -r "$tmp/mixed.pcap" "${ca[@]}"
    "$bin" -r "$tmp/bulk.pcap" "${ca[@]}" -q --stats --threads 2 > /dev/null 2> "$tmp/b2.err"
    "$bin" -r "$tmp/bulk.pcap" "${ca[@]}" -q --stats --threads 1 > /dev/null 2> "$tmp/b1.err"
    "$bin" -r "$tmp/corpus.pcap" "${ca[@]}" -q --stats --threads 2 > /dev/null 2> "$tmp/h2.err"
    "$bin" -r "$tmp/mixed.pcap" "${ca[@]}" -q --stats --threads 2 > /dev/null 2> "$tmp/m2.err"
    if grep -q '^  threads            2 workers' "$tmp/b2.err" &&
       grep -q '^  inline             [0-9.]* of [0-9.]* MB run by the reading thread itself.*, 1 switch$' "$tmp/b2.err" &&
       grep -q '^  threads            1 (one engine)' "$tmp/b1.err" && ! grep -q '^  inline' "$tmp/b1.err" &&
       grep -q '^  threads            2 workers' "$tmp/h2.err" && ! grep -q '^  inline' "$tmp/h2.err" &&
       grep -q '^  inline .*, 3 switches$' "$tmp/m2.err"; then
        ok "--stats: threads line; bulk windows run inline ($(grep -o '[0-9.]* of [0-9.]* MB' "$tmp/b2.err"); mixed: $(grep -o '[0-9.]* of [0-9.]* MB' "$tmp/m2.err"); none on many handshakes)"
    else
        bad "--stats threads/inline lines"; tail -3 "$tmp/b2.err" "$tmp/b1.err" "$tmp/h2.err" "$tmp/m2.err"
    fi
else
    bad "could not build the bulk corpora"
fi

# the exit code and --expect are the merged ones
"$bin" -r "$src/samples/pcaps/many-connections.pcap" -q --threads 2 --expect mtls_ok > /dev/null 2>&1; rc=$?
[ $rc = 1 ] && ok "--expect over workers: exit 1 on an unexpected verdict" || bad "--expect exit $rc"
# some connections send the intermediate, others omit it (one connection, one
# diagnosis: the ones that omit it must not learn it from the others)
if command -v mergecap >/dev/null; then
    mergecap -F pcap -a -w "$tmp/mixed.pcap" "$src/samples/pcaps/tls12-missing-intermediate.pcap" \
        "$src/samples/pcaps/tls12-mtls-ok.pcap" "$src/samples/pcaps/tls12-missing-intermediate.pcap" \
        "$src/samples/pcaps/tls13-mtls-ok.pcap" 2>/dev/null
    compare "intermediate sent by some connections, omitted by others" 3 -r "$tmp/mixed.pcap" --ca "$src/samples/pki/root.pem"
fi
"$bin" -r "$src/samples/pcaps/many-connections.pcap" --threads 0 > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "--threads 0 is a usage error" || bad "--threads 0 exit $rc"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
