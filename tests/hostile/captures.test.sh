#!/bin/bash
# Hostile captures made by tests/tools/make_hostile.c: each must give a defined
# exit code (0/1), no sanitizer report, no hang, a verdict for the hostile
# connection where the bytes claim TLS, and the clean connection appended after
# it (client port 40000) still reported as mtls_ok.
set -u
S=${MTLS_SOURCE_DIR:?}; B=${MTLS_BINARY_DIR:?}
BIN=$B/mtlsdump; GEN=$B/tests/make_hostile
W=$B/hostile-work; rm -rf "$W"; mkdir -p "$W"
"$GEN" gen "$W" "$S/samples/pcaps/tls12-mtls-ok.pcap" || { echo "FAIL: generator"; exit 1; }
fail=0
check() { # name expected-verdicts-regex
    local f=$W/$1.pcap
    timeout 120 "$BIN" -r "$f" --ca "$S/samples/pki/root.pem" --json --max-memory 64M > "$W/$1.json" 2> "$W/$1.err"
    local rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then echo "FAIL $1: exit code $rc"; cat "$W/$1.err"; fail=1; return; fi
    if grep -q 'Sanitizer\|runtime error' "$W/$1.err"; then echo "FAIL $1: sanitizer"; cat "$W/$1.err"; fail=1; return; fi
    if ! grep '"port":40000' "$W/$1.json" | grep -q '"verdict":"mtls_ok"'; then
        echo "FAIL $1: the clean connection after the hostile one was not reported as mtls_ok"; fail=1; return; fi
    local v; v=$(grep -v '"port":40000' "$W/$1.json" | grep '"type":"connection"' | grep -o '"verdict":"[a-z_]*"' | tr '\n' ' ')
    if [ -n "$2" ] && ! [[ "$v" =~ $2 ]]; then echo "FAIL $1: verdicts '$v' do not match /$2/"; fail=1; return; fi
    echo "ok   $1 (exit $rc; hostile verdicts: ${v:-none})"
}
check caplen-gt-len ''
check zero-length-records ''
check huge-handshake-16mib ''
check length-past-end 'malformed|incomplete'
check cert-10000-entries '"verdict":"[a-z_]+"'
check cert-1mib-entry 'malformed'
check cert-bad-der '"verdict":"[a-z_]+"'
# 5,000 extensions / 30,000 groups are legal TLS: analysed (the hostile server
# closes without an alert), the lists kept to their cap and reported
check many-extensions 'aborted'
if ! grep -v '"port":40000' "$W/many-extensions.json" | grep -q '"code":"hello_list_truncated"'; then
    echo "FAIL many-extensions: no hello_list_truncated finding"; fail=1; fi
check seq-jump '"verdict":"[a-z_]+"'
check overlap-conflict '"verdict":"[a-z_]+"'
check sni-escapes '"verdict":"[a-z_]+"'

# Terminal escapes: the text report must not carry raw ESC, BEL or U+202E.
timeout 60 "$BIN" -r "$W/sni-escapes.pcap" --ca "$S/samples/pki/root.pem" --color never -v > "$W/sni.txt" 2>&1
if grep -qP '\x1b|\x07|\xe2\x80\xae' "$W/sni.txt"; then echo "FAIL sni-escapes: raw control bytes in text output"; fail=1
elif ! grep -q 'pwned' "$W/sni.txt"; then echo "FAIL sni-escapes: SNI not shown at all"; fail=1
else echo "ok   sni-escapes text output is escaped"; fi
exit $fail
