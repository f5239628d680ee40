#!/usr/bin/env bash
# network.community_id agrees with tshark's Community ID dissector (v1, seed 0)
# on IPv4 and IPv6 captures.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
command -v tshark > /dev/null || { echo "tshark not installed: nothing compared"; echo "0 passed, 1 failed"; exit 1; }
pass=0; fail=0
for cap in tls12-mtls-ok tls12-mtls-ok-ipv6 many-connections; do
  ours=$("$bin" -r "samples/pcaps/$cap.pcap" --json 2>/dev/null | jq -r 'select(.type=="connection") | .network.community_id' | sort -u)
  theirs=$(tshark -r "samples/pcaps/$cap.pcap" --enable-protocol communityid -Y tcp -T fields -e communityid 2>/dev/null | sort -u)
  if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then echo "ok   $cap ($(echo "$ours" | wc -l) flows)"; pass=$((pass+1))
  else echo "FAIL $cap"; diff <(echo "$ours") <(echo "$theirs") | head; fail=$((fail+1)); fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
