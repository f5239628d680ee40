#!/usr/bin/env bash
# A key log that is written while mtlsdump reads (issue 29): the usual
# workflow, `mtlsdump -i lo --keylog keys.log` started first and the client run
# with its key log going to that file, decrypts TLS 1.3 and gives the verdict
# the handshake deserves; and a capture read from a FIFO whose session's
# secrets are appended to the key log only after its handshake was read is
# decrypted too, with the same report as when the key log is complete at start.
# Without the secrets, the session is reported sealed, as before.
# Part 1 needs root (live capture on loopback in a private network namespace).
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0; pass=0
ok() { echo "ok   $*"; pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
pki=samples/pki

# ---- 1. live capture on loopback, key log written by openssl s_client as it goes
live() {
  ip link set lo up 2>/dev/null || true
  local port=44461 kl="$tmp/live.keys"
  : > "$kl"
  "$bin" -i lo --json -Z root --keylog "$kl" --ca "$pki/root.pem" "tcp port $port or tcp port $((port + 1))" > "$tmp/live.ndjson" 2> "$tmp/live.err" &
  local mpid=$!; pids+=("$mpid")
  openssl s_server -accept "127.0.0.1:$port" -cert "$pki/server.pem" -key "$pki/server.key" \
    -cert_chain "$pki/intermediate.pem" -CAfile "$pki/root.pem" -Verify 3 -verify_return_error \
    -tls1_3 -naccept 2 -quiet > "$tmp/server.log" 2>&1 &
  local spid=$!; pids+=("$spid")
  for _ in $(seq 50); do ss -ltn 2>/dev/null | grep -q ":$port " && break; sleep 0.1; done
  sleep 1 # let libpcap start
  # a trusted client certificate, then an untrusted one (rogue CA): decrypted, mtls_ok / client_cert_rejected
  echo hello | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername server.mtls.test -tls1_3 \
    -CAfile "$pki/root.pem" -cert "$pki/alice.pem" -key "$pki/alice.key" -cert_chain "$pki/intermediate.pem" \
    -keylogfile "$kl" -quiet > "$tmp/c1.log" 2>&1
  sleep 0.3
  echo hello | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername server.mtls.test -tls1_3 \
    -CAfile "$pki/root.pem" -cert "$pki/mallory.pem" -key "$pki/mallory.key" \
    -keylogfile "$kl" -quiet > "$tmp/c2.log" 2>&1
  sleep 0.3
  # a client whose secrets never reach the key log, sending 600 KB: its wait ends at the bound
  # (a server that keeps reading: its stdin is a FIFO held open, not /dev/null)
  mkfifo "$tmp/server2.in"; exec 3<>"$tmp/server2.in"
  openssl s_server -accept "127.0.0.1:$((port + 1))" -cert "$pki/server.pem" -key "$pki/server.key" \
    -cert_chain "$pki/intermediate.pem" -CAfile "$pki/root.pem" -Verify 3 -tls1_3 -naccept 1 -quiet \
    < "$tmp/server2.in" > /dev/null 2>&1 &
  pids+=("$!")
  for _ in $(seq 50); do ss -ltn 2>/dev/null | grep -q ":$((port + 1)) " && break; sleep 0.1; done
  head -c 600000 /dev/zero | timeout 10 openssl s_client -connect "127.0.0.1:$((port + 1))" -servername server.mtls.test \
    -tls1_3 -CAfile "$pki/root.pem" -cert "$pki/alice.pem" -key "$pki/alice.key" \
    -cert_chain "$pki/intermediate.pem" -quiet -no_ign_eof > "$tmp/c3.log" 2>&1
  sleep 1
  exec 3>&-
  kill -INT "$mpid"
  for _ in $(seq 50); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
  wait "$mpid"
  kill "$spid" 2>/dev/null
  local got
  got=$(jq -r 'select(.type=="connection" and .mtls.decrypt_note == null) | [.mtls.verdict, (.mtls.decrypted|tostring), (.tls.client.x509.subject.common_name // "-" | if type=="array" then .[0] else . end)] | join(" ")' "$tmp/live.ndjson" | tr '\n' ';')
  if [ "$got" = "mtls_ok true alice;client_cert_rejected true mallory;" ]; then
    ok "live -i lo, key log written by s_client -keylogfile while capturing: both TLS 1.3 sessions decrypted ($got)"
  else
    bad "live key log: got '$got'"; head -c 1500 "$tmp/live.ndjson"; cat "$tmp/live.err" "$tmp/server.log"
  fi
  # the decrypted alert is observed, not inferred from sizes
  local ev
  ev=$(jq -r 'select(.type=="connection" and .mtls.verdict=="client_cert_rejected") | .mtls.evidence' "$tmp/live.ndjson")
  [ "$ev" = observed ] && ok "the rejection is observed (decrypted alert)" || bad "rejection evidence '$ev'"
  local notes
  notes=$(jq -r 'select(.type=="connection") | .mtls.decrypt_note // "none"' "$tmp/live.ndjson" | tr '\n' ';')
  case "$notes" in
    "none;none;no keys for this session in the key log (re-read while 256 KiB of the session's records were held waiting for them);")
      ok "no false 'no keys'; the session whose keys never came says how long it waited (256 KiB)" ;;
    *) bad "decrypt notes: $notes" ;;
  esac
  local peak
  peak=$(jq -r 'select(.type=="connection") | .mtls.verdict' "$tmp/live.ndjson" | sed -n 3p)
  [ "$peak" = encrypted ] || [ "$peak" = mtls_ok ] && ok "the sealed session still gets a verdict ($peak)" || bad "third verdict '$peak'"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done # (in the namespace's shell, the trap outside does not see them)
}
if [ "$(id -u)" != 0 ]; then
  echo "skipped: live part needs root"
