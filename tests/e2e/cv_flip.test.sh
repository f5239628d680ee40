#!/usr/bin/env bash
# CertificateVerify proof of possession: the real TLS 1.2 mTLS capture verifies;
# the same capture with one signature byte flipped must be reported as
# client_key_mismatch (the signature no longer verifies with alice's key).
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$src/samples/pcaps/tls12-mtls-ok.pcap" "$tmp/flipped.pcap" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
# CertificateVerify: type 15, u24 length, u16 scheme, u16 signature length
hits = [i for i in range(len(d) - 8) if d[i] == 0x0f and d[i+1] == 0 and
        int.from_bytes(d[i+1:i+4], 'big') == int.from_bytes(d[i+6:i+8], 'big') + 4 and
        int.from_bytes(d[i+6:i+8], 'big') in (64, 70, 71, 72, 128, 256, 384, 512)]
assert len(hits) == 1, hits
sig = hits[0] + 8
d[sig + 17] ^= 0x01
open(sys.argv[2], 'wb').write(d)
PY
fail=0
got=$("$bin" -r "$src/samples/pcaps/tls12-mtls-ok.pcap" --ca "$src/samples/pki/root.pem" --json --no-summary | jq -r '[.mtls.verdict, .mtls.certificate_verify.client.result] | join(" ")')
[ "$got" = "mtls_ok verified" ] || { echo "FAIL original: $got"; fail=1; }
got2=$("$bin" -r "$tmp/flipped.pcap" --ca "$src/samples/pki/root.pem" --json --no-summary | jq -r '[.mtls.verdict, .mtls.certificate_verify.client.result] | join(" ")')
[ "$got2" = "client_key_mismatch mismatch" ] || { echo "FAIL flipped: $got2"; fail=1; }
if [ $fail = 0 ]; then echo "original: $got; one signature byte flipped: $got2"; echo "2 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
