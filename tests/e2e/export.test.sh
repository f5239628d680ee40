#!/usr/bin/env bash
# -w FILE writes the reported connections as pcapng with the secrets used for
# them in Decryption Secrets Blocks: tshark decrypts the file with no key log
# (as much as it decrypts the original with the key log), only the selected
# connections are in it, and mtlsdump reads its own output back with the
# secrets, by name, from stdin and compressed (DSBs between connections, i.e.
# mid-file). A DSB at the very end serves a file read by name.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { echo "ok   $*"; pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
command -v tshark > /dev/null || { echo "SKIP: tshark not installed (.ci/setup installs it)"; exit 77; }
cap=samples/pcaps/many-connections.pcap; keys=samples/keylogs/many-connections.keys
ts() { tshark -n "$@" 2>/dev/null; }
verdicts() { jq -r '[.mtls.verdict, .mtls.decrypted] | @tsv' | sort | uniq -c; }

# 1. everything, with the key log: tshark sees the same decrypted HTTP and Finished in the copy without one
"$bin" -r "$cap" --keylog "$keys" --json --no-summary -w "$tmp/all.pcapng" > "$tmp/all.json" 2> "$tmp/err"; rc=$?
n_all=$(wc -l < "$tmp/all.json")
[ $rc -le 1 ] && [ "$n_all" -ge 10 ] && ok "-w wrote $n_all connections (exit $rc)" || { bad "-w run: exit $rc"; cat "$tmp/err"; }
for filt in http.request http.response "tls.handshake.type == 20"; do
  want=$(ts -r "$cap" -o "tls.keylog_file:$keys" -Y "$filt" | wc -l)
  got=$(ts -r "$tmp/all.pcapng" -Y "$filt" | wc -l)
  nokeys=$(ts -r "$cap" -Y "$filt" | wc -l)
  if [ "$want" -gt 0 ] && [ "$got" = "$want" ] && [ "$nokeys" -lt "$want" ]; then
    ok "tshark decrypts the -w file alone: $got '$filt' (original: $want with the key log, $nokeys without)"
  else bad "tshark '$filt': $got in the -w file, $want in the original with keys, $nokeys without"; fi
done
# every packet of every TLS connection up to its close is there (the capture has nothing else);
# the last ACK after both FINs comes when the connection is already reported
sel='tcp.len > 0 or tcp.flags.syn == 1 or tcp.flags.fin == 1 or tcp.flags.reset == 1'
want=$(ts -r "$cap" -Y "$sel" | wc -l); got=$(ts -r "$tmp/all.pcapng" -Y "$sel" | wc -l)
[ "$got" = "$want" ] && ok "all $got data/SYN/FIN/RST packets written" || bad "$got data/SYN/FIN/RST packets written, the capture has $want"

# 2. only the selected connections
"$bin" -r "$cap" --keylog "$keys" -q --only-failures -w "$tmp/failed.pcapng" > "$tmp/failed.txt" 2>/dev/null
n_failed=$(wc -l < "$tmp/failed.txt")
convs=$(ts -r "$tmp/failed.pcapng" -q -z conv,tcp | grep -c '<->')
[ "$n_failed" -ge 1 ] && [ "$convs" = "$n_failed" ] && ok "--only-failures -w: $convs connections in the file, $n_failed reported" \
  || bad "--only-failures -w: $convs TCP conversations in the file, $n_failed reported"
"$bin" -r "$cap" --keylog "$keys" -q --sni no-such-name -w "$tmp/none.pcapng" > /dev/null 2>&1
got=$(ts -r "$tmp/none.pcapng" | wc -l)
[ "$got" = 0 ] && ok "nothing selected: a valid pcapng with no packet" || bad "nothing selected: $got packets"

