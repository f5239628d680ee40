#!/usr/bin/env bash
# Ctrl-C / SIGTERM while reading a file: the output stays whole NDJSON lines
# (also when the reader of the pipe is slower than mtlsdump), the summary says
# "interrupted": true, and the exit status is 130 / 143; a read blocked on a
# pipe that is still open ends too.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
tmp=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
fail=0; pass=0
cc -O2 -o "$tmp/gen_corpus" tests/bench/gen_corpus.c -lpcap || { echo "FAIL: cannot build gen_corpus"; exit 1; }
"$tmp/gen_corpus" --samples samples/pcaps --out "$tmp/big.pcap" --manifest "$tmp/big.json" \
  --shape heavy --instances 4000 > /dev/null || { echo "FAIL: gen_corpus"; exit 1; }
valid_lines() { # every line parses as JSON; prints the count (one python, not a jq per line)
  python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8", errors="strict"):
    try:
        json.loads(line)
    except ValueError:
        sys.stderr.write("bad line: " + line[:80] + "\n")
        sys.exit(1)
    n += 1
print(n)' "$1"
}

# 1. slow reader: the pipe fills, mtlsdump blocks in write(), SIGINT arrives
( "$bin" -r "$tmp/big.pcap" --ca samples/pki/root.pem --json 2> "$tmp/slow.err"; echo $? > "$tmp/slow.rc" ) |
  (sleep 3; cat) > "$tmp/slow.json" &
pids+=($!)
sleep 1
pkill -INT -f "$bin -r $tmp/big.pcap" || true
wait "${pids[-1]}"
rc=$(cat "$tmp/slow.rc")
if n=$(valid_lines "$tmp/slow.json") && [ "$rc" = 130 ] &&
   [ "$(tail -1 "$tmp/slow.json" | jq -r '.type + " " + (.interrupted|tostring)')" = "summary true" ]; then
  echo "ok   slow reader: exit 130, $n whole lines, summary interrupted"; pass=$((pass+1))
else echo "FAIL slow reader: exit $rc"; tail -c 300 "$tmp/slow.json"; cat "$tmp/slow.err"; fail=$((fail+1)); fi

# 2. stdin that stays open: the blocked read ends on SIGTERM
mkfifo "$tmp/fifo"
( cat samples/pcaps/tls12-mtls-ok.pcap; sleep 30 ) > "$tmp/fifo" &
pids+=($!)
"$bin" -r - --ca samples/pki/root.pem --json < "$tmp/fifo" > "$tmp/stdin.json" 2> "$tmp/stdin.err" &
mpid=$!; pids+=($mpid)
sleep 1
kill -TERM "$mpid"
for _ in $(seq 50); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
wait "$mpid"; rc=$?
if [ "$rc" = 143 ] && valid_lines "$tmp/stdin.json" > /dev/null &&
   [ "$(jq -s 'map(select(.type=="connection")) | length' "$tmp/stdin.json")" = 1 ] &&
   [ "$(tail -1 "$tmp/stdin.json" | jq -r .interrupted)" = true ]; then
  echo "ok   open stdin: SIGTERM ends the blocked read, exit 143, the connection read so far reported"; pass=$((pass+1))
else echo "FAIL open stdin: exit $rc"; cat "$tmp/stdin.json" "$tmp/stdin.err" | head -c 600; fail=$((fail+1)); fi

# 3. SIGUSR1: one status line on stderr, the run goes on. The input arrives in
# two parts with a pause between them, so the signal always lands mid-run
# (a whole file is read in well under a second by a release build).
# The feeder is a script file, not a shell function: script(1) below runs its
# command through $SHELL, which may be a sh that drops exported bash functions.
printf '#!/bin/sh\nhead -c 2000000 "%s"; sleep "$1"; tail -c +2000001 "%s"\n' "$tmp/big.pcap" "$tmp/big.pcap" > "$tmp/feed.sh"
chmod +x "$tmp/feed.sh"
"$tmp/feed.sh" 3 | "$bin" -r - --ca samples/pki/root.pem -q > /dev/null 2> "$tmp/usr1.err" &
upid=$!; pids+=($upid)
sleep 1
pkill -USR1 -f "^$bin -r - --ca samples/pki/root.pem -q\$" || true
wait "$upid"; rc=$?
if [ "$rc" -le 1 ] && grep -q '^mtlsdump: .*packets, .*connections .*packets/s$' "$tmp/usr1.err" &&
   grep -q '^Summary: ' "$tmp/usr1.err"; then
  echo "ok   SIGUSR1 status line, run completed (exit $rc)"; pass=$((pass+1))
else echo "FAIL SIGUSR1: exit $rc"; head -5 "$tmp/usr1.err"; fail=$((fail+1)); fi
# 4. progress: on a terminal (not in CI) a line that rewrites itself; never in a pipe.
# The pause in the input makes the run last long enough for a progress line.
if command -v script > /dev/null; then
  env -u CI SHELL=/bin/sh script -qfc "$tmp/feed.sh 1.5 | $bin -r - --ca samples/pki/root.pem -q > /dev/null" "$tmp/tty.log" > /dev/null 2>&1
  if grep -aq $'\r''mtlsdump: [0-9]* packets, .*packets/s' "$tmp/tty.log"; then echo "ok   progress on a terminal"; pass=$((pass+1))
  else echo "FAIL no progress on a terminal"; tail -c 300 "$tmp/tty.log"; fail=$((fail+1)); fi
fi
"$bin" -r "$tmp/big.pcap" --ca samples/pki/root.pem -q > /dev/null 2> "$tmp/pipe.err"
grep -q 'packets/s' "$tmp/pipe.err" && { echo "FAIL progress written to a non-terminal"; fail=$((fail+1)); } ||
  { echo "ok   no progress when stderr is not a terminal"; pass=$((pass+1)); }
# 5. not interrupted: the summary says so
"$bin" -r samples/pcaps/tls12-mtls-ok.pcap --json > "$tmp/plain.json" 2>/dev/null
[ "$(tail -1 "$tmp/plain.json" | jq -r .interrupted)" = false ] && { echo "ok   uninterrupted summary"; pass=$((pass+1)); } ||
  { echo "FAIL uninterrupted summary"; fail=$((fail+1)); }
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
