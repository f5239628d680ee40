#!/usr/bin/env bash
# make.sh — the STARTTLS samples for IRC, NNTP, ManageSieve and MySQL:
# `openssl s_client -starttls PROTO` with alice's certificate against
# server.py (the protocol's prologue, then Python ssl = OpenSSL, requiring a
# client certificate), captured with tcpdump on loopback inside `unshare -n`.
# Writes samples/pcaps/starttls-PROTO.pcap and samples/keylogs/starttls-PROTO.keys.
# Needs root (tcpdump, unshare). Every process is ended by its PID.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
S=$(cd "$HERE/../.." && pwd)
if [ "${MTLS_IN_NETNS:-}" != 1 ]; then
    exec unshare -n env MTLS_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
PORT=44700
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for proto in ${*:-irc nntp sieve mysql}; do
    out=$S/pcaps/starttls-$proto.pcap keys=$S/keylogs/starttls-$proto.keys
    rm -f "$out" "$keys"
    tcpdump -i lo -w "$out" -U "tcp port $PORT" > /dev/null 2>&1 & T=$!
    sleep 1
    python3 "$HERE/server.py" "$proto" $PORT "$S/pki/server-chain.pem" "$S/pki/server.key" "$S/pki/ca-chain.pem" > "$tmp/srv" 2>&1 & P=$!
    for _ in $(seq 50); do grep -q ready "$tmp/srv" 2>/dev/null && break; sleep 0.1; done
    (printf 'hello\n'; sleep 1) | timeout 10 openssl s_client -connect 127.0.0.1:$PORT -starttls "$proto" \
        -servername server.mtls.test -cert "$S/pki/alice.pem" -cert_chain "$S/pki/alice-chain.pem" -key "$S/pki/alice.key" -CAfile "$S/pki/root.pem" \
        -keylogfile "$keys" -quiet > "$tmp/cli" 2>&1 || true
    sleep 0.5
    kill $P 2>/dev/null || true; wait $P 2>/dev/null || true
    sleep 0.3
    kill $T; wait $T 2>/dev/null || true
    echo "starttls-$proto: $(grep -c . "$keys") key log lines; server: $(tail -1 "$tmp/srv")"
done
