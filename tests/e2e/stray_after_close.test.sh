#!/usr/bin/env bash
# Packets of a connection that already closed (a retransmitted FIN carrying
# the last alert, as in Zeek's ecdhe.pcap) are strays: they are counted, not
# reported as a second, malformed connection. A new SYN on the same ports is a
# new connection (port reuse) and is reported.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$src/samples/pcaps/tls12-mtls-ok.pcap" "$tmp" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
hdr, off, pkts = d[:24], 24, []
while off + 16 <= len(d):
    ts, us, cl, ol = struct.unpack('<IIII', d[off:off + 16])
    pkts.append((ts, us, d[off + 16:off + 16 + cl], ol)); off += 16 + cl
def tcp(p):
    ihl = (p[14] & 15) * 4; tot = struct.unpack('>H', p[16:18])[0]; t = 14 + ihl
    return t, tot - ihl - (p[t + 12] >> 4) * 4, struct.unpack('>H', p[t:t + 2])[0]
client_port = tcp(pkts[0][2])[2]
last = [p for p in pkts if tcp(p[2])[1] > 0 and tcp(p[2])[2] == client_port][-1]
b = bytearray(last[2]); b[tcp(b)[0] + 13] |= 0x01      # the client's last segment again, now with FIN
ts, us = pkts[-1][0], pkts[-1][1]
rec = lambda t, u, data: struct.pack('<IIII', t, u, len(data), len(data)) + bytes(data)
body = b''.join(struct.pack('<IIII', *p[:2], len(p[2]), p[3]) + p[2] for p in pkts)
open(sys.argv[2] + '/stray.pcap', 'wb').write(hdr + body + rec(ts + 1, us, b) + rec(ts + 2, us, pkts[-1][2]))
# the whole connection again 10 s later on the same ports: port reuse, a new SYN
again = b''.join(struct.pack('<IIII', p[0] + 10, p[1], len(p[2]), p[3]) + p[2] for p in pkts)
open(sys.argv[2] + '/reuse.pcap', 'wb').write(hdr + body + rec(ts + 1, us, b) + again)
PY
fail=0
"$bin" -r "$tmp/stray.pcap" --json --no-summary --stats > "$tmp/out.json" 2> "$tmp/err"
got=$(jq -r .mtls.verdict "$tmp/out.json" | tr '\n' ' ')
if [ "$got" = "mtls_ok " ] && grep -q "after close *1 packets" "$tmp/err"; then echo "ok   a retransmitted FIN with data and a late ACK after the close: one connection ($got), the retransmitted FIN counted as a stray"
else echo "FAIL stray packets: verdicts '$got'"; cat "$tmp/err"; fail=1; fi
got=$("$bin" -r "$tmp/reuse.pcap" --json --no-summary 2>/dev/null | jq -r .mtls.verdict | tr '\n' ' ')
if [ "$got" = "mtls_ok mtls_ok " ]; then echo "ok   same ports again with a SYN: a second connection"
else echo "FAIL port reuse: verdicts '$got'"; fail=1; fi
[ $fail = 0 ] && echo "2 passed, 0 failed"
exit $fail
