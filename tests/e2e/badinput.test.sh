#!/usr/bin/env bash
# Bad input: each gives a clear message and a defined exit code, never a crash,
# and whatever was parsed before the fault is still reported.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
expect() { # name want_rc stderr_regex file [args...]
  local name=$1 want=$2 re=$3 f=$4; shift 4
  timeout 60 "$bin" -r "$f" "$@" > "$tmp/out" 2> "$tmp/err"; local rc=$?
  if [ "$rc" != "$want" ]; then echo "FAIL $name: exit $rc, want $want"; cat "$tmp/err"; fail=$((fail+1)); return 1; fi
  if ! grep -qE "$re" "$tmp/err"; then echo "FAIL $name: stderr does not match /$re/:"; cat "$tmp/err"; fail=$((fail+1)); return 1; fi
  if grep -q 'Sanitizer\|runtime error' "$tmp/err"; then echo "FAIL $name: sanitizer report"; fail=$((fail+1)); return 1; fi
  echo "ok   $name (exit $rc: $(head -c 150 "$tmp/err" | tr '\n' ' '))"; pass=$((pass+1))
}
ok=$src/samples/pcaps/tls12-mtls-ok.pcap
: > "$tmp/empty.pcap"
expect empty-file 2 'cannot read capture' "$tmp/empty.pcap"
head -c 4096 /dev/urandom > "$tmp/garbage.pcap"; printf 'not a pcap' | dd of="$tmp/garbage.pcap" conv=notrunc 2>/dev/null
expect garbage-file 2 'cannot read capture' "$tmp/garbage.pcap"
expect missing-file 2 'cannot read capture' "$tmp/does-not-exist.pcap"
# truncated in the middle of the client's second flight: the connection is
# still reported (incomplete or better) and the read error is exit code 2
size=$(stat -c %s "$ok"); head -c $((size * 2 / 3)) "$ok" > "$tmp/trunc.pcap"
if expect truncated-mid-packet 2 'truncated|error reading' "$tmp/trunc.pcap" --json; then
  if grep -q '"type":"connection"' "$tmp/out"; then echo "ok   truncated-mid-packet: connection before the fault reported"; pass=$((pass+1));
  else echo "FAIL truncated-mid-packet: nothing reported before the fault"; fail=$((fail+1)); fi
fi
# unsupported link type: same file with the link type patched to 147 (USER0)
cp "$ok" "$tmp/user0.pcap"; printf '\x93\x00\x00\x00' | dd of="$tmp/user0.pcap" bs=1 seek=20 conv=notrunc 2>/dev/null
expect unsupported-link 2 'unsupported link-layer type.*USER0|unsupported link-layer type.*147' "$tmp/user0.pcap"
# caplen > len in the first record (libpcap accepts it; we must not read past caplen)
cp "$ok" "$tmp/caplen.pcap"; printf '\x10\x00\x00\x00' | dd of="$tmp/caplen.pcap" bs=1 seek=36 conv=notrunc 2>/dev/null
timeout 60 "$bin" -r "$tmp/caplen.pcap" --ca "$src/samples/pki/root.pem" --json > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -le 2 ] && ! grep -q 'Sanitizer\|runtime error' "$tmp/err" && grep -q '"verdict":"mtls_ok"' "$tmp/out"; then
  echo "ok   caplen-gt-len (exit $rc, connection still mtls_ok)"; pass=$((pass+1))
else echo "FAIL caplen-gt-len: exit $rc"; cat "$tmp/err"; fail=$((fail+1)); fi
# a truncated key log: the broken line is counted and reported, never fatal
head -c 250 "$src/samples/keylogs/tls13-mtls-ok.keys" > "$tmp/trunc.keys"
"$bin" -r "$src/samples/pcaps/tls13-mtls-ok.pcap" --keylog "$tmp/trunc.keys" --json --no-summary > "$tmp/out" 2> "$tmp/err"; rc=$?
# (the server's flight decrypts, the client's does not: its certificate is unknown, not missing)
if [ $rc -le 1 ] && grep -q 'malformed line' "$tmp/err" && grep -q '"verdict":"encrypted"' "$tmp/out"; then
  echo "ok   truncated-keylog (exit $rc, $(grep -o 'malformed line[^(]*' "$tmp/err"))"; pass=$((pass+1))
