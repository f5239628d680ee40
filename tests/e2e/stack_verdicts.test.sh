#!/usr/bin/env bash
# Real stacks (nginx, Apache, HAProxy, Go, Java, Node.js, NSS, OpenSSL, GnuTLS):
# every capture of samples/expected-verdicts.tsv gives the verdict a user would
# call right (decided from what the stack did, backed by tshark's reading),
# with and without its key log; `failed` and the exit status agree with it.
# The known gaps are listed, with reasons, in stack_verdicts.limits.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
limits=tests/e2e/stack_verdicts.limits
fail=0; n=0; limited=0
failing_verdict() {
  case "$1" in mtls_ok|tls_ok_no_client_auth|resumed|incomplete|encrypted) return 1 ;; *) return 0 ;; esac
}
while IFS=$'\t' read -r cap kl exp how note; do
  case "$cap" in '#'*|'') continue ;; esac
  n=$((n+1))
  opts=(--ca samples/pki/root.pem)
  [ "$kl" = yes ] && opts+=(--keylog "samples/keylogs/$cap.keys")
  out=$("$bin" -r "samples/pcaps/$cap.pcap" "${opts[@]}" --json 2>/dev/null); rc=$?
  got=$(echo "$out" | jq -r 'select(.type=="connection") | .mtls.verdict' | tail -1)
  gfailed=$(echo "$out" | jq -r 'select(.type=="connection") | .mtls.failed' | tail -1)
  anyfailed=$(echo "$out" | jq -s 'map(select(.type=="connection" and .mtls.failed)) | length')
  want_rc=0; [ "$anyfailed" -gt 0 ] && want_rc=1
  if [ "$rc" != "$want_rc" ]; then echo "FAIL $cap (keys $kl): exit $rc but $anyfailed failed connections"; fail=$((fail+1)); continue; fi
  lim=$(grep -E "^$cap \| $kl \|" "$limits" | head -1)
  if [ -n "$lim" ]; then
    says=$(echo "$lim" | awk -F' [|] ' '{print $3}')
    if [ "$got" = "$exp" ]; then echo "FAIL $cap (keys $kl): now gives $exp as expected: remove it from $limits"; fail=$((fail+1))
    elif [ "$got" != "$says" ]; then echo "FAIL $cap (keys $kl): listed as a known gap saying $says, now says $got"; fail=$((fail+1))
    else limited=$((limited+1)); fi
    continue
  fi
  if [ "$got" != "$exp" ]; then echo "FAIL $cap (keys $kl): verdict $got, expected $exp ($how)"; fail=$((fail+1)); continue; fi
  if failing_verdict "$exp" && [ "$gfailed" != true ]; then echo "FAIL $cap (keys $kl): $exp but failed=$gfailed"; fail=$((fail+1)); continue; fi
  if ! failing_verdict "$exp" && [ "$gfailed" != false ]; then echo "FAIL $cap (keys $kl): $exp but failed=$gfailed"; fail=$((fail+1)); continue; fi
done < samples/expected-verdicts.tsv
[ "$n" -ge 100 ] || { echo "FAIL only $n manifest lines read"; exit 1; }
echo "$((n-fail-limited)) right, $limited known gaps (stack_verdicts.limits)"
echo "$((n-fail)) passed, $fail failed"
[ $fail -eq 0 ]
