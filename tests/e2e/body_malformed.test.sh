#!/usr/bin/env bash
# A handshake message whose body does not parse (here: the ticket length of
# the server's NewSessionTicket in the real TLS 1.2 mTLS capture raised past
# the message) is reported as malformed with its reason, and the rest of the
# connection is still analysed: the server's ChangeCipherSpec and Finished that
# follow still appear and the handshake is still judged (mtls_ok).
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$src/samples/pcaps/tls12-mtls-ok.pcap" "$tmp/bad-nst.pcap" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
# NewSessionTicket (TLS 1.2): type 4, u24 length, lifetime 7200 (00 00 1c 20), u16 ticket length
pat = bytes([0x00, 0x00, 0x1c, 0x20])
hits = [i for i in range(4, len(d) - 6) if d[i - 4] == 0x04 and d[i:i + 4] == pat]
assert len(hits) == 1, hits
d[hits[0] + 4] = 0xff  # ticket length past the end of the message
open(sys.argv[2], 'wb').write(d)
PY
"$bin" -r "$tmp/bad-nst.pcap" --ca "$src/samples/pki/root.pem" --json --no-summary > "$tmp/out.json" 2> "$tmp/err"
got=$(jq -r '.mtls.verdict' "$tmp/out.json")
kinds=$(jq -r '[.mtls.steps[] | "\(.dir) \(.kind)"] | join(",")' "$tmp/out.json")
fail=0
[ "$got" = mtls_ok ] || { echo "FAIL: verdict $got, want mtls_ok"; fail=1; }
jq -e '[.mtls.steps[] | select(.kind == "malformed") | .detail] | any(test("NewSessionTicket|new_session_ticket|message"))' "$tmp/out.json" > /dev/null ||
  { echo "FAIL: no malformed step naming the message"; jq -c '.mtls.steps' "$tmp/out.json"; fail=1; }
for want in "S->C new_session_ticket" "S->C change_cipher_spec" "S->C finished" "C->S application_data"; do
  case ",$kinds," in *",$want,"*) ;; *) echo "FAIL: '$want' missing after the malformed message: $kinds"; fail=1 ;; esac
done
if [ $fail = 0 ]; then echo "malformed NewSessionTicket reported, rest of the connection still read"; echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
