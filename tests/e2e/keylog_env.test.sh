#!/usr/bin/env bash
# $SSLKEYLOGFILE: without --keylog, the file it names is the key log (the
# same report as --keylog FILE); empty, it is no key log; --keylog wins over
# it; a file it names that cannot be read is an error naming the file.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass+1)); }
bad() { echo "FAIL $1"; fail=$((fail+1)); }
pcap=samples/pcaps/tls13-mtls-ok.pcap; keys=samples/keylogs/tls13-mtls-ok.keys; ca=samples/pki/root.pem
run() { # output name, environment assignments..., -- mtlsdump arguments...
  local out=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  env -u SSLKEYLOGFILE "${envs[@]}" "$bin" -r "$pcap" --ca "$ca" --json "$@" > "$tmp/$out" 2> "$tmp/$out.err"
  echo $? > "$tmp/$out.rc"
}
run flag -- --keylog "$keys"
run none --
run env SSLKEYLOGFILE="$keys" --
run empty SSLKEYLOGFILE= --
run both SSLKEYLOGFILE="$tmp/missing.keys" -- --keylog "$keys"
run missing SSLKEYLOGFILE="$tmp/missing.keys" --

grep -q '"decrypted":true' "$tmp/flag" && ! grep -q '"decrypted":true' "$tmp/none" &&
  ok "--keylog decrypts what the run without a key log cannot" || bad "--keylog makes no difference: the test proves nothing"
cmp -s "$tmp/env" "$tmp/flag" && ok "\$SSLKEYLOGFILE reads as --keylog FILE" || { bad "\$SSLKEYLOGFILE differs from --keylog"; diff "$tmp/env" "$tmp/flag" | head -5; }
cmp -s "$tmp/empty" "$tmp/none" && ok "an empty \$SSLKEYLOGFILE is no key log" || bad "an empty \$SSLKEYLOGFILE changed the report"
cmp -s "$tmp/both" "$tmp/flag" && [ "$(cat "$tmp/both.rc")" = "$(cat "$tmp/flag.rc")" ] &&
  ok "--keylog wins over \$SSLKEYLOGFILE" || { bad "--keylog does not win over \$SSLKEYLOGFILE"; cat "$tmp/both.err"; }
[ "$(cat "$tmp/missing.rc")" = 2 ] && grep -qF "cannot read key log '$tmp/missing.keys'" "$tmp/missing.err" &&
  ok "an unreadable \$SSLKEYLOGFILE is an error naming it" || { bad "unreadable \$SSLKEYLOGFILE: exit $(cat "$tmp/missing.rc")"; cat "$tmp/missing.err"; }

echo "keylog_env: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
