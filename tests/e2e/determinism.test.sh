#!/usr/bin/env bash
# One connection, one diagnosis: a connection's verdict, findings, explanation
# and fix depend on that connection and on what the user gave, never on other
# connections, their order or --threads.
#
# Real captures (OpenSSL s_server/s_client, samples/make-samples.sh): in
# tls12-missing-intermediate the server sends its leaf without the
# intermediate CA; in tls12-mtls-ok the same server sends leaf + intermediate.
# Merged in either order, with the broken connection's client port rewritten
# to eight values (so the --threads flow hash puts it on different workers),
# with 1, 2 and 3 threads, the broken connection must be reported exactly as
# when it is alone. The summary — where knowledge across connections belongs —
# must name the intermediate one connection sent and the other lacked, the same
# every time. With a CA file that holds the intermediate, the finding is
# missing_intermediate, again the same every time.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
for t in tcprewrite mergecap jq; do
  command -v $t >/dev/null || { echo "SKIP: $t not installed (.ci/setup installs it)"; exit 77; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
cd "$src/samples/pcaps"
broken=tls12-missing-intermediate.pcap good=tls12-mtls-ok.pcap
bport=$(tshark -r $broken -T fields -e tcp.srcport -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' 2>/dev/null | head -1)
[ -n "$bport" ] || bport=35658

# The broken connection's diagnosis, whatever its connection id: everything but the id and times.
view() { # ndjson file, server port
  jq -c --argjson p "$2" 'select(.type=="connection" and .server.port==$p) |
    {v: .mtls.verdict, ev: .mtls.evidence, f: [.mtls.findings[] | {code, severity, message}],
     e: .mtls.explanation, n: .mtls.next_step, chain: .tls.server.x509.subject.common_name}' "$1"
}

# --ca root.pem: nothing given knows the intermediate (untrusted_root); a client CA
# file that holds it tells the server chain's missing issuer is an intermediate of
# the trusted root (missing_intermediate) without completing the chain with it.
pki=$src/samples/pki
for trust in "--ca $pki/root.pem" "--server-ca $pki/root.pem --client-ca $pki/ca-chain.pem"; do
  ca=${trust//$pki\//}
  # shellcheck disable=SC2086
  "$bin" -r $broken $trust --json > "$tmp/alone.json" 2>/dev/null
  want=$(view "$tmp/alone.json" 44312)
  code=untrusted_root; case "$trust" in *ca-chain*) code=missing_intermediate ;; esac
  if echo "$want" | jq -e --arg c $code '.f | map(.code) | index($c)' >/dev/null; then
    ok "alone, $ca: $code"
  else
    bad "alone, $ca: expected $code in $(echo "$want" | jq -c '.f|map(.code)')"
  fi
  runs=0; same=0; links_ok=0
  for port in $bport 40001 40002 40003 40004 40005 40006 40007; do
    tcprewrite --portmap="$bport:$port" -i $broken -o "$tmp/b.pcap" 2>/dev/null || cp $broken "$tmp/b.pcap"
    mergecap -F pcap -a -w "$tmp/gb.pcap" $good "$tmp/b.pcap"
    mergecap -F pcap -a -w "$tmp/bg.pcap" "$tmp/b.pcap" $good
    for cap in gb bg; do
      for t in 1 2 3; do
        # shellcheck disable=SC2086
        "$bin" -r "$tmp/$cap.pcap" $trust --json --threads $t > "$tmp/o.json" 2>/dev/null
        runs=$((runs + 1))
        got=$(view "$tmp/o.json" 44312)
        if [ "$got" = "$want" ]; then same=$((same + 1)); else
          [ $((runs - same)) = 1 ] && { echo "  first difference ($cap, port $port, --threads $t):"; diff <(echo "$want" | jq .) <(echo "$got" | jq .) | head -8; }
        fi
        # the summary links the two connections: sent on the good one, lacked on the broken one
        jq -e --argjson p "$port" 'select(.type=="summary") | .intermediates_elsewhere |
            length == 1 and .[0].lacked_by == "server" and .[0].sent_on_count == 1 and
            .[0].lacked_on_count == 1 and (.[0].subject | test("Intermediate"))' "$tmp/o.json" > /dev/null &&
          links_ok=$((links_ok + 1))
      done
    done
  done
  [ $same = $runs ] && ok "$ca: the broken connection is diagnosed as alone in $runs runs (8 client ports x 2 orders x 1-3 threads)" \
                    || bad "$ca: $((runs - same)) of $runs runs diagnosed the broken connection differently"
  [ $links_ok = $runs ] && ok "$ca: the summary names the intermediate sent on one connection and lacked on the other in all $runs runs" \
                        || bad "$ca: summary intermediates_elsewhere wrong in $((runs - links_ok)) of $runs runs"
done

# the text summary says it too
"$bin" -r "$tmp/bg.pcap" --ca "$src/samples/pki/root.pem" --threads 2 > "$tmp/o.txt" 2>/dev/null
grep -q '^Intermediates sent on other connections' "$tmp/o.txt" && grep -q 'the server chains of #1 lacked it' "$tmp/o.txt" &&
  ok "text summary: intermediate sent on one connection, lacked on #1" || { bad "text summary lacks the intermediates section"; tail -5 "$tmp/o.txt"; }

# resumption links live in the summary, the same for any thread count
for t in 1 2 3; do
  "$bin" -r tls12-resumption-session-id.pcap --json --threads $t > "$tmp/r$t.json" 2>/dev/null
done
r1=$(jq -c 'select(.type=="summary") | .resumptions' "$tmp/r1.json")
if [ "$r1" = '[{"connection":18,"resumed_from":1}]' ] &&
   [ "$(jq -c 'select(.type=="summary") | .resumptions' "$tmp/r2.json")" = "$r1" ] &&
   [ "$(jq -c 'select(.type=="summary") | .resumptions' "$tmp/r3.json")" = "$r1" ] &&
   ! grep -q resumed_from_id "$tmp/r1.json"; then
  ok "resumptions: #18 resumed #1 in the summary with 1, 2 and 3 threads; no per-connection link"
else
  bad "resumptions: got $r1"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
