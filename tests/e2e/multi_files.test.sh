#!/usr/bin/env bash
# Several capture files read as ONE capture, merged by packet time as
# mergecap merges them. The inputs are made here from the samples with
# editcap (a real capture split into parts, as tcpdump -G / -C rotation
# leaves it) and mergecap (a pcapng whose interfaces have different link
# types), so no binary is checked in:
# - the parts named in reverse order, as a directory and as a -V list give
#   exactly the report of the unsplit capture (connections that cross a
#   part boundary are one connection with the same verdict; connection ids,
#   the frame numbers, run on across the files);
# - the summary (JSON and text) and --stats name the files and their packets;
# - an Ethernet and a Linux SLL2 capture, merged into one pcapng or given as
#   two files, are both decoded, ids equal to tshark's frame numbers, and -w
#   writes them back with one interface per link type;
# - gzip and zstd parts mix with plain ones;
# - a missing file, a truncated part, an empty directory and a second path
#   given as a filter end with exit 2 and a message naming the file, a
#   truncated part after reporting what was read.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
for tool in editcap mergecap tshark jq gzip zstd; do
  command -v $tool > /dev/null || { echo "skipped: needs $tool"; exit 0; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass+1)); }
bad() { echo "FAIL $1"; fail=$((fail+1)); }
cap=samples/pcaps/many-connections.pcap
# --sort: a directory or list runs --threads workers by default; sorted, the
# output is the same for any thread count
opts=(--ca samples/pki/root.pem --keylog samples/keylogs/many-connections.keys --json --sort)
"$bin" -r "$cap" "${opts[@]}" --no-summary > "$tmp/whole.json" 2>/dev/null; want_rc=$?
want=$(wc -l < "$tmp/whole.json")
[ "$want" -ge 20 ] || { echo "FAIL: the whole capture gave $want connections"; exit 1; }

