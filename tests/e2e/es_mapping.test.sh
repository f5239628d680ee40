#!/usr/bin/env bash
# The Elasticsearch index template of docs/elasticsearch maps every field
# mtlsdump writes, with a type that can hold it: every capture of
# samples/pcaps is reported with --json -v (with its key log when there is
# one, then without keys, so the inferred verdicts' fields appear too; with
# --certificate-chain), plus runs without trust anchors
# and with --client-ca only; es_mapping_check.py then walks every connection
# and summary object, and every property of docs/json-schema.json, against
# the template. MTLS_ES_TEMPLATE=FILE checks another template (e.g. a copy
# with a field removed, to see the test fail).
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
template=${MTLS_ES_TEMPLATE:-docs/elasticsearch/mtlsdump-index-template.json}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; runs=0
extra=(--certificate-chain)

# run NAME ARGS...: one report into $tmp/NAME.ndjson; exit 0, 1 (a failed
# handshake) and 3 (nothing selected) are verdicts, anything else is a failure
run() {
  local name=$1; shift
  runs=$((runs+1))
  "$bin" "$@" --json > "$tmp/$name.ndjson" 2> "$tmp/$name.err"
  local rc=$?
  case $rc in
    0|1|3) ;;
    *) echo "FAIL $name: mtlsdump $* exited $rc"; head -5 "$tmp/$name.err"; fail=$((fail+1)); rm -f "$tmp/$name.ndjson" ;;
  esac
}

n=0
for cap in samples/pcaps/*.pcap samples/pcaps/*.pcapng; do
  [ -f "$cap" ] || continue
  n=$((n+1))
  file=${cap##*/}; base=${file%.*}; name=$(echo "$file" | tr '.' '_')
  keys=samples/keylogs/$base.keys
  if [ -f "$keys" ]; then
    run "$name-keys" -r "$cap" --ca samples/pki/root.pem --keylog "$keys" -v "${extra[@]}"
    run "$name-nokeys" -r "$cap" --ca samples/pki/root.pem
  else
    run "$name" -r "$cap" --ca samples/pki/root.pem -v "${extra[@]}"
  fi
done
[ "$n" -ge 100 ] || { echo "FAIL only $n captures found in samples/pcaps"; exit 1; }
# chains judged without trust anchors, and with client anchors only (trust_note)
run tls12-unknown-ca_pcap-no-anchors -r samples/pcaps/tls12-unknown-ca.pcap -v
run tls12-mtls-ok_pcap-client-ca-only -r samples/pcaps/tls12-mtls-ok.pcap --client-ca samples/pki/root.pem -v

checks=$((runs+1))
checks=$((checks+1))
if ! grep -q '"certificate_chain"' "$tmp"/*.ndjson; then
  echo "FAIL --certificate-chain wrote no tls.*.certificate_chain"; fail=$((fail+1))
fi

# the fields of issue 30 are among what was checked: ECS event.action/reason/
# dataset/module, mtls.cause, the certificates' visibility, the summary's
# inventory and hidden count (observer.* is a live capture's: the schema walk
# below checks its mapping)
for f in '"action":"client_cert_rejected"' '"reason":"' '"dataset":"mtlsdump.connection"' '"module":"mtlsdump"' \
         '"dataset":"mtlsdump.summary"' '"cause":{"kind":"alert"' '"client_certificate":"hidden"' \
         '"server_endpoints":[{' '"client_addresses":[{' '"uses":[{' '"hidden_client_certificates":1'; do
  checks=$((checks+1))
  grep -qF -- "$f" "$tmp"/*.ndjson || { echo "FAIL no report wrote $f"; fail=$((fail+1)); }
done
# every document goes to the data stream logs-<event.dataset>-<namespace>,
# which the template's index_patterns must match (or Elasticsearch's own
# logs-*-* template would map it)
checks=$((checks+1))
if ! "$PY" - "$template" "$tmp"/*.ndjson <<'EOF'
import fnmatch, json, sys
pats = json.load(open(sys.argv[1]))["index_patterns"]
seen = set()
for f in sys.argv[2:]:
    for line in open(f):
        seen.add(json.loads(line)["event"]["dataset"])
assert seen == {"mtlsdump.connection", "mtlsdump.summary"}, seen
for ds in seen:
    name = "logs-%s-default" % ds
    assert any(fnmatch.fnmatchcase(name, p) for p in pats), (name, pats)
assert not any(fnmatch.fnmatchcase("logs-nginx.access-default", p) for p in pats), pats
EOF
then echo "FAIL the template's index_patterns do not match logs-<event.dataset>-default"; fail=$((fail+1)); fi

echo "$runs runs over $n captures${extra:+ (with ${extra[*]})}"
if "$PY" tests/e2e/es_mapping_check.py --template "$template" --schema docs/json-schema.json "$tmp"/*.ndjson; then
  echo "ok   $template"
else
  echo "FAIL $template does not map what mtlsdump writes (see above)"; fail=$((fail+1))
fi
echo "$((checks-fail)) passed, $fail failed"
[ $fail -eq 0 ]
