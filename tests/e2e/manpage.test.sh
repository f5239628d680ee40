#!/usr/bin/env bash
# The man page (issue 29): it renders without groff warnings; its VERDICTS
# section describes every verdict the binary knows and says "Failed" exactly
# for those that count as failed (exit status 1, mtls.failed) in the verdict
# table of src/model/verdict.c; it tells observed from inferred, how each
# common client writes a key log, has EXAMPLES of live capture with a key log,
# -w and --expect, and SEE ALSO ssldump(1) and tshark(1). The flags themselves
# are checked against --help by e2e.docs.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
fail=0; pass=0
ok() { echo "ok   $*"; pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
man=docs/mtlsdump.1
w=$(groff -man -ww -z "$man" 2>&1)
[ -z "$w" ] && ok "groff renders it without warnings" || bad "groff: $w"
text=$(MANWIDTH=100 man -l "$man" 2>/dev/null | col -bx)
section() { echo "$text" | sed -n "/^$1\$/,/^[A-Z][A-Z ]*\$/p" | sed '$d'; }
verdicts=$(section VERDICTS)
# the binary's verdicts (its --expect error lists them all)
names=$("$bin" -r /dev/null --expect nosuchverdict 2>&1 | sed -n 's/.*(one of: *\(.*\))$/\1/p')
[ -n "$names" ] || bad "cannot list the verdicts from the binary"
# name -> failed from the verdict table
declare -A failed
while read -r n f; do failed[$n]=$f; done < <(sed -n 's/.*\[VERDICT_[A-Z_]*\] = {"\([a-z_]*\)", \(true\|false\),.*/\1 \2/p' src/model/verdict.c)
for v in $names; do
  entry=$(echo "$verdicts" | awk -v v="$v" '$0 ~ "^       " v "$" {on=1; next} on && /^       [a-z_]+$/ {exit} on {print}')
  if [ -z "$entry" ]; then bad "verdict $v is not described"; continue; fi
  says=$(echo "$entry" | tr -s ' \n' '  ' | grep -o 'Not failed\.\|Failed\.' | tail -1)
  want=$([ "${failed[$v]:-}" = true ] && echo "Failed." || echo "Not failed.")
  [ "$says" = "$want" ] && ok "$v: $says" || bad "$v: the man page says '$says', the verdict table '${failed[$v]:-?}'"
done
grep -q 'Observed and inferred' <<< "$text" && grep -q 'observed' <<< "$verdicts" && grep -q 'inferred' <<< "$verdicts" &&
  ok "observed vs inferred explained" || bad "no observed/inferred section"
keys=$(section "KEY LOGS" | tr -s ' \n' '  ')
missing=""
for k in SSLKEYLOGFILE "s_client -keylogfile" KeyLogWriter jSSLKeyLog "on('keylog'" "--tls-keylog" curl; do
  case "$keys" in *"$k"*) ;; *) missing="$missing '$k'" ;; esac
done
[ -z "$missing" ] && ok "KEY LOGS: SSLKEYLOGFILE, s_client, Go, Java, Node, curl" || bad "KEY LOGS lacks$missing"
ex=$(section EXAMPLES)
grep -q 'mtlsdump -i .*--keylog' <<< "$ex" && grep -q -- '-keylogfile' <<< "$ex" && ok "EXAMPLES: live capture with a key log" || bad "no live key log example"
grep -q 'mtlsdump .* -w ' <<< "$ex" && ok "EXAMPLES: -w" || bad "no -w example"
grep -q 'mtlsdump .*--expect ' <<< "$ex" && ok "EXAMPLES: --expect" || bad "no --expect example"
also=$(section "SEE ALSO")
grep -q 'ssldump(1)' <<< "$also" && grep -q 'tshark(1)' <<< "$also" && ok "SEE ALSO ssldump(1), tshark(1)" || bad "SEE ALSO: $also"
# the --expect example's verdict list is accepted as written
"$bin" -r samples/pcaps/tls12-mtls-ok.pcap --ca samples/pki/root.pem --expect mtls_ok,resumed -q > /dev/null 2>&1 &&
  ok "the --expect example's list is valid (exit 0 on an mtls_ok capture)" || bad "--expect mtls_ok,resumed"
echo "manpage: $pass passed, $fail failed"
[ "$fail" = 0 ]
