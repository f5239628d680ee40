#!/usr/bin/env bash
# End-to-end golden tests: replay each sample listed in TESTLIST, project the
# NDJSON report with project.jq and compare with expected/<name>.json; validate
# every JSON object against docs/json-schema.json; check the text report.
# The expected files are pretty-printed (one step and one finding per line), so
# a diff shows exactly which step of which connection changed.
# MTLS_UPDATE_GOLDEN=1 rewrites the expected files: an explicit act whose diff
# is reviewed before it is committed.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
fail=0; n=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
while IFS='|' read -r name cap opts; do
  case "$name" in '#'*|'') continue ;; esac
  name=$(echo "$name" | xargs); cap=$(echo "$cap" | xargs)
  n=$((n+1))
  # shellcheck disable=SC2086
  "$bin" -r "samples/pcaps/$cap" $opts --json --sort > "$tmp/$name.ndjson" 2> "$tmp/$name.err"
  rc=$?
  if [ $rc -gt 1 ]; then echo "FAIL $name: exit code $rc"; cat "$tmp/$name.err"; fail=$((fail+1)); continue; fi
  if ! "$PY" tests/e2e/validate_json.py "$tmp/$name.ndjson" > "$tmp/$name.schema" 2>&1; then
    echo "FAIL $name: schema validation"; cat "$tmp/$name.schema"; fail=$((fail+1)); continue
  fi
  jq -f tests/e2e/project.jq "$tmp/$name.ndjson" > "$tmp/$name.got"
  # exit code follows the verdicts (DESIGN.md: 1 when any handshake failed)
  want_rc=0; [ "$(jq -s 'map(select(.failed)) | length' "$tmp/$name.got")" -gt 0 ] && want_rc=1
  if [ $rc -ne $want_rc ]; then echo "FAIL $name: exit code $rc, expected $want_rc"; fail=$((fail+1)); continue; fi
  exp="tests/e2e/expected/$name.json"
  if [ "${MTLS_UPDATE_GOLDEN:-0}" = 1 ]; then cp "$tmp/$name.got" "$exp"; continue; fi
  if ! diff -u "$exp" "$tmp/$name.got" > "$tmp/$name.diff"; then
    echo "FAIL $name: report differs from $exp"; cat "$tmp/$name.diff"; fail=$((fail+1)); continue
  fi
  # text report: one Verdict line per connection, no raw control bytes
  # shellcheck disable=SC2086
  "$bin" -r "samples/pcaps/$cap" $opts --color never > "$tmp/$name.txt" 2>/dev/null
  conns=$(jq -s length "$tmp/$name.got"); verdicts=$(grep -c '^Verdict: ' "$tmp/$name.txt")
  if [ "$conns" != "$verdicts" ]; then echo "FAIL $name: text report has $verdicts verdicts for $conns connections"; fail=$((fail+1)); continue; fi
  if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$tmp/$name.txt"; then echo "FAIL $name: raw control bytes in text"; fail=$((fail+1)); continue; fi
  echo "ok   $name ($conns connections)"
done < tests/e2e/TESTLIST
echo "$((n-fail)) passed, $fail failed"
[ $fail -eq 0 ]
