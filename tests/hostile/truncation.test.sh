#!/bin/bash
# Every prefix of a real capture. In-process: every offset through the engine
# (text and JSON), a longer prefix never reports fewer connections. Through the
# binary: every offset of the first 200 bytes and every 149th after — exit code
# 0, 1 or 2 (2 with a message), no sanitizer report, no hang.
set -u
S=${MTLS_SOURCE_DIR:?}; B=${MTLS_BINARY_DIR:?}
SAMPLE=$S/samples/pcaps/tls12-mtls-ok.pcap; CA=$S/samples/pki/root.pem
W=$B/hostile-trunc; rm -rf "$W"; mkdir -p "$W"
timeout 300 "$B/tests/make_hostile" sweep "$SAMPLE" "$CA" || { echo "FAIL: in-process sweep"; exit 1; }
size=$(stat -c %s "$SAMPLE"); fail=0; n=0
for ((len = 0; len <= size; len++)); do
    if [ $len -ge 200 ] && [ $((len % 149)) -ne 0 ] && [ $len -ne $size ]; then continue; fi
    head -c $len "$SAMPLE" > "$W/p.pcap"
    timeout 30 "$B/mtlsdump" -r "$W/p.pcap" --ca "$CA" > "$W/out" 2> "$W/err"; rc=$?
    n=$((n + 1))
    if [ $rc -gt 2 ] || grep -q 'Sanitizer\|runtime error' "$W/err"; then
        echo "FAIL prefix $len: exit $rc"; cat "$W/err"; fail=1; break; fi
    if [ $rc -eq 2 ] && ! [ -s "$W/err" ]; then echo "FAIL prefix $len: exit 2 without a message"; fail=1; break; fi
    # once the ClientHello packet is complete (packet 4 ends at byte 549), the connection is reported
    if [ $len -ge 600 ] && ! grep -q '^#1 ' "$W/out"; then echo "FAIL prefix $len: connection not reported"; fail=1; break; fi
done
echo "binary runs: $n prefixes"
exit $fail
