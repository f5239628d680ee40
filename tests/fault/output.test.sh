#!/usr/bin/env bash
# Output that cannot be written: stdout or -w on a full disk (/dev/full) ends
# the run at once with one message and exit 2, whatever the verdicts (a
# failed handshake's exit 1 must not hide a lost report); a reader that went
# away (`| head -1`) ends it quickly and quietly: killed by SIGPIPE (141 in
# a shell), like tcpdump and grep, also when the parent ignored SIGPIPE.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
[ -w /dev/full ] || { echo "SKIP: no /dev/full"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
pcaps=$src/samples/pcaps; ca=$src/samples/pki/root.pem
failed=$pcaps/tls12-nginx-unknown-ca.pcap # verdict client_cert_rejected: exit 1 when all is well

# a capture whose report is far larger than the stdio and pipe buffers
if ! { cc -O2 -o "$tmp/gen_corpus" "$src/tests/bench/gen_corpus.c" -lpcap 2> "$tmp/cc.log" &&
       "$tmp/gen_corpus" --samples "$pcaps" --out "$tmp/big.pcap" --manifest "$tmp/big.json" \
           --shape heavy --instances 300 --concurrency 100 > /dev/null 2>&1; }; then
    bad "could not build a large capture"; tail -3 "$tmp/cc.log"
fi

"$bin" -r "$failed" --ca "$ca" --json > /dev/null 2>&1
[ $? = 1 ] || bad "the reference: $failed should exit 1"

full() { # name, then arguments; stdout goes to /dev/full
    local name=$1; shift
    "$bin" "$@" > /dev/full 2> "$tmp/err"
    local rc=$?
    local n; n=$(grep -c '^mtlsdump: cannot write the report to standard output: No space left on device' "$tmp/err")
    if [ $rc = 2 ] && [ "$n" = 1 ]; then ok "$name > /dev/full: exit 2, said once"
    else bad "$name > /dev/full: exit $rc, $n messages: $(head -c 300 "$tmp/err")"; fi
}
full "json, a failed handshake" -r "$failed" --ca "$ca" --json
full "text, a failed handshake" -r "$failed" --ca "$ca"
full "json --threads 2" -r "$failed" --ca "$ca" --json --threads 2
full "json --sort" -r "$failed" --ca "$ca" --json --sort

# the run stops when stdout fails: far fewer packets read than the file holds
# (with --threads the front reads a small file to its end before the first
# worker writes: there the workers stop analysing, which --stats cannot show)
if [ -f "$tmp/big.pcap" ]; then
    for t in 1; do
        "$bin" -r "$tmp/big.pcap" --ca "$ca" --json --stats --threads $t > /dev/full 2> "$tmp/err"
        rc=$?
        read_n=$(sed -n 's/^  packets *\([0-9]*\) .*/\1/p' "$tmp/err")
        all=$("$bin" -r "$tmp/big.pcap" --ca "$ca" -q --stats --threads $t 2>&1 > /dev/null | sed -n 's/^  packets *\([0-9]*\) .*/\1/p')
        if [ $rc = 2 ] && [ -n "$read_n" ] && [ "$read_n" -lt $((all / 2)) ]; then
            ok "--threads $t > /dev/full stops reading ($read_n of $all packets)"
        else bad "--threads $t > /dev/full: exit $rc, $read_n of $all packets read"; fi
    done
fi

# -w on a full disk
"$bin" -r "$failed" --ca "$ca" -q -w /dev/full > /dev/null 2> "$tmp/err"
rc=$?
if [ $rc = 2 ] && grep -q '^mtlsdump: -w: ' "$tmp/err"; then ok "-w /dev/full: exit 2 with a message"
else bad "-w /dev/full: exit $rc: $(head -c 300 "$tmp/err")"; fi

if [ -f "$tmp/big.pcap" ]; then
    "$bin" -r "$tmp/big.pcap" --ca "$ca" -q --stats -w /dev/full > /dev/null 2> "$tmp/err"
    rc=$?
    read_n=$(sed -n 's/^  packets *\([0-9]*\) .*/\1/p' "$tmp/err")
    all=$("$bin" -r "$tmp/big.pcap" --ca "$ca" -q --stats 2>&1 > /dev/null | sed -n 's/^  packets *\([0-9]*\) .*/\1/p')
    if [ $rc = 2 ] && [ -n "$read_n" ] && [ "$read_n" -lt $((all / 2)) ] && [ "$(grep -c '^mtlsdump: -w: ' "$tmp/err")" = 1 ]; then
        ok "-w /dev/full stops reading ($read_n of $all packets), said once"
    else bad "-w /dev/full on a large capture: exit $rc, $read_n of $all packets read: $(head -c 300 "$tmp/err")"; fi
fi

# a reader that goes away: quiet and quick, exit by SIGPIPE
if [ -f "$tmp/big.pcap" ]; then
    for t in 1 2; do
        for ignore in no yes; do
            start=$(date +%s%N)
            if [ $ignore = yes ]; then
                (trap '' PIPE; exec "$bin" -r "$tmp/big.pcap" --ca "$ca" --json --threads $t 2> "$tmp/err") | head -1 > "$tmp/line"
            else
                "$bin" -r "$tmp/big.pcap" --ca "$ca" --json --threads $t 2> "$tmp/err" | head -1 > "$tmp/line"
            fi
            rc=${PIPESTATUS[0]}
            ms=$(( ($(date +%s%N) - start) / 1000000 ))
            if [ "$rc" = 141 ] && ! [ -s "$tmp/err" ] && jq -e .schema_version "$tmp/line" > /dev/null 2>&1; then
                ok "| head -1 (--threads $t, SIGPIPE ignored: $ignore): exit 141, nothing on stderr, ${ms} ms"
            else bad "| head -1 (--threads $t, SIGPIPE ignored: $ignore): exit $rc, stderr: $(head -c 300 "$tmp/err")"; fi
        done
    done
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
