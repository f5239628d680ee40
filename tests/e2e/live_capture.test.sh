#!/usr/bin/env bash
# Live capture end to end: mtlsdump -i lo --json with a port filter watches a
# real mTLS handshake and a failing one (openssl s_server / s_client on
# loopback), is stopped with SIGINT, and its NDJSON is checked. Then a run
# with -w into a directory only root may write, privileges dropped to nobody
# (the default): the file is written, and the connection ids printed are the
# packet ids (frame numbers of the run) tshark shows for each connection's
# first packet in the file, although a refused connection's packets are not in it.
# Needs root (and runs in a private network namespace when unshare works).
set -uo pipefail
if [ "$(id -u)" != 0 ]; then echo "skipped: needs root"; exit 0; fi
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
if [ -z "${MTLS_IN_NETNS:-}" ] && unshare -n true 2>/dev/null; then
  exec env MTLS_IN_NETNS=1 unshare -n bash "$0" "$@"
fi
ip link set lo up 2>/dev/null || true
pki=$src/samples/pki; port=44399
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; exec 3>&- 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$bin" -i lo --json -Z root --idle-timeout 2 "tcp port $port or tcp port $((port + 1))" > "$tmp/out.ndjson" 2> "$tmp/err" &
mpid=$!; pids+=("$mpid")
openssl s_server -accept "127.0.0.1:$port" -cert "$pki/server.pem" -key "$pki/server.key" \
  -cert_chain "$pki/intermediate.pem" -CAfile "$pki/root.pem" -Verify 3 -verify_return_error \
  -tls1_2 -naccept 2 -quiet > "$tmp/server.log" 2>&1 &
spid=$!; pids+=("$spid")
for _ in $(seq 50); do ss -ltn 2>/dev/null | grep -q ":$port " && break; sleep 0.1; done
sleep 1 # let libpcap start
echo hello | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername server.mtls.test \
  -CAfile "$pki/root.pem" -cert "$pki/alice.pem" -key "$pki/alice.key" -cert_chain "$pki/intermediate.pem" \
  -quiet > "$tmp/c1.log" 2>&1
echo hello | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername server.mtls.test \
  -CAfile "$pki/root.pem" -quiet > "$tmp/c2.log" 2>&1
# a third connection stays open and idle: --idle-timeout 2 must report it
# while the capture is still running (on a quiet interface, from the tick)
# (s_server closes its connection when its own stdin ends: give it a FIFO we hold open)
mkfifo "$tmp/server2.in"; exec 3<>"$tmp/server2.in"
openssl s_server -accept "127.0.0.1:$((port + 1))" -cert "$pki/server.pem" -key "$pki/server.key" \
  -cert_chain "$pki/intermediate.pem" -CAfile "$pki/root.pem" -Verify 3 -tls1_2 -quiet \
  < "$tmp/server2.in" > "$tmp/server2.log" 2>&1 &
pids+=("$!")
for _ in $(seq 50); do ss -ltn 2>/dev/null | grep -q ":$((port + 1)) " && break; sleep 0.1; done
(sleep 8) | timeout 12 openssl s_client -connect "127.0.0.1:$((port + 1))" -servername server.mtls.test \
  -CAfile "$pki/root.pem" -cert "$pki/alice.pem" -key "$pki/alice.key" -cert_chain "$pki/intermediate.pem" \
  -quiet > "$tmp/c3.log" 2>&1 &
cpid=$!; pids+=("$cpid")
idle_seen=no
for _ in $(seq 60); do
  [ "$(grep -c '"type":"connection"' "$tmp/out.ndjson")" -ge 3 ] && { idle_seen=yes; break; }
  sleep 0.1
done
kill "$cpid" 2>/dev/null
sleep 1
kill -INT "$mpid"
for _ in $(seq 50); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
wait "$mpid"; rc=$?
kill "$spid" 2>/dev/null
fail=0
n=$(grep -c '"type":"connection"' "$tmp/out.ndjson")
v1=$(jq -r 'select(.type=="connection") | .mtls.verdict' "$tmp/out.ndjson" | sed -n 1p)
v2=$(jq -r 'select(.type=="connection") | .mtls.verdict' "$tmp/out.ndjson" | sed -n 2p)
cn=$(jq -r 'select(.type=="connection") | .tls.client.x509.subject.common_name // empty | if type=="array" then .[0] else . end' "$tmp/out.ndjson" | sed -n 1p)
# (the idle connection's closing packets after its report count as a new, mid-stream flow)
[ "$n" -ge 3 ] || { echo "FAIL: expected at least 3 connections, got $n"; fail=1; }
[ "$idle_seen" = yes ] || { echo "FAIL: the idle connection was not reported while the capture ran"; fail=1; }
ev=$(jq -r --argjson p $((port + 1)) 'select(.type=="connection" and .destination.port == $p and .mtls.verdict == "mtls_ok") | [.mtls.findings[].code] | index("evicted") != null' "$tmp/out.ndjson" | sed -n 1p)
[ "$ev" = true ] || { echo "FAIL: the idle connection has no 'evicted' finding"; fail=1; }
# ... and the finding names its real cause, the idle timeout (not a flow or memory cap)
cause=$(jq -r --argjson p $((port + 1)) 'select(.type=="connection" and .destination.port == $p) | .mtls.findings[] | select(.code == "evicted") | .message' "$tmp/out.ndjson" | sed -n 1p)
case "$cause" in *"--idle-timeout"*) ;; *) echo "FAIL: the idle eviction names another cause: $cause"; fail=1 ;; esac
[ "$v1" = mtls_ok ] || { echo "FAIL: first verdict '$v1', expected mtls_ok"; fail=1; }
[ "$v2" = client_cert_missing ] || { echo "FAIL: second verdict '$v2', expected client_cert_missing"; fail=1; }
[ "$cn" = alice ] || { echo "FAIL: client certificate CN '$cn', expected alice"; fail=1; }
[ "$rc" = 1 ] || { echo "FAIL: exit code $rc, expected 1 (one failed handshake)"; fail=1; }
# the summary carries libpcap's counters for a live capture
kr=$(jq -r 'select(.type=="summary") | if .capture.live then .capture.kernel_received else "none" end' "$tmp/out.ndjson")
[ "$kr" != none ] && [ "${kr:-0}" -gt 0 ] || { echo "FAIL: summary has no live kernel counters ($kr)"; fail=1; }
# ECS observer.* on every document of a live capture: the host and the interface
obs=$(jq -r '"\(.observer.hostname) \(.observer.type) \(.observer.ingress.interface.name)"' "$tmp/out.ndjson" | sort -u)
[ "$obs" = "$(hostname) sensor lo" ] || { echo "FAIL: observer.* '$obs', expected '$(hostname) sensor lo' on every document"; fail=1; }
if [ $fail != 0 ]; then cat "$tmp/out.ndjson" "$tmp/err" "$tmp/server.log"; echo "0 passed, 1 failed"; exit 1; fi
echo "ok   live capture: 3 connections, verdicts $v1 / $v2, client CN $cn, idle connection reported by the idle timeout"

