#!/usr/bin/env bash
# ECS fields checked against other tools reading the same bytes, on every
# sample capture with one connection:
#   tls.curve                      = tshark's key_share group (TLS 1.3) or
#                                    ServerKeyExchange named curve (TLS 1.2)
#   tls.*.certificate_chain        (--certificate-chain) base64 DER whose first
#                                    certificate hashes to tls.*.hash.sha256 and
#                                    whose length is the chain we report;
#                                    absent without the flag
#   tls.*.x509.subject/issuer.organization, version_number
#                                  = openssl x509 on that certificate
#   event.action = mtls.verdict, event.reason on failures only (naming
#                                    mtls.cause), event.dataset, event.module;
#                                    every fingerprint and serial uppercase
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
command -v tshark > /dev/null || { echo "SKIP: tshark not installed (.ci/setup installs it)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0; caps=0; curve_checked=0; curve_skipped=0
ok()  { pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
declare -A curve_seen=()
declare -A group=([x25519]=29 [x448]=30 [secp256r1]=23 [secp384r1]=24 [secp521r1]=25 [ffdhe2048]=256 [ffdhe3072]=257)
for cap in samples/pcaps/*.pcap samples/pcaps/*.pcapng; do
  "$bin" -r "$cap" --json --no-summary --certificate-chain > "$tmp/c.json" 2>/dev/null
  [ "$(wc -l < "$tmp/c.json")" = 1 ] || continue
  caps=$((caps+1))
  # tls.curve against tshark (slow to start): the mtls-ok capture of each
  # stack, and once per stack, version and group otherwise (the first two
  # words of the name, "tls12-postgres": the same server picks the same group)
  ours=$(jq -r '.tls.curve // ""' "$tmp/c.json")
  stack=$(basename "$cap" | cut -d- -f1-2)
  if [[ "$cap" != *mtls-ok* ]] && { [ "$ours" = x25519 ] || [ -n "${curve_seen[$stack/$ours]:-}" ]; }; then
    curve_skipped=$((curve_skipped+1)); else
  curve_seen[$stack/$ours]=1
  curve_checked=$((curve_checked+1))
  port=$(jq -r '.destination.port' "$tmp/c.json")
  # a STARTTLS prologue tshark follows only with the protocol's own dissector
  case "$(jq -r '.mtls.starttls // ""' "$tmp/c.json")" in
    postgresql) as=pgsql ;; mysql) as=mysql ;; ldap) as=ldap ;; imap) as=imap ;; pop3) as=pop ;; smtp) as=smtp ;; *) as=tls ;;
  esac
  theirs=$(tshark -n -r "$cap" -d "tcp.port==$port,$as" -Y "tls.handshake.type == 2 || tls.handshake.type == 12" -T fields \
             -e tls.handshake.extensions_key_share_group -e tls.handshake.server_named_curve 2>/dev/null | tr '\t' '\n' | grep -v '^$' | tail -1)
  [ -n "$theirs" ] && theirs=$((theirs))
  if [ -z "$ours" ] && [ -z "$theirs" ]; then ok
  elif [ -n "$ours" ] && [ "${group[$ours]:-?}" = "$theirs" ]; then ok
  else bad "$cap: tls.curve '$ours', tshark says group '$theirs'"; fi
  fi
  # ECS categorisation (issue 30): event.action is the verdict, event.reason the
  # one-line cause of a failure only, event.dataset and event.module fixed; and
  # every certificate fingerprint and serial of the document in one (upper) case
  jq -e '.event.action == .mtls.verdict and .event.module == "mtlsdump" and .event.dataset == "mtlsdump.connection"
         and ((.event.reason != null) == .mtls.failed)
         and (if .mtls.cause then (.mtls.cause.code as $c | .event.reason | contains($c)) else true end)' "$tmp/c.json" > /dev/null \
    && ok || bad "$cap: event.action/reason/dataset/module: $(jq -c '[.event, .mtls.verdict, .mtls.failed]' "$tmp/c.json")"
  mixed=$(jq -r '[paths(type == "string") as $p | select(($p[-1] | tostring | test("^(sha256|sha1|serial|serial_number)$")) or ($p | index("hash")))
                 | getpath($p) | select(test("[a-f]"))] | .[0] // empty' "$tmp/c.json")
  [ -z "$mixed" ] && ok || bad "$cap: a fingerprint in lowercase: $mixed"
  for side in client server; do
    n=$(jq -r ".tls.$side.certificate_chain // [] | length" "$tmp/c.json")
    want=$(jq -r ".mtls.chains.$side.certs // [] | length" "$tmp/c.json")
    [ "$n" = "$want" ] && ok || bad "$cap: $side certificate_chain has $n certificates, mtls.chains.$side $want"
    [ "$n" -gt 0 ] || continue
    jq -r ".tls.$side.certificate_chain[0]" "$tmp/c.json" | base64 -d > "$tmp/leaf.der" 2>/dev/null
    h=$(sha256sum < "$tmp/leaf.der" | cut -c1-64 | tr a-f A-F)
    [ "$h" = "$(jq -r ".tls.$side.hash.sha256" "$tmp/c.json")" ] && ok || { bad "$cap: $side certificate_chain[0] does not hash to tls.$side.hash.sha256"; continue; }
    openssl x509 -inform DER -in "$tmp/leaf.der" -noout -text > "$tmp/leaf.txt" 2>/dev/null || continue
    v=$(sed -n 's/^ *Version: \([0-9]*\).*/\1/p' "$tmp/leaf.txt" | head -1)
    [ "$(jq -r ".tls.$side.x509.version_number" "$tmp/c.json")" = "$v" ] && ok || bad "$cap: $side version_number, openssl says $v"
    for part in subject issuer; do
      o=$(openssl x509 -inform DER -in "$tmp/leaf.der" -noout -"$part" -nameopt sep_multiline,utf8 2>/dev/null | sed -n 's/^ *O=//p' | head -1)
      got=$(jq -r ".tls.$side.x509.$part.organization[0] // \"\"" "$tmp/c.json")
      [ "$got" = "$o" ] && ok || bad "$cap: $side $part.organization '$got', openssl says '$o'"
    done
  done
done
# the chain is opt-in
"$bin" -r samples/pcaps/tls12-mtls-ok.pcap --json --no-summary 2>/dev/null | jq -e '.tls.client.certificate_chain == null and .tls.server.certificate_chain == null' > /dev/null \
  && ok || bad "certificate_chain written without --certificate-chain"
[ $caps -ge 60 ] || bad "only $caps one-connection captures found"
echo "ecs_fields: $caps captures (tls.curve compared with tshark on $curve_checked), $pass checks passed, $fail failed"
[ $fail = 0 ]
