#!/usr/bin/env bash
# Refusals in the application's own protocol (issue 28), on real captures of
# PostgreSQL, MariaDB, mosquitto, Redis, slapd, Dovecot, Postfix, nginx over
# HTTP/2 and python3-grpcio (samples/peers/{sql,mq,ldap-mail,rpc}/make.sh):
# the typed answer each server gave (protocol, outcome, code, SQLSTATE, words),
# the verdict and its evidence, findings observed from alerts, bytes in the
# clear after an alert, and the inferences that must not be made. Where tshark
# dissects the same protocol in the decrypted stream, its code must agree.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
pass=0; fail=0
run() { # CAPTURE yes|no [extra options...] -> the connection objects, one per line
  local cap=$1 kl=$2; shift 2
  local -a o=(--ca samples/pki/root.pem --json)
  [ "$kl" = yes ] && o+=(--keylog "samples/keylogs/$cap.keys")
  "$bin" -r "samples/pcaps/$cap.pcap" "${o[@]}" "$@" 2>/dev/null | jq -c 'select(.type=="connection")'
}
check() { # NAME JSON JQ-EXPR: the expression must be true
  if echo "$2" | jq -e "$3" > /dev/null 2>&1; then echo "ok   $1"; pass=$((pass+1))
  else echo "FAIL $1: $3"; echo "$2" | jq -c '{v: .mtls.verdict, e: .mtls.evidence, s: [.mtls.steps[] | select(.app) | .app], f: [.mtls.findings[]?.code]}' | head -c 900; echo; fail=$((fail+1)); fi
}
app_resp='[.mtls.steps[] | select(.app and .dir=="S->C") | .app][0]'

# PostgreSQL: "certificate authentication failed" for a valid certificate, decrypted
j=$(run tls12-postgres-identity yes)
check "postgres identity: refusal read, observed" "$j" \
  ".mtls.verdict==\"client_cert_rejected\" and .mtls.evidence==\"observed\" and ($app_resp | .protocol==\"postgresql\" and .outcome==\"refused\" and .state==\"28000\" and (.message|test(\"certificate authentication failed\")))"
check "postgres identity: app_refused finding" "$j" '[.mtls.findings[].code] | index("app_refused") != null'
j=$(run tls13-postgres-identity yes)
check "postgres identity TLS 1.3 with keys" "$j" '.mtls.verdict=="client_cert_rejected"'
j=$(run tls12-postgres-ok yes)
check "postgres ok: AuthenticationOk/ReadyForQuery accepted" "$j" ".mtls.verdict==\"mtls_ok\" and ($app_resp | .outcome==\"accepted\")"
j=$(run tls12-postgres-missing yes)
check "postgres missing: client_cert_missing, the ErrorResponse quoted" "$j" \
  '.mtls.verdict=="client_cert_missing" and (.mtls.explanation|test("connection requires a valid client certificate"))'
# ... the password was proven right (SASLFinal), then 28P01: about the certificate
j=$(run tls12-postgres-identity-scram yes)
check "postgres scram + clientcert=verify-full: refused after a verified password" "$j" '.mtls.verdict=="client_cert_rejected"'

# MariaDB: ERR 1045 after a finished handshake; the plaintext ERR 1043 after an alert
j=$(run tls12-mariadb-identity yes)
check "mariadb identity: ERR 1045 28000" "$j" \
  ".mtls.verdict==\"client_cert_rejected\" and ($app_resp | .protocol==\"mysql\" and .code==1045 and .state==\"28000\")"
for kl in yes no; do
  j=$(run tls13-mariadb-untrusted $kl)
  check "mariadb TLS 1.3 untrusted (keys $kl): plaintext error after the alert is evidence, not malformed" "$j" \
    ".mtls.verdict==\"client_cert_rejected\" and ([.mtls.findings[].code] | index(\"malformed\") == null) and ($app_resp | .plaintext==true and .code==1043)"
done

