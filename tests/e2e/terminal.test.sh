#!/usr/bin/env bash
# Reports that fit the screen (issue 29): on a terminal (script(1), 80 columns
# by stty, or $COLUMNS) the explanation, fix and findings are wrapped to its
# width with a hanging indent and lose no word; into a file or a pipe nothing
# is wrapped; each cause is said once per report (in full in its finding,
# referred to elsewhere); -q says the short cause after a failed verdict.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0; pass=0
ok() { echo "ok   $*"; pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
command -v script > /dev/null || { echo "skipped: no script(1)"; exit 0; }

cap=samples/pcaps/tls12-apache-unknown-ca.pcap
run_tty() { # $1: the shell command run on the terminal; output without the terminal's \r
  env -u COLUMNS SHELL=/bin/sh script -qfc "$1" "$tmp/tty.raw" > /dev/null 2>&1
  tr -d '\r' < "$tmp/tty.raw" | sed '/^Script \(started\|done\) on /d' # (newer script(1) logs these even with -q)
}
# the verdict block: from "Verdict:" to the blank line after the findings
block() { sed -n '/^Verdict: /,/^$/p' "$1"; }
longest() { awk '{ n = length($0); if (n > m) m = n } END { print m + 0 }'; }

"$bin" -r "$cap" --color never > "$tmp/pipe.txt" 2>/dev/null
run_tty "stty cols 80; $bin -r $cap --color never" > "$tmp/tty80.txt"
run_tty "stty cols 200; COLUMNS=60 $bin -r $cap --color never" > "$tmp/tty60.txt"
export LC_ALL=C.UTF-8

pipe_long=$(block "$tmp/pipe.txt" | longest)
[ "$pipe_long" -gt 300 ] && ok "into a pipe: paragraphs are one line each (the longest is $pipe_long columns)" ||
  bad "pipe output looks wrapped (longest line $pipe_long)"
for w in 80 60; do
  f="$tmp/tty$w.txt"
  l=$(block "$f" | longest)
  if [ "$(block "$f" | grep -c '')" -gt 10 ] && [ "$l" -le "$w" ]; then
    ok "terminal of $w columns: verdict, explanation, fix and findings fit ($l columns at most)"
  else bad "terminal of $w columns: longest line $l"; block "$f" | head -5; fi
  # the same words in the same order as in the pipe
  if diff <(tr -s ' \n' '\n\n' < "$f") <(tr -s ' \n' '\n\n' < "$tmp/pipe.txt") > "$tmp/words.diff"; then
    ok "terminal of $w columns: no word lost, cut or moved"
  else bad "terminal of $w columns: the words differ"; head -10 "$tmp/words.diff"; fi
done
# hanging indent: the fix's continuation lines line up under its text, the findings' under their code
if grep -A1 '^Fix: ' "$tmp/tty80.txt" | sed -n 2p | grep -q '^     [^ ]' &&
   grep -A1 '^  error   untrusted_root' "$tmp/tty80.txt" | sed -n 2p | grep -q '^    [^ ]'; then
  ok "hanging indent: Fix under its text (5 columns), findings by 4"
else bad "hanging indent"; grep -A2 '^Fix: ' "$tmp/tty80.txt"; fi
# a terminal narrower than the header and the timeline leaves those alone (one line per step)
steps_pipe=$(grep -c '^ *[0-9]* *[0-9.]* ms ' "$tmp/pipe.txt")
steps_tty=$(grep -c '^ *[0-9]* *[0-9.]* ms ' "$tmp/tty80.txt")
[ "$steps_pipe" = "$steps_tty" ] && ok "the timeline keeps one line per step ($steps_tty)" || bad "timeline $steps_tty vs $steps_pipe"

# each cause once: the 400-character sentence about the untrusted issuer is in the finding only
tls13=samples/pcaps/tls13-apache-unknown-ca.pcap
"$bin" -r "$tls13" --keylog samples/keylogs/tls13-apache-unknown-ca.keys --ca samples/pki/root.pem --color never \
  > "$tmp/once.txt" 2>/dev/null
n=$(grep -o 'is not a trusted CA and nothing known chains it to one' "$tmp/once.txt" | wc -l)
refs=$(grep -c 'see finding untrusted_root' "$tmp/once.txt")
if [ "$n" = 1 ] && grep -q '^  error   untrusted_root .*is not a trusted CA' "$tmp/once.txt" && [ "$refs" -ge 3 ] &&
   grep -q '^  validation: INVALID (see finding untrusted_root)$' "$tmp/once.txt" &&
   grep -q '^    valid:   .*; INVALID, see finding untrusted_root$' "$tmp/once.txt"; then
  ok "the untrusted issuer is explained once (in the finding), referred to $refs times (validation, verdict, summary)"
else bad "cause said $n times, $refs references"; grep -n 'trusted CA\|see finding' "$tmp/once.txt" | cut -c1-160; fi
# ... and the JSON keeps every text in full (reporters compute nothing)
"$bin" -r "$tls13" --keylog samples/keylogs/tls13-apache-unknown-ca.keys --ca samples/pki/root.pem --json \
  > "$tmp/once.json" 2>/dev/null
jn=$(grep -o 'is not a trusted CA and nothing known chains it to one' "$tmp/once.json" | wc -l)
[ "$jn" -ge 3 ] && ok "JSON unchanged: the sentence stays in each field ($jn)" || bad "JSON has the sentence $jn times"

# -q: one line per connection, with the short cause of a failure
q=$("$bin" -r "$tls13" --keylog samples/keylogs/tls13-apache-unknown-ca.keys --ca samples/pki/root.pem -q 2>/dev/null)
case "$q" in
  *" client_cert_rejected: server sent alert unknown_ca; untrusted_root [client chain[0]] CN=mallory,O=rogue")
    ok "-q: verdict, alert and its sender, finding and certificate on the one line" ;;
  *) bad "-q line: $q" ;;
esac
q2=$("$bin" -r samples/pcaps/tls12-mtls-ok.pcap --ca samples/pki/root.pem -q 2>/dev/null)
case "$q2" in *" mtls_ok") ok "-q: a success says only its verdict" ;; *) bad "-q success line: $q2" ;; esac
# -q on a terminal is not wrapped: still one line per connection
qt=$(run_tty "stty cols 80; $bin -r samples/pcaps/many-connections.pcap -q --no-summary --color never" | grep -c '^#')
qn=$(run_tty "stty cols 80; $bin -r samples/pcaps/many-connections.pcap -q --no-summary --color never" | grep -c .)
[ "$qt" = "$qn" ] && [ "$qt" -gt 1 ] && ok "-q on a terminal: one line per connection ($qt)" || bad "-q on a terminal: $qt of $qn lines"

echo "terminal: $pass passed, $fail failed"
[ "$fail" = 0 ]
