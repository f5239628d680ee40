#!/usr/bin/env bash
# Compressed captures are read by content (gzip, xz, zstd magic numbers), from
# a file whatever its name and from stdin, and give exactly the report of the
# plain capture; a damaged or truncated one ends with exit 2 after reporting
# what was read.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
cap=samples/pcaps/many-connections.pcap
opts=(--ca samples/pki/root.pem --keylog samples/keylogs/many-connections.keys --json --no-summary)
"$bin" -r "$cap" "${opts[@]}" > "$tmp/plain.json" 2>/dev/null
want=$(wc -l < "$tmp/plain.json")
[ "$want" -ge 10 ] || { echo "FAIL: the plain capture gave $want connections"; exit 1; }
for z in "gzip -c" "xz -c" "zstd -q -c"; do
  name=${z%% *}
  $z "$cap" > "$tmp/capture.$name.bin"   # a name that says nothing about the format
  for how in file stdin; do
    if [ $how = file ]; then "$bin" -r "$tmp/capture.$name.bin" "${opts[@]}" > "$tmp/got.json" 2> "$tmp/err"
    else "$bin" -r - "${opts[@]}" < "$tmp/capture.$name.bin" > "$tmp/got.json" 2> "$tmp/err"; fi
    if cmp -s "$tmp/plain.json" "$tmp/got.json"; then echo "ok   $name from $how ($want connections)"; pass=$((pass+1))
    else echo "FAIL $name from $how: report differs"; cat "$tmp/err"; diff <(jq -c .mtls.verdict "$tmp/plain.json") <(jq -c .mtls.verdict "$tmp/got.json") | head; fail=$((fail+1)); fi
  done
done
# a pipe that is not seekable, plain pcap
cat "$cap" | "$bin" -r - "${opts[@]}" > "$tmp/got.json" 2>/dev/null
cmp -s "$tmp/plain.json" "$tmp/got.json" && { echo "ok   plain from a pipe"; pass=$((pass+1)); } || { echo "FAIL plain from a pipe"; fail=$((fail+1)); }
# truncated gzip: what was read is reported, then exit 2 with a message
size=$(stat -c %s "$tmp/capture.gzip.bin")
head -c $((size / 2)) "$tmp/capture.gzip.bin" > "$tmp/cut.gz"
"$bin" -r "$tmp/cut.gz" "${opts[@]}" > "$tmp/cut.json" 2> "$tmp/cut.err"; rc=$?
n=$(wc -l < "$tmp/cut.json")
if [ $rc = 2 ] && [ "$n" -ge 1 ] && grep -q '^mtlsdump: ' "$tmp/cut.err" && jq -e . "$tmp/cut.json" > /dev/null; then
  echo "ok   truncated gzip: exit 2 after $n whole connections"; pass=$((pass+1))
else echo "FAIL truncated gzip: exit $rc, $n lines"; cat "$tmp/cut.err"; fail=$((fail+1)); fi
# garbage behind a gzip magic number
printf '\x1f\x8bnot really gzip at all, just bytes' > "$tmp/bad.gz"
"$bin" -r "$tmp/bad.gz" > /dev/null 2> "$tmp/bad.err"; rc=$?
if [ $rc = 2 ] && grep -q "^mtlsdump: cannot read capture '$tmp/bad.gz'" "$tmp/bad.err"; then echo "ok   corrupt gzip: exit 2"; pass=$((pass+1))
else echo "FAIL corrupt gzip: exit $rc"; cat "$tmp/bad.err"; fail=$((fail+1)); fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
