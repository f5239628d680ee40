#!/usr/bin/env bash
# TLS 1.2 renegotiation (samples/peers/make-renegotiation.sh): the step
# `renegotiation` (who started it, secure or legacy), the renegotiated
# handshake decrypted and dissected with its own key-log line (the verdict is
# its client certificate's), the findings, and without keys the renegotiation
# still shown and the verdict `encrypted`. With tshark installed, the sequence
# of handshake messages mtlsdump reads with the key log is compared with
# tshark's (-o tls.keylog_file), which decrypts renegotiations too.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src" || exit 1
pass=0; fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }

run() { # CAPTURE keys|nokeys -> JSON (one connection) on stdout
    local k=()
    [ "$2" = keys ] && k=(--keylog "samples/keylogs/$1.keys")
    "$bin" -r "samples/pcaps/$1.pcap" --ca samples/pki/root.pem "${k[@]}" --json --no-summary 2>/dev/null
}
# check NAME CAPTURE keys|nokeys JQ-EXPRESSION (must print true)
check() {
    local got
    got=$(run "$2" "$3" | jq -r "$4" 2>&1)
    if [ "$got" = true ]; then ok "$2 ($3): $1"; else ko "$2 ($3): $1 — jq '$4' gave: $got"; fi
}

# the renegotiation step and what follows it
RENEG='(.mtls.steps | map(.kind) | index("renegotiation")) as $r'
AFTER="$RENEG | .mtls.steps[\$r:]"

a=tls12-apache-reneg-mtls-ok
check "verdict mtls_ok from the renegotiation's client certificate" $a keys \
    '.mtls.verdict == "mtls_ok" and .tls.client.x509.subject.common_name == ["alice"]'
check "server-started, secure, decrypted renegotiation step" $a keys \
    "$RENEG | .mtls.steps[\$r] | .dir == \"S->C\" and .decrypted == true and .count == 1 and (.detail | test(\"HelloRequest\") and test(\"secure\"))"
check "renegotiated handshake dissected: HelloRequest, hellos, CertificateRequest, client Certificate (2), CertificateVerify, both Finished checked" $a keys \
    "[$AFTER | .[] | select(.kind != \"http\" and .kind != \"application_data\" and .kind != \"alert\" and .kind != \"fin\" and .kind != \"rst\") | .kind + (if .kind == \"certificate\" then (.dir + (.count|tostring)) else \"\" end)] == [\"renegotiation\",\"hello_request\",\"client_hello\",\"server_hello\",\"certificateS->C2\",\"server_key_exchange\",\"certificate_request\",\"server_hello_done\",\"certificateC->S2\",\"client_key_exchange\",\"certificate_verify\",\"change_cipher_spec\",\"finished\",\"change_cipher_spec\",\"finished\"]"
check "every Finished matches the key log (first handshake and renegotiation)" $a keys \
    '[.mtls.steps[] | select(.kind == "finished") | .detail] == ["verify_data matches the key log","verify_data matches the key log","verify_data matches the key log","verify_data matches the key log"]'
check "new keys after the renegotiation: the HTTP 200 is read" $a keys \
    '[.mtls.steps[] | select(.kind == "http" and .dir == "S->C") | .detail | startswith("HTTP/1.1 200")] == [true]'
check "client CertificateVerify of the renegotiation verifies" $a keys \
    '.mtls.certificate_verify.client.result == "verified"'
check "finding renegotiation (info), no finished_mismatch" $a keys \
    '([.mtls.findings[] | select(.code == "renegotiation") | .severity] == ["info"]) and ([.mtls.findings[] | select(.code == "finished_mismatch" or .code == "insecure_renegotiation")] == [])'
check "the first handshake's hellos stay the connection's (SNI, version)" $a keys \
    '.tls.client.server_name == "server.mtls.test" and .tls.version == "1.2"'
check "without keys: renegotiation step, encrypted, not dissected, server-started" $a nokeys \
    "$RENEG | .mtls.steps[\$r] | .dir == \"S->C\" and (.decrypted // false) == false and (.detail | test(\"encrypted, not dissected\"))"
check "without keys: flights counted, both renegotiation Finished named" $a nokeys \
    "[$AFTER | .[] | select(.kind == \"encrypted_handshake\" or .kind == \"finished\") | .kind] == [\"encrypted_handshake\",\"encrypted_handshake\",\"encrypted_handshake\",\"finished\",\"finished\"]"