# 505 packets in parts of 120: 5 files, boundaries inside connections
mkdir "$tmp/parts"
editcap -c 120 "$cap" "$tmp/parts/cap.pcap" > /dev/null
mapfile -t parts < <(ls "$tmp/parts"/*)
[ ${#parts[@]} = 5 ] || { echo "FAIL: editcap made ${#parts[@]} parts"; exit 1; }
# a part alone cuts connections: the split is a real test of the merge
"$bin" -r "${parts[1]}" "${opts[@]}" --no-summary > "$tmp/one.json" 2>/dev/null
cut_short=$(jq -r 'select(.mtls.verdict == "incomplete") | .mtls.connection_id' "$tmp/one.json" | wc -l)
if [ "$cut_short" -ge 1 ]; then ok "a part alone has $cut_short connections cut by its boundaries"
else bad "the second part alone has no connection cut short: the split tests nothing"; fi

# same_as NAME RC: stdout ($tmp/got.json) equals the whole capture's report
same_as() {
  if cmp -s "$tmp/whole.json" "$tmp/got.json" && [ "$2" = "$want_rc" ]; then ok "$1: the report of the unsplit capture ($want connections, exit $2)"
  else bad "$1: exit $2 (want $want_rc)"; diff <(jq -c '[.mtls.connection_id, .mtls.verdict]' "$tmp/whole.json") \
    <(jq -c '[.mtls.connection_id, .mtls.verdict]' "$tmp/got.json") | head -8; cat "$tmp/err"; fi
}
rev=(); for ((i = ${#parts[@]} - 1; i >= 0; i--)); do rev+=(-r "${parts[i]}"); done
"$bin" "${rev[@]}" "${opts[@]}" --no-summary > "$tmp/got.json" 2> "$tmp/err"; same_as "five -r in reverse order" $?

mkdir "$tmp/dir"; cp "${parts[@]}" "$tmp/dir/"
echo "not a capture" > "$tmp/dir/README.txt"
"$bin" -r "$tmp/dir" "${opts[@]}" --no-summary > "$tmp/got.json" 2> "$tmp/err"; same_as "-r DIR" $?
grep -q "skipping '$tmp/dir/README.txt': not a capture file" "$tmp/err" && ok "-r DIR: a file that is not a capture is skipped with a note" \
  || { bad "-r DIR: no note for README.txt"; cat "$tmp/err"; }

printf '%s\n' "${parts[3]}" "${parts[0]}" "" "${parts[4]}" "${parts[2]}" "${parts[1]}" > "$tmp/list"
"$bin" -V "$tmp/list" "${opts[@]}" --no-summary > "$tmp/got.json" 2> "$tmp/err"; same_as "-V LIST (shuffled, a blank line)" $?

# gzip and zstd parts beside plain ones
gzip -c "${parts[1]}" > "$tmp/p1.gz"; zstd -q -c "${parts[3]}" > "$tmp/p3.zst"
"$bin" -r "${parts[4]}" -r "$tmp/p3.zst" -r "${parts[2]}" -r "$tmp/p1.gz" -r "${parts[0]}" "${opts[@]}" --no-summary \
  > "$tmp/got.json" 2> "$tmp/err"; same_as "plain, gzip and zstd parts" $?
# one part from stdin
"$bin" -r "${parts[0]}" -r - -r "${parts[2]}" -r "${parts[3]}" -r "${parts[4]}" "${opts[@]}" --no-summary \
  < "${parts[1]}" > "$tmp/got.json" 2> "$tmp/err"; same_as "one part from stdin" $?

# the summary names the files and their packets; --stats too
"$bin" -r "$tmp/dir" "${opts[@]}" --stats > "$tmp/sum.json" 2> "$tmp/stats"
files=$(jq -r 'select(.type == "summary") | .capture.files | length' "$tmp/sum.json")
sum=$(jq -r 'select(.type == "summary") | [.capture.files[].packets] | add' "$tmp/sum.json")
total=$(jq -r 'select(.type == "summary") | .capture.packets' "$tmp/sum.json")
p0=$(jq -r 'select(.type == "summary") | .capture.files[0] | "\(.path) \(.packets)"' "$tmp/sum.json")
if [ "$files" = 5 ] && [ "$sum" = 505 ] && [ "$total" = 505 ] && [ "$p0" = "$tmp/dir/$(basename "${parts[0]}") 120" ]; then
  ok "JSON summary: 5 files, packets per file add up to 505"
else bad "JSON summary: files=$files sum=$sum total=$total first='$p0'"; fi
python3 tests/e2e/validate_json.py --schema docs/json-schema.json "$tmp/sum.json" > /dev/null 2> "$tmp/schema.err" \
  && ok "the summary with its files is valid against docs/json-schema.json" || { bad "schema"; cat "$tmp/schema.err"; }
[ "$(grep -c '^  file  ' "$tmp/stats")" = 5 ] && grep -q "$(basename "${parts[4]}"): 25 packets" "$tmp/stats" \
  && ok "--stats: one line per file with its packets" || { bad "--stats"; cat "$tmp/stats"; }
"$bin" "${rev[@]}" --ca samples/pki/root.pem > "$tmp/sum.txt" 2>/dev/null
grep -q '^Files: 5 read as one capture' "$tmp/sum.txt" && grep -qF "  ${parts[4]}: 25 packets" "$tmp/sum.txt" \
  && ok "text summary: the files and their packets" || { bad "text summary"; grep -A6 '^Files' "$tmp/sum.txt"; }
# one file named alone: no file list (the user knows which)
n=$(jq -r 'select(.type == "summary") | .capture | has("files")' <("$bin" -r "$cap" --json 2>/dev/null))
[ "$n" = false ] && ok "one -r FILE: the summary lists no file" || bad "one -r FILE: files listed ($n)"

# mixed link types: Ethernet and Linux SLL2 (tcpdump -i any), in one pcapng
eth=samples/pcaps/tls12-mtls-ok.pcap; sll=samples/pcaps/tls12-mtls-ok-linux-sll2.pcap
mergecap -w "$tmp/mixed.pcapng" "$eth" "$sll"
links=$(tshark -r "$tmp/mixed.pcapng" -T fields -e frame.interface_id -e frame.encap_type 2>/dev/null | sort -u | wc -l)
[ "$links" = 2 ] || bad "mergecap did not write two interfaces ($links)"
tshark_ids=$(tshark -r "$tmp/mixed.pcapng" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e frame.number 2>/dev/null | sort -n | tr '\n' ' ')
mixed_opts=(--ca samples/pki/root.pem --keylog samples/keylogs/tls12-mtls-ok.keys --json --no-summary)
"$bin" -r "$tmp/mixed.pcapng" "${mixed_opts[@]}" > "$tmp/mixed.json" 2> "$tmp/err"; rc=$?
got=$(jq -r '"\(.mtls.connection_id):\(.mtls.verdict)"' "$tmp/mixed.json" | sort -n | tr '\n' ' ')
ids=$(jq -r '.mtls.connection_id' "$tmp/mixed.json" | sort -n | tr '\n' ' ')
if [ $rc = 0 ] && [ "$(echo $got | wc -w)" = 2 ] && ! echo "$got" | grep -qv ':mtls_ok ' && [ "$ids" = "$tshark_ids" ]; then
  ok "mixed-link pcapng (Ethernet + SLL2): $got= tshark's frames $tshark_ids"
else bad "mixed-link pcapng: exit $rc, got '$got', tshark's SYN frames '$tshark_ids'"; cat "$tmp/err"; fi
"$bin" -r "$sll" -r "$eth" "${mixed_opts[@]}" > "$tmp/two.json" 2> "$tmp/err"; rc=$?
if [ $rc = 0 ] && cmp -s "$tmp/mixed.json" "$tmp/two.json"; then ok "an Ethernet and an SLL2 file: the report of their mergecap merge"
else bad "an Ethernet and an SLL2 file: exit $rc"; diff "$tmp/mixed.json" "$tmp/two.json" | head -4; cat "$tmp/err"; fi
gzip -c "$tmp/mixed.pcapng" | "$bin" -r - "${mixed_opts[@]}" > "$tmp/gz.json" 2> "$tmp/err"
cmp -s "$tmp/mixed.json" "$tmp/gz.json" && ok "the mixed-link pcapng gzipped, from a pipe: the same report" || { bad "gzipped mixed-link pcapng from a pipe"; cat "$tmp/err"; }
for th in 2 3; do # the reading thread decodes each packet with its link type, the workers get segments
  "$bin" -r "$tmp/mixed.pcapng" "${mixed_opts[@]}" --sort --threads $th > "$tmp/th.json" 2> "$tmp/err"
  cmp -s "$tmp/mixed.json" "$tmp/th.json" && ok "mixed-link pcapng with --threads $th: the same report" || { bad "mixed links, --threads $th"; cat "$tmp/err"; }
done
# -w of a mixed run: one interface per link type, read back the same
"$bin" -r "$tmp/mixed.pcapng" "${mixed_opts[@]}" -w "$tmp/out.pcapng" > /dev/null 2> "$tmp/err"
wl=$(tshark -r "$tmp/out.pcapng" -T fields -e frame.encap_type 2>/dev/null | sort -u | wc -l)
back=$("$bin" -r "$tmp/out.pcapng" --ca samples/pki/root.pem --json --no-summary 2>/dev/null | jq -r .mtls.verdict | sort | tr '\n' ' ')
if [ "$wl" = 2 ] && [ "$back" = "mtls_ok mtls_ok " ]; then ok "-w of a mixed-link run: two link types in the file, read back as 2 x mtls_ok"
else bad "-w of a mixed-link run: $wl link types, read back '$back'"; cat "$tmp/err"; fi
# a filter applies to every link type (the Ethernet capture's server port is 44301, the SLL2 one's 44325)
n=$("$bin" -r "$tmp/mixed.pcapng" "${mixed_opts[@]}" 'tcp port 44301 or tcp port 44325' 2>/dev/null | wc -l)
m=$("$bin" -r "$tmp/mixed.pcapng" "${mixed_opts[@]}" 'tcp port 44325' 2>/dev/null | jq -r '"\(.destination.port) \(.mtls.verdict)"')
[ "$n" = 2 ] && [ "$m" = "44325 mtls_ok" ] && ok "a BPF filter on a mixed-link pcapng (both ports: 2 connections; the SLL2 one's port: that one)" || bad "BPF on mixed links: $n / '$m'"

# bad files in the set
"$bin" -r "${parts[0]}" -r "$tmp/none.pcap" "${opts[@]}" > "$tmp/got.json" 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q "^mtlsdump: cannot read capture '$tmp/none.pcap': No such file" "$tmp/err" && [ ! -s "$tmp/got.json" ]; then
  ok "a missing file in the set: exit 2 before anything is read"
else bad "a missing file: exit $rc"; cat "$tmp/err"; fi
size=$(stat -c %s "${parts[2]}"); head -c $((size / 2)) "${parts[2]}" > "$tmp/cut.pcap"
"$bin" -r "${parts[0]}" -r "${parts[1]}" -r "$tmp/cut.pcap" -r "${parts[3]}" "${opts[@]}" --no-summary > "$tmp/got.json" 2> "$tmp/err"; rc=$?
n=$(wc -l < "$tmp/got.json")
if [ $rc = 2 ] && grep -q "^mtlsdump: error reading packets of '$tmp/cut.pcap': .*truncated" "$tmp/err" && [ "$n" -ge 10 ] \
   && jq -e . "$tmp/got.json" > /dev/null; then
  ok "a truncated part: exit 2 naming it, after $n whole connections"
else bad "a truncated part: exit $rc, $n lines"; cat "$tmp/err"; fi
mkdir "$tmp/empty"; echo text > "$tmp/empty/notes.txt"
"$bin" -r "$tmp/empty" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "no capture file in directory '$tmp/empty'" "$tmp/err" && ok "a directory without captures: exit 2" \
  || { bad "empty directory: exit $rc"; cat "$tmp/err"; }
"$bin" -r "${parts[0]}" "${parts[1]}" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "is a file: to read several files give -r before each" "$tmp/err" && ok "a second path after -r (taken as a filter): exit 2 with the hint" \
  || { bad "second path as filter: exit $rc"; cat "$tmp/err"; }
"$bin" -r - -r - < "${parts[0]}" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "can be read only once" "$tmp/err" && ok "stdin named twice: exit 2" || { bad "stdin twice: exit $rc"; cat "$tmp/err"; }
"$bin" -V "$tmp/no-list" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "cannot read the list of captures '$tmp/no-list' (-V)" "$tmp/err" && ok "a missing -V list: exit 2" || { bad "missing -V list: exit $rc"; cat "$tmp/err"; }

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