elif [ -z "${MTLS_IN_NETNS:-}" ] && unshare -n true 2>/dev/null; then
  MTLS_IN_NETNS=1 unshare -n bash -c "$(declare -f live ok bad); src='$src' bin='$bin' tmp='$tmp' pki='$pki' pass=0 fail=0; pids=(); cd '$src'; live; echo \"\$pass \$fail\" > '$tmp/live.counts'"
  read -r p f < "$tmp/live.counts" || { p=0; f=1; }
  pass=$((pass+p)); fail=$((fail+f))
else
  live
fi

# ---- 2. a capture read from a FIFO; the secrets are appended after the handshake was read
cap=tls13-apache-unknown-ca
editcap -F pcap -r "samples/pcaps/$cap.pcap" "$tmp/p1.pcap" 1-8 > /dev/null       # handshake, client certificate flight
editcap -F pcap -r "samples/pcaps/$cap.pcap" "$tmp/p2.pcap" 9-12 > /dev/null      # the server's alert, the end
tail -c +25 "$tmp/p2.pcap" > "$tmp/p2.raw"                                        # its packets without the file header
# the feeder: part 1, pause, (append the key log), pause, part 2
printf '#!/bin/sh\ncat "%s"; sleep 1; [ "$1" = keys ] && cat "%s" >> "%s"; sleep 0.5; cat "%s"\n' \
  "$tmp/p1.pcap" "samples/keylogs/$cap.keys" "$tmp/late.keys" "$tmp/p2.raw" > "$tmp/feed.sh"
