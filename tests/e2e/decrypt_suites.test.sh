#!/usr/bin/env bash
# Decryption of the TLS 1.2 cipher-suite families (PSK, DHE_PSK, ECDHE_PSK,
# RSA_PSK; AES-CCM and CCM_8, ChaCha20-Poly1305, ARIA-GCM, Camellia-CBC,
# NULL, 3DES; a SHA-256 MAC suite in TLS 1.0) against tshark's reading of the
# same captures with the same key logs: the captures of
# samples/peers/make-tls12-suites.sh.
#
# With its key log, for each capture whose suite mtlsdump supports:
#   - mtls.decrypted is true and the connection has the expected suite;
#   - every Finished tshark decrypts, mtlsdump decrypts too (as many Finished
#     steps, each "verify_data matches the key log"); where tshark decrypts
#     none (tshark 4.0 has no ARIA) both of mtlsdump's must still verify;
#   - every alert record tshark sees, mtlsdump shows decrypted, in the same
#     direction and order, and with the same description where tshark decrypts it;
#   - the client's HTTP request line is read.
# Without the key log nothing is decrypted; with another capture's key log
# the note is "no keys for this session in the key log".
# The Camellia-GCM capture (no OpenSSL implementation, so not supported) must
# say "cipher suite ... is not supported for decryption", with its own key
# log (which has the secrets) and with a foreign one, while tshark does
# decrypt it: the known gap, printed as such.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
command -v tshark > /dev/null || { echo "SKIP: tshark not installed (.ci/setup installs it)"; exit 77; }

declare -A SUITE=(
  [tls12-psk-aes128-ccm]=TLS_PSK_WITH_AES_128_CCM
  [tls12-psk-aes256-gcm-sha384]=TLS_PSK_WITH_AES_256_GCM_SHA384
  [tls12-ecdhe-psk-chacha20]=TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256
  [tls12-dhe-psk-aes128-cbc-sha256]=TLS_DHE_PSK_WITH_AES_128_CBC_SHA256
  [tls12-rsa-psk-aes256-cbc-sha384]=TLS_RSA_PSK_WITH_AES_256_CBC_SHA384
  [tls12-dhe-psk-aes256-ccm8]=TLS_PSK_DHE_WITH_AES_256_CCM_8
  [tls12-rsa-aes128-ccm8]=TLS_RSA_WITH_AES_128_CCM_8
  [tls12-ecdhe-aria128-gcm]=TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256
  [tls12-ecdhe-camellia256-sha384]=TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384
  [tls12-ecdhe-psk-null-sha384]=TLS_ECDHE_PSK_WITH_NULL_SHA384
  [tls10-ecdhe-psk-aes128-cbc-sha256]=TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256
  [gnutls-tls12-3des]=TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
  [gnutls-tls12-camellia128-gcm]=TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256
)
UNSUPPORTED=gnutls-tls12-camellia128-gcm
FOREIGN=samples/keylogs/tls12-one-way.keys # secrets of other sessions

mapfile -t caps < <(bash samples/peers/make-tls12-suites.sh --list)
[ "${#caps[@]}" -eq "${#SUITE[@]}" ] || { echo "FAIL: make-tls12-suites.sh lists ${#caps[@]} captures, this test knows ${#SUITE[@]}"; exit 1; }
pass=0; fail=0; gaps=0
bad() { echo "FAIL $cap: $*"; ok=0; }
conn() { "$bin" -r "$pcap" --json "$@" 2>/dev/null | jq -c 'select(.type=="connection")'; }

