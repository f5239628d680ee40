#!/usr/bin/env bash
# CertificateVerify proof of possession: the real TLS 1.2 mTLS capture verifies;
# the same capture with one signature byte flipped must be reported as
# client_key_mismatch (the signature no longer verifies with alice's key).
# The server's proof: every ServerKeyExchange of the samples verifies, and a
# real OpenSSL handshake (hs2pcap) whose ServerKeyExchange signature was
# altered on its way to the client is reported as server_key_mismatch, with
# the client's decrypt_error alert as evidence.
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
# every signed ServerKeyExchange in the samples verifies (RSA PKCS#1, RSA-PSS)
bad=$(for f in "$src"/samples/pcaps/*.pcap; do "$bin" -r "$f" --json --no-summary 2>/dev/null; done |
      jq -r 'select(.mtls.server_key_exchange != null) | .mtls.server_key_exchange.result' | sort | uniq -c | tr -s ' ')
case "$bad" in " "*" verified") echo "samples: ServerKeyExchange signatures:$bad";;
  *) echo "FAIL samples' ServerKeyExchange signatures: $bad"; fail=1;; esac
hs=${MTLS_BINARY_DIR}/tests/hs2pcap
"$hs" --tls12 --mtls -o "$tmp/ske-ok.pcap" > /dev/null || fail=1
"$hs" --tls12 --mtls --corrupt-ske -o "$tmp/ske-bad.pcap" > /dev/null || fail=1
got3=$("$bin" -r "$tmp/ske-ok.pcap" --json --no-summary | jq -r '[.mtls.verdict, .mtls.server_key_exchange.scheme, .mtls.server_key_exchange.result] | join(" ")')
[ "$got3" = "mtls_ok ecdsa_secp256r1_sha256 verified" ] || { echo "FAIL hs2pcap ECDSA handshake: $got3"; fail=1; }
got4=$("$bin" -r "$tmp/ske-bad.pcap" --json --no-summary | jq -r '[.mtls.verdict, .mtls.server_key_exchange.result, (.mtls.evidence_steps | map(tostring) | join(",")), ([.mtls.steps[] | select(.kind == "alert") | .alert] | join(","))] | join(" ")')
ske_step=$("$bin" -r "$tmp/ske-bad.pcap" --json --no-summary | jq -r '[.mtls.steps | to_entries[] | select(.value.kind == "server_key_exchange") | .key + 1][0]')
case "$got4" in "server_key_mismatch mismatch "*"$ske_step"*" decrypt_error") ;;
  *) echo "FAIL altered ServerKeyExchange: $got4 (ServerKeyExchange is step $ske_step)"; fail=1;; esac
"$bin" -r "$tmp/ske-bad.pcap" > "$tmp/ske-bad.txt"; rc=$?
[ $rc = 1 ] && grep -q "ServerKeyExchange .*(signature DOES NOT verify)" "$tmp/ske-bad.txt" || { echo "FAIL text report / exit $rc"; fail=1; }
if [ $fail = 0 ]; then echo "original: $got; one signature byte flipped: $got2"; echo "altered ServerKeyExchange: $got4"; echo "6 passed, 0 failed"; else echo "failed"; fi
exit $fail