chmod +x "$tmp/feed.sh"
mkfifo "$tmp/fifo"
"$bin" -r "samples/pcaps/$cap.pcap" --keylog "samples/keylogs/$cap.keys" --json --no-summary --ca "$pki/root.pem" > "$tmp/ref.json" 2>/dev/null
for threads in 1 2; do # one engine; workers that follow the file each
  : > "$tmp/late.keys"
  "$tmp/feed.sh" keys > "$tmp/fifo" &
  pids+=($!)
  "$bin" -r "$tmp/fifo" --threads $threads --keylog "$tmp/late.keys" --json --no-summary --ca "$pki/root.pem" > "$tmp/late.json" 2> "$tmp/late.err"
  if [ "$(jq -r '.mtls.verdict + " " + (.mtls.decrypted|tostring)' "$tmp/late.json")" = "client_cert_rejected true" ] &&
     diff <(jq -S . "$tmp/late.json") <(jq -S . "$tmp/ref.json") > "$tmp/late.diff"; then
    ok "FIFO (--threads $threads), secrets appended after the handshake was read: decrypted, same report as with the key log at start"
  else bad "late secrets (--threads $threads): $(jq -c '[.mtls.verdict, .mtls.decrypted, .mtls.decrypt_note]' "$tmp/late.json")"; head -20 "$tmp/late.diff"; cat "$tmp/late.err"; fi
done

# more sessions, cut in the middle (TLS 1.2 with its keys needed at the ChangeCipherSpec, a
# renegotiation, GnuTLS TLS 1.3), the secrets appended at the cut: the report is the one a
# complete key log gives
for c in tls12-apache-unknown-ca tls12-apache-reneg-mtls-ok gnutls-tls13-mtls-ok; do
  n=$(capinfos -c -M "samples/pcaps/$c.pcap" | awk '/Number of packets/ {print $NF}'); h=$((n / 2))
  editcap -F pcap -r "samples/pcaps/$c.pcap" "$tmp/c1.pcap" "1-$h" > /dev/null
  editcap -F pcap -r "samples/pcaps/$c.pcap" "$tmp/c2.pcap" "$((h + 1))-$n" > /dev/null
  tail -c +25 "$tmp/c2.pcap" > "$tmp/c2.raw"
  : > "$tmp/cut.keys"
  ( cat "$tmp/c1.pcap"; sleep 0.7; cat "samples/keylogs/$c.keys" >> "$tmp/cut.keys"; sleep 0.3; cat "$tmp/c2.raw" ) > "$tmp/fifo" &
  pids+=($!)
  "$bin" -r "$tmp/fifo" --keylog "$tmp/cut.keys" --json --no-summary --ca "$pki/root.pem" > "$tmp/cut.json" 2>/dev/null
  "$bin" -r "samples/pcaps/$c.pcap" --keylog "samples/keylogs/$c.keys" --json --no-summary --ca "$pki/root.pem" > "$tmp/cutref.json" 2>/dev/null
  if [ "$(jq -r .mtls.decrypted "$tmp/cut.json")" = true ] && diff <(jq -S . "$tmp/cut.json") <(jq -S . "$tmp/cutref.json") > /dev/null; then
    ok "$c cut after packet $h of $n, secrets at the cut: the report of a complete key log"
  else bad "$c cut at $h: $(jq -c '[.mtls.verdict, .mtls.decrypted, .mtls.decrypt_note]' "$tmp/cut.json")"; fi
done

# the secrets in two writes, as a client writes them: the handshake secrets after the
# ServerHello, the application secrets only after the server's Finished was read (the
# session waits a second time, for those), and the report is still the complete key log's
editcap -F pcap -r "samples/pcaps/$cap.pcap" "$tmp/t1.pcap" 1-6 > /dev/null   # up to the server's flight
editcap -F pcap -r "samples/pcaps/$cap.pcap" "$tmp/t2.pcap" 7-8 > /dev/null   # the client's flight
editcap -F pcap -r "samples/pcaps/$cap.pcap" "$tmp/t3.pcap" 9-12 > /dev/null  # application data, alert, end
: > "$tmp/two.keys"
( cat "$tmp/t1.pcap"; sleep 0.7; grep '_HANDSHAKE_TRAFFIC_SECRET ' "samples/keylogs/$cap.keys" >> "$tmp/two.keys"; sleep 0.3
  tail -c +25 "$tmp/t2.pcap"; sleep 0.7; grep -v '_HANDSHAKE_TRAFFIC_SECRET ' "samples/keylogs/$cap.keys" >> "$tmp/two.keys"; sleep 0.3
  tail -c +25 "$tmp/t3.pcap" ) > "$tmp/fifo" &
