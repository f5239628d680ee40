#!/usr/bin/env bash
# --fanout ID: two mtlsdump processes on the same interface, in one packet
# fanout group, share the traffic: 16 real mTLS handshakes (openssl s_server /
# s_client on loopback, each from a new client port), every one reported by
# exactly one of the two processes, with its right verdict, and each process
# got some of them (the kernel's flow hash spreads them; the chance that all
# 16 land on one process is 2^-15).
# Needs root (and runs in a private network namespace when unshare works).
set -uo pipefail
if [ "$(id -u)" != 0 ]; then echo "skipped: needs root"; exit 77; fi
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
if [ -z "${MTLS_IN_NETNS:-}" ] && unshare -n true 2>/dev/null; then
  exec env MTLS_IN_NETNS=1 unshare -n bash "$0" "$@"
fi
ip link set lo up 2>/dev/null || true
pki=$src/samples/pki; port=44397
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

for m in a b; do
  "$bin" -i lo --fanout 4242 --json -Z root "tcp port $port" > "$tmp/$m.ndjson" 2> "$tmp/$m.err" &
  pids+=("$!")
done
mpids=("${pids[@]}")
openssl s_server -accept "127.0.0.1:$port" -cert "$pki/server.pem" -key "$pki/server.key" \
  -cert_chain "$pki/intermediate.pem" -CAfile "$pki/root.pem" -Verify 3 -verify_return_error \
  -tls1_2 -naccept 16 -quiet > "$tmp/server.log" 2>&1 &
pids+=("$!")
for _ in $(seq 50); do ss -ltn 2>/dev/null | grep -q ":$port " && break; sleep 0.1; done
sleep 1 # let libpcap start
for i in $(seq 16); do
  if [ $((i % 4)) = 0 ]; then cert=(); else cert=(-cert "$pki/alice.pem" -key "$pki/alice.key" -cert_chain "$pki/intermediate.pem"); fi
  echo hello | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername server.mtls.test \
    -CAfile "$pki/root.pem" "${cert[@]}" -quiet > /dev/null 2>&1
done
sleep 1
for p in "${mpids[@]}"; do kill -INT "$p"; done
for p in "${mpids[@]}"; do wait "$p"; done
fail=0
for m in a b; do
  if grep -q "fanout" "$tmp/$m.err"; then echo "FAIL: process $m: $(cat "$tmp/$m.err")"; fail=1; fi
done
cat "$tmp/a.ndjson" "$tmp/b.ndjson" | jq -r 'select(.type=="connection") | "\(.source.port) \(.mtls.verdict)"' | sort > "$tmp/all"
na=$(grep -c '"type":"connection"' "$tmp/a.ndjson"); nb=$(grep -c '"type":"connection"' "$tmp/b.ndjson")
n=$(wc -l < "$tmp/all"); ports=$(cut -d' ' -f1 "$tmp/all" | sort -u | wc -l)
ok=$(grep -c ' mtls_ok$' "$tmp/all"); missing=$(grep -c ' client_cert_missing$' "$tmp/all")
[ "$n" = 16 ] && [ "$ports" = 16 ] || { echo "FAIL: $n reports for $ports client ports, expected 16 and 16 (a: $na, b: $nb)"; fail=1; }
[ "$ok" = 12 ] && [ "$missing" = 4 ] || { echo "FAIL: verdicts: $ok mtls_ok, $missing client_cert_missing (expected 12 and 4)"; fail=1; }
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || { echo "FAIL: one process got every connection (a: $na, b: $nb)"; fail=1; }
if [ $fail != 0 ]; then cat "$tmp/all" "$tmp/a.err" "$tmp/b.err"; echo "0 passed, 1 failed"; exit 1; fi
echo "fanout: 16 connections split $na / $nb between two processes, none twice, verdicts 12 mtls_ok / 4 client_cert_missing"
echo "1 passed, 0 failed"
