#!/usr/bin/env bash
# Output as connections end (issue 29): `tcpdump -U -w - | mtlsdump -r - -q > out`
# writes each connection's line when it ends, not at the end of the input, with
# one engine and with --threads; -l does the same for any input (one write per
# connection, as tcpdump -l); a capture file read into a file keeps its one
# buffered write.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
tmp=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
fail=0; pass=0
ok() { echo "ok   $*"; pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }

# a two-part feed: one whole connection, a pause, then a second one (its packets without a file header)
tail -c +25 samples/pcaps/tls12-apache-unknown-ca.pcap > "$tmp/p2.raw"
printf '#!/bin/sh\ncat "%s"; sleep 2; cat "%s"\n' "$src/samples/pcaps/tls12-mtls-ok.pcap" "$tmp/p2.raw" > "$tmp/feed.sh"
chmod +x "$tmp/feed.sh"

for mode in "-q --threads 1" "-q --threads 2" "--json --threads 1" "--json --threads 2"; do
  "$tmp/feed.sh" | "$bin" -r - $mode --ca samples/pki/root.pem > "$tmp/out" 2> "$tmp/err" &
  pid=$!; pids+=($pid)
  sleep 1
  mid=$(grep -c '' "$tmp/out")
  wait "$pid"; rc=$?
  end=$(grep -c '' "$tmp/out")
  case "$mode" in
    -q*) want_mid=1; want_end=2; first=$(head -1 "$tmp/out") ;;
    *) want_mid=1; want_end=3; first=$(head -1 "$tmp/out" | jq -r .mtls.verdict) ;; # + the summary line
  esac
  if [ "$mid" = "$want_mid" ] && [ "$end" = "$want_end" ] && [ "$rc" = 1 ] && case "$first" in *mtls_ok*) true ;; *) false ;; esac; then
    ok "pipe, $mode: the first connection's output is in the file before the second part is fed ($mid line, then $end)"
  else
    bad "pipe, $mode: $mid line(s) during the pause (want $want_mid), $end at the end (want $want_end), exit $rc"; cat "$tmp/out" "$tmp/err" | head -5
  fi
done

# -l: one write(2) per connection on stdout, for a capture file too; without it, one write
cap=samples/pcaps/many-connections.pcap
n=$("$bin" -r "$cap" -q 2>/dev/null | grep -c '')
if command -v strace > /dev/null; then
  strace -f -e trace=write -o "$tmp/l.trace" "$bin" -r "$cap" -q -l --threads 1 > "$tmp/l.out" 2>/dev/null
  wl=$(grep -c 'write(1,' "$tmp/l.trace")
  strace -f -e trace=write -o "$tmp/nol.trace" "$bin" -r "$cap" -q --threads 1 > "$tmp/nol.out" 2>/dev/null
  wn=$(grep -c 'write(1,' "$tmp/nol.trace")
  if [ "$wl" = "$n" ] && [ "$wn" = 1 ] && cmp -s "$tmp/l.out" "$tmp/nol.out"; then
    ok "-l: $wl writes for $n connections (without -l: $wn), same bytes"
  else bad "-l: $wl writes for $n connections, without -l $wn"; fi
else
  echo "skipped -l write count: no strace"
fi
# -l in --help
help=$("$bin" --help) # (not piped into grep -q: under pipefail its early exit would fail the pipe)
grep -q '^  -l  ' <<< "$help" && ok "-l in --help" || bad "-l not in --help"

echo "stream_output: $pass passed, $fail failed"
[ "$fail" = 0 ]
