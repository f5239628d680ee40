#!/usr/bin/env bash
# Real TLS bytes (an OpenSSL handshake run in-process by tests/tools/hs2pcap)
# cut into small segments, reordered, retransmitted, overlapped, wrapped
# around 2^32, over IPv6 and raw IP, lost, and cut by snaplen: mtlsdump must
# still see the right handshake, or report exactly what it lost.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; B=${MTLS_BINARY_DIR:?}; bin=$B/mtlsdump; gen=$B/tests/hs2pcap
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { # name expected-verdict jq-extra-condition -- hs2pcap args...
  local name=$1 want=$2 cond=$3; shift 4
  if ! "$gen" "$@" --keylog "$tmp/$name.keys" -o "$tmp/$name.pcap" > "$tmp/$name.gen" 2>&1; then
    echo "FAIL $name: hs2pcap failed"; cat "$tmp/$name.gen"; fail=$((fail+1)); return; fi
  "$bin" -r "$tmp/$name.pcap" --keylog "$tmp/$name.keys" --json --no-summary > "$tmp/$name.json" 2> "$tmp/$name.err"
  local got; got=$(jq -r '.mtls.verdict' "$tmp/$name.json" | tr '\n' ' ')
  if [ "$got" != "$want " ]; then echo "FAIL $name: verdict '$got', want '$want'"; jq -c '.mtls.steps|map(.kind)' "$tmp/$name.json"; cat "$tmp/$name.err"; fail=$((fail+1)); return; fi
  if [ -n "$cond" ] && [ "$(jq -r "$cond" "$tmp/$name.json")" != true ]; then
    echo "FAIL $name: condition $cond"; jq -c '.mtls.findings' "$tmp/$name.json"; fail=$((fail+1)); return; fi
  echo "ok   $name ($got)"; pass=$((pass+1))
}
ok13='.mtls.decrypted and (.mtls.certificate_verify.client.result == "verified")'
check clean13 mtls_ok "$ok13" -- --tls13 --mtls
check clean12 mtls_ok '.mtls.certificate_verify.client.result == "verified"' -- --tls12 --mtls
check mss100-13 mtls_ok "$ok13" -- --tls13 --mtls --mss 100
check mss7-12 mtls_ok '.mtls.certificate_verify.client.result == "verified"' -- --tls12 --mtls --mss 7
check reorder13 mtls_ok "$ok13" -- --tls13 --mtls --mss 200 --reorder 3
check retransmit12 mtls_ok '.mtls.certificate_verify.client.result == "verified"' -- --tls12 --mtls --mss 150 --retransmit 2
check overlap13 mtls_ok "$ok13" -- --tls13 --mtls --mss 120 --overlap 3 --seed 7
check wrap-ipv6 mtls_ok "$ok13" -- --tls13 --mtls --mss 300 --isn-wrap --ipv6
check wrap-raw12 mtls_ok '.mtls.certificate_verify.client.result == "verified"' -- --tls12 --mtls --mss 300 --isn-wrap --raw
check everything mtls_ok "$ok13" -- --tls13 --mtls --mss 90 --reorder 4 --retransmit 3 --overlap 5 --isn-wrap --seed 3
check conflict13 mtls_ok '[.mtls.findings[].code] | index("tcp_overlap_conflict") != null' -- --tls13 --mtls --mss 200 --conflict
check nocert13 client_cert_missing '.mtls.decrypted' -- --tls13 --no-client-cert --mss 500 --reorder 2
check nocert12 client_cert_missing '' -- --tls12 --no-client-cert --mss 64
check pha13 mtls_ok '([.mtls.steps[].kind] | index("post_handshake_auth") != null) and .mtls.certificate_verify.client.result == "verified" and ([.mtls.findings[].code] | index("finished_mismatch") == null)' -- --post-handshake-auth --mss 300
check drop13 incomplete '[.mtls.findings[].code] | index("tcp_gap") != null' -- --tls13 --mtls --mss 200 --drop 4
check snaplen12 incomplete '[.mtls.steps[].kind] | index("tcp_gap") != null' -- --tls12 --mtls --snaplen 200
echo "$pass passed, $fail failed"
[ $fail = 0 ]