# 3. mtlsdump reads its own file back with the embedded secrets only
verdicts < "$tmp/all.json" > "$tmp/want.v"
grep -q "true" "$tmp/want.v" || bad "the reference run decrypted nothing"
"$bin" -r "$tmp/all.pcapng" --json --no-summary 2>/dev/null | verdicts > "$tmp/got.v"
cmp -s "$tmp/want.v" "$tmp/got.v" && ok "read back by name: same verdicts, decrypted" || { bad "read back by name"; diff "$tmp/want.v" "$tmp/got.v"; }
"$bin" -r - --json --no-summary < "$tmp/all.pcapng" 2>/dev/null | verdicts > "$tmp/got.v"
cmp -s "$tmp/want.v" "$tmp/got.v" && ok "read back from stdin (DSBs mid-stream)" || { bad "read back from stdin"; diff "$tmp/want.v" "$tmp/got.v"; }
cat "$tmp/all.pcapng" | "$bin" -r - --json --no-summary 2>/dev/null | verdicts > "$tmp/got.v"
cmp -s "$tmp/want.v" "$tmp/got.v" && ok "read back from a pipe" || { bad "read back from a pipe"; diff "$tmp/want.v" "$tmp/got.v"; }
for z in gzip xz zstd; do
  $z -q -c "$tmp/all.pcapng" > "$tmp/all.$z"
  "$bin" -r "$tmp/all.$z" --json --no-summary 2>/dev/null | verdicts > "$tmp/got.v"
  cmp -s "$tmp/want.v" "$tmp/got.v" && ok "read back $z-compressed, secrets from the stream" || { bad "read back $z"; diff "$tmp/want.v" "$tmp/got.v"; }
done
# without the DSBs (classic pcap keeps no secrets) nothing is decrypted: the blocks are what decrypts
editcap -F pcap "$tmp/all.pcapng" "$tmp/all.pcap" 2>/dev/null
n=$("$bin" -r "$tmp/all.pcap" --json --no-summary 2>/dev/null | jq -c 'select(.mtls.decrypted)' | grep -c . || true)
[ "$n" = 0 ] && ok "the same packets without the DSBs: nothing decrypted" || bad "$n connections decrypted without any secret"

# 4. a DSB after all the packets: serves a file read by name (scanned whole), not a stream
"$bin" -r "$cap" --json --no-summary -w "$tmp/plain.pcapng" > /dev/null 2>&1
python3 - "$tmp/plain.pcapng" "$keys" "$tmp/late.pcapng" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read(); secrets = open(sys.argv[2], 'rb').read()
pad = (4 - len(secrets) % 4) % 4
total = 12 + 8 + len(secrets) + pad
block = struct.pack('<IIII', 0x0A, total, 0x544c534b, len(secrets)) + secrets + b'\0' * pad + struct.pack('<I', total)
open(sys.argv[3], 'wb').write(data + block)
PY
n=$("$bin" -r "$tmp/late.pcapng" --json --no-summary 2>/dev/null | jq -c 'select(.mtls.decrypted)' | grep -c . || true)
m=$("$bin" -r - --json --no-summary < "$tmp/late.pcapng" 2>/dev/null | jq -c 'select(.mtls.decrypted)' | grep -c . || true)
[ "$n" -ge 20 ] && [ "$m" = 0 ] && ok "a DSB at the end: by name $n connections decrypted; from stdin none (it comes after them)" \
  || bad "DSB at the end: $n decrypted by name, $m from stdin"

# 5. errors
"$bin" -r "$cap" -q -w /nonexistent-dir/x.pcapng > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "^mtlsdump: cannot write '/nonexistent-dir/x.pcapng'" "$tmp/err" && ok "unwritable -w path: exit 2" \
  || { bad "unwritable -w: exit $rc"; cat "$tmp/err"; }
"$bin" -r "$cap" -q -w - > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "^mtlsdump: -w needs a file name" "$tmp/err" && ok "-w - is a usage error" || { bad "-w -: exit $rc"; cat "$tmp/err"; }
if [ -w /dev/full ]; then
  "$bin" -r "$cap" -q -w /dev/full > /dev/null 2> "$tmp/err"; rc=$?
  [ $rc = 2 ] && grep -q "^mtlsdump: -w: cannot write '/dev/full'" "$tmp/err" && ok "a full disk: exit 2, named" || { bad "/dev/full: exit $rc"; cat "$tmp/err"; }
fi
echo "export: $pass passed, $fail failed"
[ $fail = 0 ]
