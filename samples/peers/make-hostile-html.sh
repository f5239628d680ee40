#!/usr/bin/env bash
# make-hostile-html.sh — a capture whose wire text is hostile markup, for the
# HTML report's escaping test (tests/e2e/html_report.test.sh).
#
#   hostile-markup   two TLS 1.2 handshakes (openssl s_server / s_client) whose
#                    SNI is `<img src=x onerror=alert(1)>"'&` and whose client
#                    certificate's subject is CN=<script>alert(1)</script>,
#                    O=<b onmouseover=alert(2)>x</b>:
#                    1. the certificate issued by the samples' intermediate CA,
#                       accepted (mtls_ok);
#                    2. the same subject self-signed, refused by the server
#                       (alert unknown_ca: client_cert_rejected).
#
# Usage:  sudo samples/peers/make-hostile-html.sh
#
# Same conventions as samples/make-samples.sh: the PKI in samples/pki (the
# hostile client certificates are made in a temporary directory and only
# travel in the capture), samples/pcaps/hostile-markup.pcap, a private network
# namespace (`unshare -n`), the server on 127.0.0.1:44650, every process it
# starts ended by PID. tcpdump needs root.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKI=$HERE/pki
PCAPS=$HERE/pcaps
NAME=hostile-markup
PORT=44650
SNI='<img src=x onerror=alert(1)>"'"'"'&'
SUBJ='/CN=<script>alert(1)<\/script>/O=<b onmouseover=alert(2)>x<\/b>'

if [ -z "${MTLS_SAMPLES_NETNS:-}" ] && unshare -n true 2>/dev/null; then
    exec unshare -n env MTLS_SAMPLES_NETNS=1 bash "$0" "$@"
fi
ip link set lo up 2>/dev/null || true

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
die() { echo "make-hostile-html.sh: $*" >&2; exit 1; }

# the hostile client certificates: one issued by the samples' intermediate, one self-signed
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/c.key" \
    -subj "$SUBJ" -out "$WORK/c.csr" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' >"$WORK/ext"
openssl x509 -req -in "$WORK/c.csr" -CA "$PKI/intermediate.pem" -CAkey "$PKI/intermediate.key" \
    -CAserial "$WORK/ca.srl" -CAcreateserial -days 3650 -sha256 -extfile "$WORK/ext" -out "$WORK/c.pem" 2>/dev/null
cat "$WORK/c.pem" "$PKI/intermediate.pem" >"$WORK/c-chain.pem"
openssl req -x509 -new -key "$WORK/c.key" -subj "$SUBJ" -days 3650 -sha256 -out "$WORK/self.pem" 2>/dev/null

rm -f "$PCAPS/$NAME.pcap"
tcpdump -i lo -n -s 0 -U --immediate-mode -w "$PCAPS/$NAME.pcap" "tcp port $PORT" 2>"$WORK/tcpdump.log" &
PIDS+=($!)
TCPDUMP_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$WORK/tcpdump.log" && break; sleep 0.05; done

openssl s_server -accept "127.0.0.1:$PORT" -cert "$PKI/server.pem" -key "$PKI/server.key" \
    -cert_chain "$PKI/intermediate.pem" -CAfile "$PKI/ca-chain.pem" -Verify 3 -verify_return_error -tls1_2 -naccept 2 \
    -no_ticket -www >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 100); do ss -Hltn "sport = :$PORT" | grep -q . && break; sleep 0.05; done

for cert in c-chain self; do
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 \
        -servername "$SNI" -cert "$WORK/$cert.pem" -key "$WORK/c.key" -CAfile "$PKI/ca-chain.pem" \
        -ign_eof >"$WORK/client-$cert.log" 2>&1 || true
    sleep 0.2
done
sleep 0.3
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null || true
grep -q '^0 packets dropped by kernel' "$WORK/tcpdump.log" || die "tcpdump dropped packets"
if [ -n "${VERBOSE:-}" ]; then tail -n 5 "$WORK"/*.log; fi
echo "wrote $PCAPS/$NAME.pcap"