for cap in "${caps[@]}"; do
  ok=1
  pcap=samples/pcaps/$cap.pcap; keys=samples/keylogs/$cap.keys
  if [ ! -f "$pcap" ] || [ ! -f "$keys" ]; then bad "no capture or key log"; fail=$((fail+1)); continue; fi
  c=$(conn --keylog "$keys")
  port=$(echo "$c" | jq -r '.destination.port' | head -1)
  # one tshark pass: per frame the source port, record types, handshake types, alerts, suite
  tout=$(tshark -r "$pcap" -o "tls.keylog_file:$keys" -d "tcp.port==$port,tls" -Y tls -T fields -E separator='|' \
    -e tcp.srcport -e tls.record.content_type -e tls.handshake.type -e tls.alert_message.desc \
    -e tls.handshake.ciphersuite 2>/dev/null)
  dirs() { awk -F'|' -v p="$port" -v f="$1" -v only="${2:-}" '{ n = split($f, v, ","); for (i = 1; i <= n; i++)
    if (only == "" || v[i] == only) print ($1 == p ? "S->C" : "C->S") (only == "" ? " " v[i] : "") }'; }
  t_fin=$(echo "$tout" | dirs 3 20 | wc -l)
  t_alert_recs=$(echo "$tout" | dirs 2 21)  # alert records, decrypted or not
  t_alerts=$(echo "$tout" | dirs 4)         # alert descriptions tshark decrypted
  code=$(echo "$tout" | awk -F'|' -v p="$port" '$1 == p && $5 != "" { print $5; exit }')
  [ "$(echo "$c" | wc -l)" = 1 ] || bad "expected one connection"
  suite=$(echo "$c" | jq -r '.tls.cipher')
  [ "$suite" = "${SUITE[$cap]}" ] || bad "suite $suite, expected ${SUITE[$cap]}"
  note=$(echo "$c" | jq -r '.mtls.decrypt_note // ""')
  m_fin=$(echo "$c" | jq '[.mtls.steps[] | select(.kind == "finished" and .decrypted == true
                                              and .detail == "verify_data matches the key log")] | length')

  if [ "$cap" = "$UNSUPPORTED" ]; then
    want="cipher suite $suite ($(printf '0x%04x' "$code")) is not supported for decryption"
    [ "$note" = "$want" ] || bad "note '$note', expected '$want'"
    [ "$(echo "$c" | jq '.mtls.decrypted')" = false ] || bad "decrypted"
    [ "$m_fin" = 0 ] || bad "$m_fin Finished decrypted"
    fnote=$(conn --keylog "$FOREIGN" | jq -r '.mtls.decrypt_note // ""')
    [ "$fnote" = "$want" ] || bad "with a foreign key log: note '$fnote', expected '$want'"
    if [ $ok = 1 ]; then
      echo "gap  $cap: $suite not supported (no Camellia-GCM in OpenSSL); tshark decrypts $t_fin Finished"
      gaps=$((gaps+1)); pass=$((pass+1))
    else fail=$((fail+1)); fi
    continue
  fi

  [ "$(echo "$c" | jq '.mtls.decrypted')" = true ] || bad "not decrypted (note: $note)"
  if [ "$t_fin" -gt 0 ]; then
    [ "$m_fin" = "$t_fin" ] || bad "tshark decrypts $t_fin Finished, mtlsdump verifies $m_fin"
    tsays="tshark $t_fin Finished"
  else
    [ "$m_fin" = 2 ] || bad "tshark decrypts no Finished and mtlsdump verifies $m_fin, expected 2"
    tsays="tshark cannot decrypt $suite"
  fi
  m_alerts=$(echo "$c" | jq -r '.mtls.steps[] | select(.kind == "alert") | "\(.dir) \(.alert_code)"')
  [ -n "$t_alert_recs" ] || bad "tshark shows no alert record (expected close_notify both ways)"
  [ "$(echo "$m_alerts" | cut -d' ' -f1)" = "$t_alert_recs" ] ||
    bad "alert records: mtlsdump [$(echo $m_alerts)] tshark [$(echo $t_alert_recs)]"
  if [ -n "$t_alerts" ] && [ "$m_alerts" != "$t_alerts" ]; then
    bad "alerts differ: mtlsdump [$(echo $m_alerts)] tshark [$(echo $t_alerts)]"
  fi
  echo "$c" | jq -e '[.mtls.steps[] | select(.kind == "http" and .dir == "C->S" and .detail == "GET /hello.txt HTTP/1.0")] | length == 1' > /dev/null ||
    bad "the client's request line is not shown"

  n=$(conn)
  [ "$(echo "$n" | jq '.mtls.decrypted')" = false ] || bad "decrypted without a key log"
  [ "$(echo "$n" | jq '[.mtls.steps[] | select(.decrypted == true)] | length')" = 0 ] || bad "decrypted steps without a key log"
  f=$(conn --keylog "$FOREIGN")
  [ "$(echo "$f" | jq -r '.mtls.decrypt_note')" = "no keys for this session in the key log" ] ||
    bad "foreign key log: note $(echo "$f" | jq -r '.mtls.decrypt_note')"

  if [ $ok = 1 ]; then
    echo "ok   $cap: $suite, $m_fin Finished verified ($tsays), alerts $(echo $m_alerts | tr ' ' ':')"
    pass=$((pass+1))
  else fail=$((fail+1)); fi
done
echo "$pass passed ($gaps known gap), $fail failed"
[ $fail -eq 0 ]