# -w as root, privileges dropped to nobody afterwards: the file is opened first
wport=$((port + 2)); closed=$((port + 3))
wdir=$(mktemp -d); chmod 700 "$wdir" # only root may create files here
"$bin" -i lo --json -w "$wdir/live.pcapng" "tcp port $wport or tcp port $closed" > "$tmp/w.ndjson" 2> "$tmp/w.err" &
wpid=$!; pids+=("$wpid")
openssl s_server -accept "127.0.0.1:$wport" -cert "$pki/server.pem" -key "$pki/server.key" \
  -cert_chain "$pki/intermediate.pem" -CAfile "$pki/root.pem" -Verify 3 -verify_return_error \
  -tls1_2 -naccept 2 -quiet > "$tmp/wserver.log" 2>&1 &
wspid=$!; pids+=("$wspid")
for _ in $(seq 50); do ss -ltn 2>/dev/null | grep -q ":$wport " && break; sleep 0.1; done
sleep 1
user=$(ps -o user= -p "$wpid" | tr -d ' ')
# a refused connection first (SYN, RST): captured and counted, never written
timeout 5 openssl s_client -connect "127.0.0.1:$closed" < /dev/null > /dev/null 2>&1
echo hello | timeout 10 openssl s_client -connect "127.0.0.1:$wport" -servername server.mtls.test \
  -CAfile "$pki/root.pem" -cert "$pki/alice.pem" -key "$pki/alice.key" -cert_chain "$pki/intermediate.pem" \
  -quiet > /dev/null 2>&1
echo hello | timeout 10 openssl s_client -connect "127.0.0.1:$wport" -servername server.mtls.test \
  -CAfile "$pki/root.pem" -quiet > /dev/null 2>&1
for _ in $(seq 50); do [ "$(grep -c '"type":"connection"' "$tmp/w.ndjson")" -ge 2 ] && break; sleep 0.1; done
sleep 0.5
kill -INT "$wpid"
for _ in $(seq 50); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
wait "$wpid"; wrc=$?
kill "$wspid" 2>/dev/null
wfail=0
[ "$user" = nobody ] || { echo "FAIL -w: the capture runs as '$user', not nobody"; wfail=1; }
[ "$wrc" = 1 ] || { echo "FAIL -w: exit $wrc, expected 1 (one failed handshake)"; wfail=1; }
[ -s "$wdir/live.pcapng" ] || { echo "FAIL -w: no file written"; wfail=1; }
ids=$(jq -r 'select(.type=="connection") | .mtls.connection_id' "$tmp/w.ndjson" | sort -n | tr '\n' ' ')
pkt_ids=$(tshark -r "$wdir/live.pcapng" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e frame.packet_id 2>/dev/null | sort -n | tr '\n' ' ')
frames=$(tshark -r "$wdir/live.pcapng" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e frame.number 2>/dev/null | sort -n | tr '\n' ' ')
comments=$(tshark -r "$wdir/live.pcapng" -Y 'frame.comment' -T fields -e frame.packet_id -e frame.comment 2>/dev/null | sort -n | tr '\t\n' ' ;')
[ "$(echo $ids | wc -w)" = 2 ] && [ "$ids" = "$pkt_ids" ] || { echo "FAIL -w: connection ids '$ids', packet ids of the SYNs in the file '$pkt_ids'"; wfail=1; }
case "$comments" in *"mtlsdump connection #"*": mtls_ok"*"mtlsdump connection #"*": client_cert_missing"*) ;;
  *) echo "FAIL -w: the first packets' comments: '$comments'"; wfail=1 ;; esac
rm -rf "$wdir"
if [ $wfail != 0 ]; then cat "$tmp/w.ndjson" "$tmp/w.err"; echo "1 passed, 1 failed"; exit 1; fi
echo "ok   -w as root into a root-only directory, then running as $user: connections $ids= packet ids $pkt_ids(frame numbers in the file: $frames)"
echo "2 passed, 0 failed"
