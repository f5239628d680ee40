#!/usr/bin/env bash
# Docs move with the code: every finding code the source can emit, every
# verdict, and every long option is documented.
set -uo pipefail
cd "${MTLS_SOURCE_DIR:?}"
fail=0; n=0
codes=$( { grep -rohP --include='*.c' '(findings_add|add_at)\([^"]*?SEV_[A-Z]+,\s*"\K[a-z0-9_]+' src
           grep -ohP '^\s*\{X509_V_ERR_[A-Z0-9_]+,\s*"\K[a-z0-9_]+' src/analysis/chain_verify.c
           grep -ohP '^\s*\{X509_V_ERR_[A-Z0-9_]+,\s*"[a-z0-9_]+",\s*"\K[a-z0-9_]+' src/analysis/chain_verify.c
           grep -rohP --include='*.c' 'code = "\K[a-z0-9_]+' src; } | sort -u)
# the patterns must still find the vocabulary after code moves (a silent zero would pass)
[ "$(echo "$codes" | wc -w)" -ge 20 ] || { echo "FAIL only $(echo "$codes" | wc -w) finding codes found in src/: fix the patterns"; exit 1; }
# the table of finding codes (src/model/finding_codes.c) lists every code, and every row is documented
table=$(grep -oP '^\s*\{"\K[a-z0-9_]+(?=", SEV_)' src/model/finding_codes.c)
[ "$(echo "$table" | wc -w)" -ge 20 ] || { echo "FAIL finding-code table not found in src/model/finding_codes.c"; exit 1; }
for c in $codes; do
  n=$((n+1))
  grep -qx "$c" <<< "$table" || { echo "FAIL finding code '$c' is emitted but not in src/model/finding_codes.c"; fail=$((fail+1)); }
done
for c in $table; do
  n=$((n+1))
  grep -qw "$c" docs/troubleshooting-mtls.md || { echo "FAIL finding code '$c' is not in docs/troubleshooting-mtls.md"; fail=$((fail+1)); }
done
verdicts=$(grep -oP '\[VERDICT_[A-Z_]+\] = \{"\K[a-z_]+' src/model/verdict.c | grep -v '^none$')
[ "$(echo "$verdicts" | wc -w)" -ge 12 ] || { echo "FAIL verdict table not found in src/model/verdict.c"; exit 1; }
for v in $verdicts; do
  n=$((n+1))
  for d in docs/troubleshooting-mtls.md docs/usage.md docs/json-schema.json; do
    grep -qw "$v" "$d" || { echo "FAIL verdict '$v' is not in $d"; fail=$((fail+1)); }
  done
done
# every row of the diagnosis rules table is in the precedence table of the troubleshooting guide, in order
rows=$(grep -oP '^\s*\{"\K[a-z0-9_]+(?=", VERDICT_)' src/diagnose/rules.c)
[ "$(echo "$rows" | wc -w)" -ge 10 ] || { echo "FAIL rules table not found in src/diagnose/rules.c"; exit 1; }
documented=$(grep -oP '^\| *[0-9]+ \| `\K[a-z0-9_]+(?=` \|)' docs/troubleshooting-mtls.md)
n=$((n+1))
[ "$rows" = "$documented" ] || { echo "FAIL the rules of src/diagnose/rules.c and the precedence table of docs/troubleshooting-mtls.md differ:"; diff <(echo "$rows") <(echo "$documented"); fail=$((fail+1)); }
# every long option by name, or by its short letter when it has one ({"read", ..., 'r'})
opts=$(grep -oP '^\s*\{"[a-z-]+", (required|no)_argument, NULL, [^}]+\}' src/app/cli.c |
       sed -E "s/^\s*\{\"([a-z-]+)\".*NULL, '(.)'.*/\1:\2/; s/^\s*\{\"([a-z-]+)\".*/\1:/")
[ "$(echo "$opts" | wc -w)" -ge 20 ] || { echo "FAIL option table not found in src/app/cli.c"; exit 1; }
for os in $opts; do
  o=${os%%:*}; short=${os#*:}
  n=$((n+1))
  man_long="\-\-${o//-/\\-}"   # roff spells --client-ca as \-\-client\-ca
  in_usage=1; in_man=1
  grep -qE -- "--$o\b" docs/usage.md || in_usage=0
  grep -qF -- "$man_long" docs/mtlsdump.1 || in_man=0
  if [ -n "$short" ]; then
    grep -qE -- "\`-$short[ \`,]" docs/usage.md && in_usage=1
    grep -qE -- "^\.B[IR]? \\\\-$short\b" docs/mtlsdump.1 && in_man=1
  fi
  [ $in_usage = 1 ] || { echo "FAIL option --$o${short:+ / -$short} is not in docs/usage.md"; fail=$((fail+1)); }
  [ $in_man = 1 ] || { echo "FAIL option --$o${short:+ / -$short} is not in docs/mtlsdump.1"; fail=$((fail+1)); }
done
echo "checked $n names"
echo "$((n-fail)) passed, $fail failed"
[ $fail = 0 ]