# MQTT and Redis: a refusal when the certificate was the only credential; a
# refused password is not the certificate's
j=$(run tls12-mosquitto-identity-connack-mqtt5 yes)
check "mosquitto CONNACK 0x87" "$j" ".mtls.verdict==\"client_cert_rejected\" and ($app_resp | .protocol==\"mqtt\" and .code==135)"
j=$(run tls12-mosquitto-identity-connack yes)
check "mosquitto 3.1.1 CONNACK 5" "$j" ".mtls.verdict==\"client_cert_rejected\" and ($app_resp | .code==5)"
j=$(run tls12-redis-identity yes)
check "redis -NOAUTH with no AUTH sent" "$j" ".mtls.verdict==\"client_cert_rejected\" and ($app_resp | .protocol==\"redis\" and .outcome==\"refused\")"
j=$(run tls12-redis-identity-wrongpass yes)
check "redis -WRONGPASS after AUTH: mtls_ok, finding says a password was sent" "$j" \
  '.mtls.verdict=="mtls_ok" and ([.mtls.findings[] | select(.code=="app_refused") | .message | test("password")] | any)'

# LDAP, IMAP, POP3, SMTP
j=$(run tls12-slapd-ldaps-identity yes)
check "slapd bindResponse 50" "$j" ".mtls.verdict==\"client_cert_rejected\" and ($app_resp | .protocol==\"ldap\" and .code==50)"
j=$(run tls12-slapd-starttls-identity yes)
check "slapd StartTLS (ExtendedResponse without responseName) is followed" "$j" \
  '.mtls.verdict=="client_cert_rejected" and .tls.starttls? != "nntp"'
j=$(run tls12-dovecot-imap-untrusted yes)
check "dovecot IMAP NO naming the certificate" "$j" ".mtls.verdict==\"client_cert_rejected\" and ($app_resp | .protocol==\"imap\")"
j=$(run tls12-dovecot-pop3-expired yes)
check "dovecot POP3 -ERR [AUTH] naming the certificate" "$j" ".mtls.verdict==\"client_cert_rejected\" and ($app_resp | .protocol==\"pop3\" and .state==\"AUTH\")"
j=$(run tls12-postfix-smtp-untrusted yes)
check "postfix 421 4.7.1 naming the certificate" "$j" ".mtls.verdict==\"client_cert_rejected\" and ($app_resp | .protocol==\"smtp\" and .code==421)"
j=$(run tls12-postfix-smtp-ok yes)
check "postfix ok stays mtls_ok" "$j" '.mtls.verdict=="mtls_ok"'

# gRPC status in trailers, and a reset after an empty client Certificate
j=$(run tls12-grpc-identity yes)
check "gRPC PERMISSION_DENIED" "$j" ".mtls.verdict==\"client_cert_rejected\" and ($app_resp | .protocol==\"grpc\" and .code==7)"
j=$(run tls13-grpc-revoked yes)
check "gRPC UNAUTHENTICATED" "$j" "$app_resp | .code==16 and (.message|test(\"revoked\"))"
for kl in yes no; do
  j=$(run tls12-grpc-missing $kl)
  check "server FIN after an empty Certificate is client_cert_missing (keys $kl)" "$j" \
    '.mtls.verdict=="client_cert_missing" and .mtls.evidence=="observed"'
done
# nginx's words in a later HTTP/2 record
j=$(run tls12-nginx-h2-revoked yes)
check "nginx h2 400 page in a later record" "$j" '.mtls.verdict=="client_cert_rejected" and (.mtls.explanation|test("The SSL certificate error"))'

# inferences that must not be made
j=$(run tls13-pyline-ok no)
check "TLS 1.3 no keys: a 31-byte answer is not an alert" "$j" '.mtls.verdict!="client_cert_rejected"'
j=$(run tls12-nginx-h2-untrusted-accepted no)
check "TLS 1.2 no keys: an h2 200 in short records after a certificate our validation rejects is not a refusal" "$j" \
  '.mtls.verdict=="mtls_ok" and (.mtls.explanation|test("3 encrypted records, 261 bytes"))'