pids+=($!)
"$bin" -r "$tmp/fifo" --keylog "$tmp/two.keys" --json --no-summary --ca "$pki/root.pem" > "$tmp/two.json" 2>/dev/null
if [ "$(jq -r .mtls.decrypted "$tmp/two.json")" = true ] && diff <(jq -S . "$tmp/two.json") <(jq -S . "$tmp/ref.json") > /dev/null; then
  ok "handshake secrets first, application secrets after the server's Finished: the report of a complete key log"
else bad "two writes: $(jq -c '[.mtls.verdict, .mtls.decrypted, .mtls.decrypt_note]' "$tmp/two.json")"; fi

# the same feed, no secrets ever: the session is sealed (the same as a file read without a key log)
: > "$tmp/late.keys"
"$tmp/feed.sh" none > "$tmp/fifo" &
pids+=($!)
"$bin" -r "$tmp/fifo" --keylog "$tmp/late.keys" --json --no-summary --ca "$pki/root.pem" > "$tmp/none.json" 2>/dev/null
"$bin" -r "samples/pcaps/$cap.pcap" --keylog "$tmp/late.keys" --json --no-summary --ca "$pki/root.pem" > "$tmp/noref.json" 2>/dev/null
if [ "$(jq -r '.mtls.decrypted' "$tmp/none.json")" = false ] &&
   diff <(jq -S . "$tmp/none.json") <(jq -S . "$tmp/noref.json") > /dev/null; then
  ok "FIFO, secrets never written: reported sealed, as a file read with that key log"
else bad "no secrets: $(jq -c '[.mtls.verdict, .mtls.decrypted]' "$tmp/none.json")"; fi

# a session whose secrets do not come stops waiting after 10 s of packet time (here its
# second half comes 20 s later), and says so
editcap -F pcap -t 20 "$tmp/p2.pcap" "$tmp/p2late.pcap" > /dev/null
: > "$tmp/late.keys"
cat "$tmp/p1.pcap" <(tail -c +25 "$tmp/p2late.pcap") |
  "$bin" -r - --threads 1 --keylog "$tmp/late.keys" --json --no-summary --ca "$pki/root.pem" > "$tmp/slow.json" 2>/dev/null
note=$(jq -r .mtls.decrypt_note "$tmp/slow.json")
[ "$note" = "no keys for this session in the key log (re-read for 10 s while the session's records were held waiting for them)" ] &&
  ok "secrets that never come: the wait ends after 10 s of packet time, said in the note" || bad "10 s bound: note '$note'"

# the key log does not exist when the capture starts: said, not an error; read once it appears
rm -f "$tmp/late.keys"
"$tmp/feed.sh" keys > "$tmp/fifo" &
pids+=($!)
"$bin" -r "$tmp/fifo" --keylog "$tmp/late.keys" --json --no-summary --ca "$pki/root.pem" > "$tmp/absent.json" 2> "$tmp/absent.err"
rc=$?
if [ "$rc" = 1 ] && [ "$(jq -r '.mtls.decrypted' "$tmp/absent.json")" = true ] && grep -q 'does not exist yet' "$tmp/absent.err"; then
  ok "a key log that appears during the capture: noted on stderr, then read (decrypted)"
else bad "absent key log: exit $rc $(cat "$tmp/absent.err")"; fi

# SSLKEYLOGFILE (the key log when --keylog is not given) is followed the same way
: > "$tmp/late.keys"
"$tmp/feed.sh" keys > "$tmp/fifo" &
pids+=($!)
SSLKEYLOGFILE="$tmp/late.keys" "$bin" -r "$tmp/fifo" --json --no-summary --ca "$pki/root.pem" > "$tmp/env.json" 2>/dev/null
[ "$(jq -r '.mtls.decrypted' "$tmp/env.json")" = true ] && ok "SSLKEYLOGFILE is followed the same way" ||
  bad "SSLKEYLOGFILE late secrets not used"

echo "live_keylog: $pass passed, $fail failed"
[ "$fail" = 0 ]
