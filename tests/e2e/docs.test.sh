#!/usr/bin/env bash
# Docs move with the code: every finding code the source can emit, every
# verdict, and every long option is documented.
set -uo pipefail
cd "${MTLS_SOURCE_DIR:?}"
fail=0; n=0
codes=$( { grep -ohP '(findings_add|add_at)\([^"]*?SEV_[A-Z]+,\s*"\K[a-z0-9_]+' src/*.c
           grep -ohP '^\s*\{X509_V_ERR_[A-Z0-9_]+,\s*"\K[a-z0-9_]+' src/chain_verify.c
           grep -ohP '^\s*\{X509_V_ERR_[A-Z0-9_]+,\s*"[a-z0-9_]+",\s*"\K[a-z0-9_]+' src/chain_verify.c
           grep -ohP 'code = "\K[a-z0-9_]+' src/*.c; } | sort -u)
for c in $codes; do
  n=$((n+1))
  grep -qw "$c" docs/troubleshooting-mtls.md || { echo "FAIL finding code '$c' is not in docs/troubleshooting-mtls.md"; fail=$((fail+1)); }
done
for v in $(grep -oP '\[VERDICT_[A-Z_]+\] = "\K[a-z_]+' src/session.c | grep -v '^none$'); do
  n=$((n+1))
  for d in docs/troubleshooting-mtls.md docs/usage.md docs/json-schema.json; do
    grep -qw "$v" "$d" || { echo "FAIL verdict '$v' is not in $d"; fail=$((fail+1)); }
  done
done
for o in $(grep -oP '^\s*\{"\K[a-z-]+(?=", (required|no)_argument)' src/cli.c); do
  n=$((n+1))
  grep -q -- "--$o\|\`-[a-zA-Z] " docs/usage.md || { echo "FAIL option --$o is not in docs/usage.md"; fail=$((fail+1)); }
  grep -q -- "\\\\-\\\\-$o\|^\.BI \\\\-[a-zA-Z]\|^\.B \\\\-[a-zA-Z]" docs/mtlsdump.1 || { echo "FAIL option --$o is not in docs/mtlsdump.1"; fail=$((fail+1)); }
done
echo "checked $n names"
echo "$((n-fail)) passed, $fail failed"
[ $fail = 0 ]
