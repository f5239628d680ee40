#!/usr/bin/env bash
# The same handshake gives the same verdict, `failed` flag, evidence and exit
# status however its bytes were cut into segments (and with segments
# reordered), with and without keys: real TLS from tests/tools/hs2pcap, cut
# at several MSS sizes. Without keys in TLS 1.3 the verdict rests on record
# sizes, which must not depend on how records shared segments or flights.
set -uo pipefail
B=${MTLS_BINARY_DIR:?}; bin=$B/mtlsdump; gen=$B/tests/hs2pcap
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
scenario() { # name expected-nokeys-verdict -- hs2pcap args
  local name=$1 want=$2; shift 3
  local ref="" refk=""
  for cut in "--mss 1400" "--mss 100" "--mss 7" "--mss 40 --reorder 3"; do
    # shellcheck disable=SC2086
    "$gen" "$@" $cut --seed 3 --keylog "$tmp/$name.keys" -o "$tmp/$name.pcap" > /dev/null 2>&1 ||
      { echo "FAIL $name ($cut): hs2pcap failed"; fail=$((fail+1)); return; }
    "$bin" -r "$tmp/$name.pcap" --json --no-summary > "$tmp/n.json" 2>/dev/null; local rc=$?
    "$bin" -r "$tmp/$name.pcap" --keylog "$tmp/$name.keys" --json --no-summary > "$tmp/k.json" 2>/dev/null; local rck=$?
    local got gotk
    got="$(jq -c '[.mtls.verdict, .mtls.failed, .mtls.evidence]' "$tmp/n.json") rc=$rc"
    gotk="$(jq -c '[.mtls.verdict, .mtls.failed, .mtls.evidence]' "$tmp/k.json") rc=$rck"
    if [ -z "$ref" ]; then
      ref=$got; refk=$gotk
      case "$ref" in "[\"$want\","*) ;; *) echo "FAIL $name: without keys $ref, expected $want"; fail=$((fail+1)); return ;; esac
    elif [ "$got" != "$ref" ] || [ "$gotk" != "$refk" ]; then
      echo "FAIL $name ($cut): $got / $gotk differs from $ref / $refk"; fail=$((fail+1)); return
    fi
  done
  echo "ok   $name: $ref; with keys $refk"; pass=$((pass+1))
}
scenario tls13-mtls encrypted -- --tls13 --mtls
scenario tls13-no-client-cert client_cert_missing -- --tls13 --no-client-cert
scenario tls12-mtls mtls_ok -- --tls12 --mtls
scenario tls12-no-client-cert client_cert_missing -- --tls12 --no-client-cert
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