else echo "FAIL truncated-keylog: exit $rc"; cat "$tmp/err"; fail=$((fail+1)); fi
"$bin" -r "$ok" --keylog "$tmp/does-not-exist.keys" > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q 'cannot read key log' "$tmp/err"; then echo "ok   missing-keylog (exit 2)"; pass=$((pass+1)); else echo "FAIL missing-keylog: $rc"; fail=$((fail+1)); fi
# usage errors
"$bin" > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q 'nothing to read' "$tmp/err"; then echo "ok   no-input (exit 2)"; pass=$((pass+1)); else echo "FAIL no-input: $rc"; fail=$((fail+1)); fi
"$bin" -r "$ok" --verify-time yesterday > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q 'verify-time' "$tmp/err"; then echo "ok   bad-verify-time (exit 2)"; pass=$((pass+1)); else echo "FAIL bad-verify-time: $rc"; fail=$((fail+1)); fi
"$bin" -r "$ok" 'tcp port' > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q 'invalid filter' "$tmp/err"; then echo "ok   bad-bpf (exit 2)"; pass=$((pass+1)); else echo "FAIL bad-bpf: $rc"; fail=$((fail+1)); fi
"$bin" -r "$ok" --format xml > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q 'format needs text, json, csv, tsv or html' "$tmp/err"; then echo "ok   bad-format (exit 2)"; pass=$((pass+1)); else echo "FAIL bad-format: $rc"; fail=$((fail+1)); fi
"$bin" -r "$ok" --format json -q > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q 'needs the text format' "$tmp/err"; then echo "ok   format-json-with-q (exit 2)"; pass=$((pass+1)); else echo "FAIL format-json-with-q: $rc"; fail=$((fail+1)); fi
"$bin" -r "$ok" --format csv -q > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q 'needs the text format' "$tmp/err" && [ ! -s "$tmp/out" ]; then echo "ok   format-csv-with-q (exit 2)"; pass=$((pass+1)); else echo "FAIL format-csv-with-q: $rc"; fail=$((fail+1)); fi
"$bin" -r "$ok" --format html -q > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q 'needs the text format.*html' "$tmp/err" && [ ! -s "$tmp/out" ]; then echo "ok   format-html-with-q (exit 2)"; pass=$((pass+1)); else echo "FAIL format-html-with-q: $rc"; fail=$((fail+1)); fi
# --format json is --json; --format text is the default
"$bin" -r "$ok" --format json > "$tmp/f1" 2>/dev/null; "$bin" -r "$ok" --json > "$tmp/f2" 2>/dev/null
"$bin" -r "$ok" --format text --color never > "$tmp/f3" 2>/dev/null; "$bin" -r "$ok" --color never > "$tmp/f4" 2>/dev/null
if cmp -s "$tmp/f1" "$tmp/f2" && cmp -s "$tmp/f3" "$tmp/f4" && grep -q '"type":"connection"' "$tmp/f1" && grep -q '^Verdict: ' "$tmp/f3"; then
  echo "ok   --format json|text = --json | default"; pass=$((pass+1)); else echo "FAIL --format aliases differ"; fail=$((fail+1)); fi
# stdin and -c
"$bin" -r - --json --no-summary -c 1 < "$src/samples/pcaps/many-connections.pcap" > "$tmp/out" 2>"$tmp/err"; rc=$?
n=$(grep -c '"type":"connection"' "$tmp/out")
if [ "$n" = 1 ] && [ $rc -le 1 ]; then echo "ok   stdin -c 1 (1 connection)"; pass=$((pass+1)); else echo "FAIL stdin -c 1: $n connections, exit $rc"; fail=$((fail+1)); fi
# BPF filter selects one server port of many
"$bin" -r "$src/samples/pcaps/many-connections.pcap" --json --no-summary 'tcp port 44362' > "$tmp/out" 2>"$tmp/err"
ports=$(jq -r '.destination.port' "$tmp/out" | sort -u | tr '\n' ' ')
if [ "$ports" = "44362 " ]; then echo "ok   bpf filter (only port 44362)"; pass=$((pass+1)); else echo "FAIL bpf filter: ports $ports"; fail=$((fail+1)); fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
