#!/usr/bin/env bash
# For auditors and log pipelines (issue 30), each output read back:
#   --format csv|tsv   read with Python's csv module: one header, one row per
#                      connection (as many as the JSON has), whole rows with the
#                      DNs' commas intact; one capture's row checked field by
#                      field against openssl on the PKI files and tshark on the
#                      capture; the same rows for --threads 1 and 2; filters
#                      select the same connections as in JSON
#   --inventory FILE   one row per certificate x client address x server, equal
#                      to the JSON summary's client_certificates[].uses, whose
#                      server_endpoints and client_addresses are their sums
#   hidden_client_certificates  counted on a TLS 1.3 capture without keys (and
#                      the text summary says to pass a key log), 0 with keys
#   --dump-certs DIR   DIR/index.csv has one row per PEM file written (same
#                      SHA-256 as the file's certificate per openssl), roles and
#                      peers, and is byte-identical for --threads 1 and 2
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { echo "ok   $*"; pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

many=samples/pcaps/many-connections.pcap
many_keys=samples/keylogs/many-connections.keys

# ---- --format csv: header, row count, whole rows ----
"$bin" -r "$many" --keylog "$many_keys" --format csv --no-summary > "$tmp/many.csv" 2> "$tmp/many.err"
rc=$?
"$bin" -r "$many" --keylog "$many_keys" --json --no-summary > "$tmp/many.ndjson" 2>/dev/null
check "csv exit status $rc is that of json (1: failed handshakes)" [ "$rc" = 1 ]
"$PY" - "$tmp/many.csv" "$tmp/many.ndjson" <<'EOF' && ok "csv: header, one row per JSON connection, DNs with commas intact, CRLF rows" || bad "csv rows"
import csv, json, sys
raw = open(sys.argv[1], 'rb').read()
assert raw.endswith(b'\r\n') and raw.count(b'\r\n') == raw.count(b'\n'), "rows end in CRLF"
rows = list(csv.reader(open(sys.argv[1], newline='')))
conns = [json.loads(l) for l in open(sys.argv[2])]
head = rows[0]
assert head[:4] == ['time', 'connection_id', 'client_ip', 'client_port'], head
assert len(rows) - 1 == len(conns) and len(conns) > 20, (len(rows), len(conns))
assert all(len(r) == len(head) for r in rows), "every row has every column"
by_id = {str(c['mtls']['connection_id']): c for c in conns}
col = {n: i for i, n in enumerate(head)}
subjects = 0
for r in rows[1:]:
    c = by_id[r[col['connection_id']]]
    assert r[col['verdict']] == c['mtls']['verdict']
    assert r[col['failed']] == str(c['mtls']['failed']).lower()
    assert r[col['sni']] == c['tls']['client'].get('server_name', '')
    assert r[col['client_certificate']] == c['mtls']['client_certificate']
    assert r[col['cause']] == c['mtls'].get('cause', {}).get('code', '')
    x = c['tls']['client'].get('x509', {})
    if x:
        assert r[col['client_cert_subject']] == x['subject']['distinguished_name'], r
        assert ',' in r[col['client_cert_subject']]
        assert r[col['client_cert_sha256']] == c['tls']['client']['hash']['sha256'].lower()
        subjects += 1
assert subjects >= 5, subjects
EOF

# ---- one known capture, field by field ----
cap=samples/pcaps/tls12-apache-expired-client-cert.pcap
"$bin" -r "$cap" --ca samples/pki/root.pem --format csv 2> "$tmp/one.err" > "$tmp/one.csv"
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f; }
serial=$(openssl x509 -in samples/pki/carol-expired.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
enddate=$(date -u -d "$(openssl x509 -in samples/pki/carol-expired.pem -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%S.000000Z)
subj=$(openssl x509 -in samples/pki/carol-expired.pem -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
issuer=$(openssl x509 -in samples/pki/carol-expired.pem -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
ssubj=$(openssl x509 -in samples/pki/server.pem -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
# the connection's time is that of its first payload (the ClientHello), as
# JSON's @timestamp; tshark reads it, and the client and server ports
read -r t0 cport sport < <(tshark -n -r "$cap" -Y 'tcp.len > 0' -T fields -e frame.time_epoch -e tcp.srcport -e tcp.dstport 2>/dev/null | head -1)
t0=$(date -u -d "@${t0%%.*}" +%Y-%m-%dT%H:%M:%S).$(printf '%-6.6s' "${t0#*.}" | tr ' ' 0)Z
"$PY" - "$tmp/one.csv" <<EOF && ok "one capture's row, field by field (openssl, tshark)" || bad "one capture's row"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert len(rows) == 1, rows
want = {
  'time': '$t0', 'connection_id': '1', 'client_ip': '127.0.0.1', 'client_port': '$cport',
  'server_ip': '127.0.0.1', 'server_port': '$sport', 'sni': 'server.mtls.test', 'version': 'TLS 1.2',
  'verdict': 'client_cert_rejected', 'failed': 'true', 'evidence': 'observed',
  'cause_kind': 'alert', 'cause': 'certificate_expired',
  'client_certificate': 'read', 'client_cert_subject': '$subj', 'client_cert_issuer': '$issuer',
  'client_cert_serial': '$serial', 'client_cert_sha256': '$(fp samples/pki/carol-expired.pem)',
  'client_cert_not_after': '$enddate', 'client_chain_valid': 'false',
  'client_chain_trust_checked': 'true', 'client_chain_error': 'cert_expired',
  'server_certificate': 'read', 'server_cert_subject': '$ssubj',
  'server_cert_sha256': '$(fp samples/pki/server.pem)',
}
got = rows[0]
assert set(got) == set(want), set(got) ^ set(want)
diff = {k: (got[k], v) for k, v in want.items() if got[k] != v}
assert not diff, diff
EOF
check "csv: the summary goes to stderr, not into the rows" grep -q '^Summary: 1 connection, 1 failed' "$tmp/one.err"

# ---- tsv, filters, threads ----
"$bin" -r "$many" --keylog "$many_keys" --format tsv --no-summary > "$tmp/many.tsv" 2>/dev/null
"$PY" - "$tmp/many.csv" "$tmp/many.tsv" <<'EOF' && ok "tsv: the same fields as csv, tab-separated" || bad "tsv"
import csv, sys
a = list(csv.reader(open(sys.argv[1], newline='')))
b = list(csv.reader(open(sys.argv[2], newline=''), delimiter='\t'))
assert a == b and len(a) > 20
EOF
"$bin" -r "$many" --keylog "$many_keys" --format csv --no-summary --only-failures > "$tmp/f.csv" 2>/dev/null
nfail=$(jq -s 'map(select(.mtls.failed)) | length' "$tmp/many.ndjson")
check "--only-failures: $nfail failed rows + header" [ "$(wc -l < "$tmp/f.csv")" = $((nfail+1)) ]
"$bin" -r "$many" --keylog "$many_keys" --format csv --no-summary --client-subject carol > "$tmp/s.csv" 2>/dev/null
ncarol=$(jq -s 'map(select((.tls.client.x509.subject.distinguished_name // "") | contains("carol"))) | length' "$tmp/many.ndjson")
check "--client-subject carol: $ncarol rows + header" [ "$(wc -l < "$tmp/s.csv")" = $((ncarol+1)) -a "$ncarol" -ge 1 ]
for t in 1 2; do
  "$bin" -r "$many" --keylog "$many_keys" --format csv --threads $t --inventory "$tmp/inv$t.csv" > "$tmp/t$t.csv" 2>/dev/null
done
check "csv --threads 2: the same header first, the same whole rows" \
  bash -c "[ \"\$(head -1 '$tmp/t1.csv')\" = \"\$(head -1 '$tmp/t2.csv')\" ] && cmp -s <(sort '$tmp/t1.csv') <(sort '$tmp/t2.csv')"
check "--inventory: the same file for --threads 1 and 2" cmp -s "$tmp/inv1.csv" "$tmp/inv2.csv"
for t in 1 2; do "$bin" -r "$many" --format csv --sort --threads $t --no-summary > "$tmp/sorted$t.csv" 2>/dev/null; done
check "csv --sort: byte-identical for --threads 1 and 2, rows by connection id" bash -c "
  cmp -s '$tmp/sorted1.csv' '$tmp/sorted2.csv' &&
  '$PY' -c 'import csv,sys; ids=[int(r[\"connection_id\"]) for r in csv.DictReader(open(sys.argv[1], newline=\"\"))]; assert ids == sorted(ids) and len(ids) > 20' '$tmp/sorted1.csv'"

# ---- the inventory: CSV and JSON agree ----
"$bin" -r "$many" --keylog "$many_keys" --json --inventory "$tmp/inv.csv" > "$tmp/sum.ndjson" 2>/dev/null
tail -1 "$tmp/sum.ndjson" > "$tmp/summary.json"
"$PY" - "$tmp/inv.csv" "$tmp/summary.json" "$tmp/many.ndjson" <<'EOF' && ok "inventory CSV = the summary's uses; server_endpoints and client_addresses are their sums; = the connections" || bad "inventory"
import csv, json, sys
from collections import Counter
inv = list(csv.DictReader(open(sys.argv[1], newline='')))
sm = json.load(open(sys.argv[2]))
assert sm['type'] == 'summary' and sm['event']['dataset'] == 'mtlsdump.summary'
assert sm['inventory_capped'] is False
from_json = []
for c in sm['client_certificates']:
    for u in c['uses']:
        from_json.append((c['sha256'].lower(), c['subject'], u['client_ip'], u['server_ip'], str(u['server_port']),
                          u.get('sni', ''), str(u['handshakes']), str(u['failed']), u['first_seen'], u['last_seen']))
    se = Counter(); sf = Counter(); ce = Counter(); cf = Counter()
    for u in c['uses']:
        k = (u['server_ip'], u['server_port'], u.get('sni'))
        se[k] += u['handshakes']; sf[k] += u['failed']
        ce[u['client_ip']] += u['handshakes']; cf[u['client_ip']] += u['failed']
    assert {(s['ip'], s['port'], s.get('sni')): (s['handshakes'], s['failed']) for s in c['server_endpoints']} == \
           {k: (se[k], sf[k]) for k in se}
    assert {a['ip']: (a['handshakes'], a['failed']) for a in c['client_addresses']} == {k: (ce[k], cf[k]) for k in ce}
    assert sum(u['handshakes'] for u in c['uses']) == c['handshakes']
from_csv = [(r['client_cert_sha256'], r['client_cert_subject'], r['client_ip'], r['server_ip'], r['server_port'],
             r['sni'], r['handshakes'], r['failed'], r['first_seen'], r['last_seen']) for r in inv]
assert from_csv == from_json and len(from_csv) >= 5, (from_csv, from_json)
# and each triple counts the connections that presented the certificate there
conns = Counter()
for l in open(sys.argv[3]):
    c = json.loads(l)
    h = c['tls']['client'].get('hash', {}).get('sha256')
    if h:
        conns[(h.lower(), c['client']['ip'], c['server']['ip'], str(c['server']['port']), c['tls']['client'].get('server_name', ''))] += 1
assert {(r[0], r[2], r[3], r[4], r[5]): int(r[6]) for r in from_csv} == dict(conns)
EOF
check "text summary: each certificate's client addresses" grep -q '^    clients: 127.0.0.1 (' <("$bin" -r "$many" --keylog "$many_keys" 2>/dev/null)
"$bin" -r "$many" --inventory - > /dev/null 2> "$tmp/e"; rc=$?
check "--inventory - is a usage error (exit $rc)" [ "$rc" = 2 ]
"$bin" -r "$many" --inventory "$tmp/no/such/dir/inv.csv" > "$tmp/o" 2> "$tmp/e"; rc=$?
check "--inventory in a missing directory: exit $rc, says so, no report" \
  bash -c "[ $rc = 2 ] && grep -q 'inventory' '$tmp/e' && [ ! -s '$tmp/o' ]"

# ---- what could not be seen ----
hid() { "$bin" -r samples/pcaps/tls13-nginx-mtls-ok.pcap "$@" --json | tail -1 | jq -r .hidden_client_certificates; }
check "TLS 1.3 without keys: hidden_client_certificates 1" [ "$(hid)" = 1 ]
check "TLS 1.3 with keys: hidden_client_certificates 0" [ "$(hid --keylog samples/keylogs/tls13-nginx-mtls-ok.keys)" = 0 ]
check "TLS 1.2 without keys: the certificate is in clear, hidden 0" \
  [ "$("$bin" -r samples/pcaps/tls12-nginx-mtls-ok.pcap --json | tail -1 | jq -r .hidden_client_certificates)" = 0 ]
check "text summary says how to see them (a key log)" \
  grep -q '^Hidden: 1 handshake .*pass --keylog FILE' <("$bin" -r samples/pcaps/tls13-nginx-mtls-ok.pcap 2>/dev/null)
check "csv: client_certificate hidden without keys, read with keys" bash -c "
  [ \"\$('$bin' -r samples/pcaps/tls13-nginx-mtls-ok.pcap --format csv 2>/dev/null | '$PY' -c 'import csv,sys; print(list(csv.DictReader(sys.stdin))[0][\"client_certificate\"])')\" = hidden ] &&
  [ \"\$('$bin' -r samples/pcaps/tls13-nginx-mtls-ok.pcap --keylog samples/keylogs/tls13-nginx-mtls-ok.keys --format csv 2>/dev/null | '$PY' -c 'import csv,sys; print(list(csv.DictReader(sys.stdin))[0][\"client_certificate\"])')\" = read ]"

# ---- --dump-certs DIR/index.csv ----
for t in 1 2; do
  mkdir "$tmp/d$t"
  "$bin" -r "$many" --keylog "$many_keys" --dump-certs "$tmp/d$t" --threads $t -q > /dev/null 2>&1
done
"$PY" - "$tmp/d1" <<'EOF' && ok "index.csv: one row per PEM file, SHA-256 and subject as openssl reads the file, roles, peers" || bad "index.csv"
import csv, os, subprocess, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, 'index.csv'), newline='')))
pems = sorted(f for f in os.listdir(d) if f.endswith('.pem'))
assert [r['file'] for r in rows] == pems and len(pems) >= 4, (rows, pems)
roles = set()
for r in rows:
    out = subprocess.run(['openssl', 'x509', '-in', os.path.join(d, r['file']), '-noout', '-fingerprint', '-sha256',
                          '-subject', '-nameopt', 'RFC2253'], capture_output=True, text=True, check=True).stdout
    fp = out.split('\n')[0].split('=', 1)[1].replace(':', '').lower()
    assert fp == r['sha256'] and r['file'] == fp + '.pem', (fp, r)
    assert out.split('\n')[1] == 'subject=' + r['subject'], (out, r)
    roles |= set(r['role'].split(';'))
    assert int(r['connections']) >= 1 and r['first_seen'] <= r['last_seen']
    if r['role'].startswith('client leaf'):
        assert r['servers'].startswith('127.0.0.1:443'), r
    if 'server leaf' in r['role']:
        assert r['clients'] == '127.0.0.1', r
assert {'client leaf', 'server leaf', 'server intermediate'} <= roles, roles
EOF
check "index.csv is byte-identical for --threads 1 and 2" cmp -s "$tmp/d1/index.csv" "$tmp/d2/index.csv"
mkdir "$tmp/d3"; cp "$tmp/d1/index.csv" "$tmp/d3/index.csv"
"$bin" -r "$cap" --dump-certs "$tmp/d3" -q > /dev/null 2>&1
check "a second run replaces index.csv with its own certificates" \
  [ "$(($(wc -l < "$tmp/d3/index.csv") - 1))" = "$(ls "$tmp/d3"/*.pem | wc -l)" ]

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