check "without keys: verdict encrypted, not failed (the renegotiation finished)" $a nokeys \
    '.mtls.verdict == "encrypted" and .mtls.failed == false and .mtls.evidence == "inferred"'

n=tls12-apache-reneg-no-client-cert
check "verdict client_cert_missing (empty Certificate in the renegotiation, then handshake_failure)" $n keys \
    '.mtls.verdict == "client_cert_missing" and .mtls.failed == true'
check "the renegotiation's empty client Certificate and the decrypted alert are steps" $n keys \
    "[$AFTER | .[] | select((.kind == \"certificate\" and .dir == \"C->S\") or .kind == \"alert\") | [.kind, (.count // .alert)]] == [[\"certificate\",0],[\"alert\",\"handshake_failure\"]]"
check "without keys: verdict encrypted, failed, the server's alert cited" $n nokeys \
    '.mtls.verdict == "encrypted" and .mtls.failed == true and (.mtls.explanation | test("ended it with an alert"))'
check "never called tls_ok_no_client_auth or mtls_ok, with or without keys" $n nokeys \
    '.mtls.verdict != "tls_ok_no_client_auth" and .mtls.verdict != "mtls_ok"'

o=tls12-openssl-reneg-client
check "client-started renegotiation (ClientHello), decrypted, one-way" $o keys \
    "$RENEG | (.mtls.steps[\$r] | .dir == \"C->S\" and (.detail | test(\"ClientHello\"))) and .mtls.verdict == \"tls_ok_no_client_auth\""
check "without keys the direction still tells the client started it" $o nokeys \
    "$RENEG | .mtls.steps[\$r] | .dir == \"C->S\" and (.detail | test(\"started by the client\"))"
check "application data after the renegotiation decrypted with the new keys" $o keys \
    "[$AFTER | .[] | select(.kind == \"application_data\") | .decrypted] == [true]"

g=tls12-gnutls-reneg-insecure
check "legacy renegotiation: finding insecure_renegotiation (warning)" $g keys \
    '[.mtls.findings[] | select(.code == "insecure_renegotiation" or .code == "renegotiation") | .code + ":" + .severity] == ["insecure_renegotiation:warning"]'
check "legacy renegotiation without keys: still insecure_renegotiation" $g nokeys \
    '[.mtls.findings[] | select(.code == "insecure_renegotiation")] | length == 1'
check "a capture with one handshake has no renegotiation step" tls12-mtls-ok nokeys \
    '[.mtls.steps[] | select(.kind == "renegotiation")] == []'

# tshark as the reference: the handshake message types it decrypts, in order
if command -v tshark >/dev/null 2>&1; then
    declare -A T=([hello_request]=0 [client_hello]=1 [server_hello]=2 [new_session_ticket]=4 [certificate]=11
        [server_key_exchange]=12 [certificate_request]=13 [server_hello_done]=14 [certificate_verify]=15
        [client_key_exchange]=16 [finished]=20)
    map=$(for k in "${!T[@]}"; do printf '"%s":%s,' "$k" "${T[$k]}"; done)
    for c in $a $n $o $g; do
        want=$(tshark -r "samples/pcaps/$c.pcap" -o "tls.keylog_file:samples/keylogs/$c.keys" -Y tls.handshake.type \
            -T fields -e tls.handshake.type 2>/dev/null | tr ',' '\n' | grep . | tr '\n' ' ')
        got=$(run "$c" keys | jq -r "{${map%,}} as \$t | [.mtls.steps[] | \$t[.kind] // empty] | map(tostring) | join(\" \")")
        if [ "$got " = "$want" ]; then ok "$c: handshake messages as tshark decrypts them ($want)"
        else ko "$c: handshake messages: mtlsdump '$got', tshark '$want'"; fi
        want=$(tshark -r "samples/pcaps/$c.pcap" -o "tls.keylog_file:samples/keylogs/$c.keys" -Y 'tls.handshake.type == 11' \
            -T fields -e tls.handshake.certificates_length 2>/dev/null | tr ',' '\n' | grep -c .)
        got=$(run "$c" keys | jq '[.mtls.steps[] | select(.kind == "certificate")] | length')
        if [ "$got" = "$want" ]; then ok "$c: $got Certificate messages, as tshark"
        else ko "$c: Certificate messages: mtlsdump $got, tshark $want"; fi
    done
else
    echo "skip tshark comparison (tshark not installed)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
