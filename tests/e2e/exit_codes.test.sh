#!/usr/bin/env bash
# Exit codes a CI job acts on: 0/1 from the verdicts or from --expect, 2 for
# usage errors, 3 when filters or --expect left nothing to check.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { # name expected-rc stderr-substring -- args
  local name=$1 want=$2 needle=$3; shift 4
  "$bin" "$@" > "$tmp/out" 2> "$tmp/err"; local rc=$?
  if [ "$rc" != "$want" ]; then echo "FAIL $name: exit $rc, expected $want"; cat "$tmp/err"; fail=$((fail+1)); return; fi
  if [ -n "$needle" ] && ! grep -qF -- "$needle" "$tmp/err"; then
    echo "FAIL $name: stderr lacks '$needle'"; cat "$tmp/err"; fail=$((fail+1)); return; fi
  echo "ok   $name (exit $rc)"; pass=$((pass+1))
}
ok=samples/pcaps/tls12-mtls-ok.pcap; bad=samples/pcaps/tls12-unknown-ca.pcap; ca=samples/pki/root.pem
check plain-ok 0 "" -- -r $ok --ca $ca
check plain-failed 1 "" -- -r $bad --ca $ca
check sni-matches-nothing 3 "no connection was reported" -- -r $ok --ca $ca --sni no-such-name
check only-failures-none 3 "no connection was reported" -- -r $ok --ca $ca --only-failures --json
check expect-met 0 "" -- -r $ok --ca $ca --expect mtls_ok
check expect-failed-verdict-met 0 "" -- -r $bad --ca $ca --expect client_cert_rejected,mtls_ok
check expect-unmet 1 "connection #1: verdict client_cert_rejected is not one of --expect mtls_ok" -- -r $bad --ca $ca --expect mtls_ok --json
check expect-nothing-matched 3 "and --expect" -- -r $ok --ca $ca --sni no-such-name --expect mtls_ok
check expect-unknown-verdict 2 "unknown verdict 'mtls-ok'" -- -r $ok --expect mtls-ok
check expect-empty 2 "--expect needs" -- -r $ok --expect ""
# input and usage errors: exit 2, one message starting with "mtlsdump:"
mkdir -p "$tmp/emptyca"
check empty-ca-dir 2 "mtlsdump: no CA certificates in directory" -- -r $ok --ca "$tmp/emptyca"
check fingerprint-not-hex 2 "mtlsdump: --client-fingerprint needs hex digits" -- -r $ok --client-fingerprint zz
check unknown-option 2 "mtlsdump: unknown option '--bogus'" -- -r $ok --bogus
check missing-argument 2 "mtlsdump: option '-r' needs an argument" -- -r
check missing-file 2 "mtlsdump: cannot read capture '$tmp/none.pcap': No such file or directory" -- -r "$tmp/none.pcap"
[ "$(grep -o "$tmp/none.pcap" "$tmp/err" | wc -l)" = 1 ] && { echo "ok   missing file named once"; pass=$((pass+1)); } ||
  { echo "FAIL missing file named more than once"; fail=$((fail+1)); }
check tcpdump-n 0 "" -- -n -r $ok --ca $ca
check list-interfaces 0 "" -- -D
grep -qx '[0-9]*\.lo.*' "$tmp/out" && { echo "ok   -D lists lo"; pass=$((pass+1)); } || { echo "FAIL -D output"; cat "$tmp/out"; fail=$((fail+1)); }
# the JSON on stdout is still complete when the check fails
"$bin" -r $bad --ca $ca --expect mtls_ok --json > "$tmp/full.json" 2>/dev/null
jq -e 'select(.type=="summary")' "$tmp/full.json" > /dev/null &&
  { echo "ok   expect-unmet-json-complete"; pass=$((pass+1)); } || { echo "FAIL expect-unmet-json-complete"; fail=$((fail+1)); }
# -q: exactly one line per connection on stdout, the totals on stderr
"$bin" -r samples/pcaps/many-connections.pcap --ca $ca -q > "$tmp/q.out" 2> "$tmp/q.err"
conns=$("$bin" -r samples/pcaps/many-connections.pcap --ca $ca --json 2>/dev/null | jq -s 'map(select(.type=="connection")) | length')
if [ "$(wc -l < "$tmp/q.out")" = "$conns" ] && ! grep -q '^Summary' "$tmp/q.out" && grep -q '^Summary' "$tmp/q.err"; then
  echo "ok   quiet: $conns lines on stdout, summary on stderr"; pass=$((pass+1))
else echo "FAIL quiet: $(wc -l < "$tmp/q.out") lines for $conns connections"; fail=$((fail+1)); fi
# filters select connections; the summary still counts the capture
"$bin" -r samples/pcaps/many-connections.pcap --ca $ca --only-failures --json > "$tmp/f.json" 2>/dev/null
if jq -e 'select(.type=="summary") | .capture.connections > .connections and .capture.failed == .failed' "$tmp/f.json" > /dev/null; then
  echo "ok   filtered summary keeps capture-wide counts"; pass=$((pass+1))
else echo "FAIL filtered summary"; tail -1 "$tmp/f.json"; fail=$((fail+1)); fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