# TLS 1.2 no keys: a refusal in sealed application data stays mtls_ok, but never unqualified
j=$(run tls12-postgres-identity no)
check "TLS 1.2 no keys: mtls_ok says the server's answer was not read, and how to read it" "$j" \
  '.mtls.verdict=="mtls_ok" and (.mtls.explanation|test("answered afterwards \\(1 encrypted record, 127 bytes\\) cannot be read")) and (.mtls.next_step|test("--keylog"))'
j=$(run tls12-postgres-ok yes)
check "with keys the answer is read: no such caveat" "$j" '.mtls.verdict=="mtls_ok" and (.mtls.explanation|test("cannot be read")|not)'
j=$(run tls13-pyline-untrusted-accepted yes)
check "a decrypted answer is never 'encrypted': accepted certificate our validation dislikes" "$j" '.mtls.verdict=="mtls_ok"'

# alerts as findings on the certificate; revocation from a CRL in the CA file
j=$(run tls12-mosquitto-revoked no --ca samples/pki/intermediate.pem)
check "certificate_revoked alert -> cert_revoked finding, observed" "$j" \
  '[.mtls.findings[] | select(.code=="cert_revoked" and (.message|test("Observed")))] | length == 1'
j=$(run tls12-slapd-ldaps-revoked yes --ca samples/pki/ca-chain-crl.pem)
check "a CRL in the CA file: revoked certificate found, the silent close explained" "$j" \
  '.mtls.verdict=="client_cert_rejected" and ([.mtls.findings[].code] | index("cert_revoked") != null)'
j=$(run tls12-slapd-ldaps-ok yes --ca samples/pki/ca-chain-crl.pem)
check "a CRL in the CA file: a valid certificate stays valid (no CRL for the root is no error)" "$j" '.mtls.verdict=="mtls_ok"'

# every object still validates against the schema
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for cap in tls12-postgres-identity tls13-mariadb-untrusted tls12-grpc-identity tls12-dovecot-imap-identity tls12-nginx-h2-revoked; do
  "$bin" -r "samples/pcaps/$cap.pcap" --ca samples/pki/root.pem --keylog "samples/keylogs/$cap.keys" --json -v > "$tmp/$cap.json" 2>/dev/null
done
python3 tests/e2e/validate_json.py "$tmp"/*.json > "$tmp/v.out" 2>&1; rc=$?
if [ $rc = 0 ]; then echo "ok   schema"; pass=$((pass+1))
elif [ $rc = 77 ]; then echo "skip schema (python3-jsonschema not installed)"
else echo "FAIL schema"; head -5 "$tmp/v.out"; fail=$((fail+1)); fi

# tshark reads the same code where it dissects the protocol inside the decrypted stream
if command -v tshark > /dev/null; then
  t=$(tshark -r samples/pcaps/tls12-slapd-ldaps-identity.pcap -o tls.keylog_file:samples/keylogs/tls12-slapd-ldaps-identity.keys \
        -d tcp.port==44661,tls -d tls.port==44661,ldap -Y ldap.resultCode -T fields -e ldap.resultCode 2>/dev/null | head -1)
  m=$(run tls12-slapd-ldaps-identity yes | jq -r "$app_resp | .code")
  if [ -n "$t" ] && [ "$t" = "$m" ]; then echo "ok   tshark agrees on the LDAP resultCode ($t)"; pass=$((pass+1))
  else echo "FAIL tshark LDAP resultCode '$t', mtlsdump '$m'"; fail=$((fail+1)); fi
  t=$(tshark -r samples/pcaps/tls12-mosquitto-identity-connack.pcap -o tls.keylog_file:samples/keylogs/tls12-mosquitto-identity-connack.keys \
        -d tcp.port==44630,tls -d tls.port==44630,mqtt -Y mqtt.conack.val -T fields -e mqtt.conack.val 2>/dev/null | head -1)
  m=$(run tls12-mosquitto-identity-connack yes | jq -r "$app_resp | .code")
  if [ -n "$t" ] && [ "$t" = "$m" ]; then echo "ok   tshark agrees on the CONNACK return code ($t)"; pass=$((pass+1))
  else echo "FAIL tshark CONNACK '$t', mtlsdump '$m'"; fail=$((fail+1)); fi
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
