#!/usr/bin/env bash
# STARTTLS for IRC, NNTP, ManageSieve and MySQL on real captures
# (samples/peers/starttls/make.sh: openssl s_client -starttls PROTO against a
# Python ssl server that requires a client certificate): the protocol is
# named, the handshake after the prologue is read and, with the client's key
# log, decrypted with both Finished verified; mtls_ok. tshark, which follows
# MySQL's STARTTLS itself, sees the same ClientHello (JA3).
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
fail=0
for proto in irc nntp sieve mysql; do
  cap=samples/pcaps/starttls-$proto.pcap keys=samples/keylogs/starttls-$proto.keys
  got=$("$bin" -r "$cap" --keylog "$keys" --ca samples/pki/root.pem --json --no-summary 2>/dev/null |
        jq -r '[.mtls.starttls, .mtls.verdict, (.mtls.decrypted | tostring),
                ([.mtls.steps[] | select(.kind == "finished" and (.detail // "" | test("matches")))] | length | tostring),
                ([.mtls.steps[] | select(.kind == "starttls")] | length | tostring)] | join(" ")')
  want="$proto mtls_ok true 2 2"
  [ "$got" = "$want" ] && echo "ok   $proto: $got" || { echo "FAIL $proto: got '$got', want '$want'"; fail=1; }
  nk=$("$bin" -r "$cap" --json --no-summary 2>/dev/null | jq -r '[.mtls.starttls, .tls.client.server_name] | join(" ")')
  [ "$nk" = "$proto server.mtls.test" ] && echo "ok   $proto without keys: $nk" || { echo "FAIL $proto without keys: '$nk'"; fail=1; }
done
if command -v tshark > /dev/null; then
  for proto in mysql; do
    cap=samples/pcaps/starttls-$proto.pcap
    theirs=$(tshark -n -r "$cap" -d "tcp.port==44700,$proto" -Y "tls.handshake.type == 1" -T fields -e tls.handshake.ja3 2>/dev/null | head -1)
    ours=$("$bin" -r "$cap" --json --no-summary 2>/dev/null | jq -r .tls.client.ja3)
    [ -n "$ours" ] && [ "$theirs" = "$ours" ] && echo "ok   tshark follows $proto STARTTLS to the same ClientHello ($ours)" || { echo "FAIL $proto JA3: tshark '$theirs', ours '$ours'"; fail=1; }
  done
fi
[ $fail = 0 ] && echo "starttls_more: all passed"
exit $fail
