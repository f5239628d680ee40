#!/usr/bin/env bash
# Compressed captures are read by content (gzip, xz, zstd, bzip2, lz4 magic
# numbers), from a file whatever its name and from stdin, and give exactly the
# report and the exit status of the plain capture; a damaged or truncated one
# ends with exit 2 after reporting what was read.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
cap=samples/pcaps/many-connections.pcap
opts=(--ca samples/pki/root.pem --keylog samples/keylogs/many-connections.keys --json --no-summary)
"$bin" -r "$cap" "${opts[@]}" > "$tmp/plain.json" 2>/dev/null; want_rc=$?
want=$(wc -l < "$tmp/plain.json")
case $want_rc in 0|1) ;; *) echo "FAIL: the plain capture exits $want_rc"; exit 1 ;; esac
[ "$want" -ge 10 ] || { echo "FAIL: the plain capture gave $want connections"; exit 1; }
for z in "gzip -c" "xz -c" "zstd -q -c" "bzip2 -c" "lz4 -q -c"; do
  name=${z%% *}
  $z "$cap" > "$tmp/capture.$name.bin"   # a name that says nothing about the format
  for how in file stdin; do
    if [ $how = file ]; then "$bin" -r "$tmp/capture.$name.bin" "${opts[@]}" > "$tmp/got.json" 2> "$tmp/err"; rc=$?
    else "$bin" -r - "${opts[@]}" < "$tmp/capture.$name.bin" > "$tmp/got.json" 2> "$tmp/err"; rc=$?; fi
    if ! cmp -s "$tmp/plain.json" "$tmp/got.json"; then
      echo "FAIL $name from $how: report differs"; cat "$tmp/err"; diff <(jq -c .mtls.verdict "$tmp/plain.json") <(jq -c .mtls.verdict "$tmp/got.json") | head; fail=$((fail+1))
    elif [ $rc != $want_rc ] || [ -s "$tmp/err" ]; then
      echo "FAIL $name from $how: exit $rc (plain: $want_rc)"; cat "$tmp/err"; fail=$((fail+1))
    else echo "ok   $name from $how ($want connections, exit $rc)"; pass=$((pass+1)); fi
  done
done
# a pipe that is not seekable, plain pcap
cat "$cap" | "$bin" -r - "${opts[@]}" > "$tmp/got.json" 2>/dev/null; rc=$?
cmp -s "$tmp/plain.json" "$tmp/got.json" && [ $rc = $want_rc ] && { echo "ok   plain from a pipe"; pass=$((pass+1)); } || { echo "FAIL plain from a pipe (exit $rc)"; fail=$((fail+1)); }
# several frames / streams one after another (zstd, bzip2, lz4 and gzip
# concatenate): split the capture at a byte and compress both halves apart
size=$(stat -c %s "$cap")
for z in "gzip -c" "zstd -q -c" "bzip2 -c" "lz4 -q -c" "xz -c"; do
  name=${z%% *}
  { head -c $((size / 3)) "$cap" | $z; tail -c +$((size / 3 + 1)) "$cap" | $z; } > "$tmp/two.$name"
  "$bin" -r "$tmp/two.$name" "${opts[@]}" > "$tmp/got.json" 2> "$tmp/err"; rc=$?
  if cmp -s "$tmp/plain.json" "$tmp/got.json" && [ $rc = $want_rc ]; then echo "ok   $name, two concatenated streams"; pass=$((pass+1))
  else echo "FAIL $name, two concatenated streams: exit $rc"; cat "$tmp/err"; fail=$((fail+1)); fi
done
# truncated zstd, bzip2, lz4, xz (small blocks, so that the first part
# decompresses alone): what was read is reported, then exit 2
for z in "zstd -q -c --zstd=wlog=12" "bzip2 -1 -c" "lz4 -B4 -q -c" "xz -c"; do
  name=${z%% *}
  $z "$cap" > "$tmp/small-blocks.$name" 2>/dev/null
  zsize=$(stat -c %s "$tmp/small-blocks.$name")
  head -c $((zsize * 2 / 3)) "$tmp/small-blocks.$name" > "$tmp/cut.$name"
  "$bin" -r "$tmp/cut.$name" "${opts[@]}" > "$tmp/cut.json" 2> "$tmp/cut.err"; rc=$?
  n=$(wc -l < "$tmp/cut.json")
  if [ $rc = 2 ] && [ "$n" -ge 1 ] && [ "$n" -lt "$want" ] && grep -q '^mtlsdump: ' "$tmp/cut.err"; then
    echo "ok   truncated $name: exit 2 after $n connections"; pass=$((pass+1))
  else echo "FAIL truncated $name: exit $rc, $n lines"; cat "$tmp/cut.err"; fail=$((fail+1)); fi
done
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
printf 'BZh9not really bzip2 at all, just bytes' > "$tmp/bad.bz2"
printf '\x04\x22\x4d\x18not really lz4 at all, just bytes' > "$tmp/bad.lz4"
for b in gz bz2 lz4; do
  "$bin" -r "$tmp/bad.$b" > /dev/null 2> "$tmp/bad.err"; rc=$?
  if [ $rc = 2 ] && grep -q "^mtlsdump: cannot read capture '$tmp/bad.$b'" "$tmp/bad.err"; then echo "ok   corrupt $b: exit 2"; pass=$((pass+1))
  else echo "FAIL corrupt $b: exit $rc"; cat "$tmp/bad.err"; fail=$((fail+1)); fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
