#!/usr/bin/env bash
# --format html: the page of several sample captures, rendered by headless
# Chromium (the page's script runs), checked in its DOM against the JSON report
# of the same capture (html_dom_check.py: one diagram per connection, the
# evidence arrows of failed ones, the inventory, nothing outside the page), a
# crafted capture whose SNI and client certificate subject are markup
# (samples/peers/make-hostile-html.sh) stays text, and a capture with more
# connections than the page draws eagerly draws the others from its embedded
# data when opened. The screenshots stay in the build dir
# ($MTLS_BINARY_DIR/html-report/*.png) as test artifacts.
# Chromium is required (.ci/setup installs it): without it the test fails.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
art=$MTLS_BINARY_DIR/html-report; rm -rf "$art"; mkdir -p "$art"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "ok   $*"; pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }

chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chrome" ]; then
  echo "FAIL chromium is not installed (Debian package chromium; .ci/setup installs it)"
  exit 1
fi
# a profile of its own; no GPU, no sandbox (containers run as root), quiet
cr() { timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" \
         --no-first-run --disable-extensions "$@" 2>>"$tmp/chromium.log"; }

# name | capture | options
cases=(
  "many|samples/pcaps/many-connections.pcap|--ca samples/pki/root.pem --keylog samples/keylogs/many-connections.keys"
  "nginx-missing|samples/pcaps/tls12-nginx-no-client-cert.pcap|--ca samples/pki/ca-chain.pem"
  "tls13-unknown-ca|samples/pcaps/tls13-unknown-ca.pcap|--ca samples/pki/ca-chain.pem --keylog samples/keylogs/tls13-unknown-ca.keys"
  "hostile|samples/pcaps/hostile-markup.pcap|--ca samples/pki/ca-chain.pem"
)
for c in "${cases[@]}"; do
  IFS='|' read -r name cap opts <<<"$c"
  # shellcheck disable=SC2086
  "$bin" -r "$cap" $opts --format html > "$art/$name.html" 2>"$tmp/$name.err"
  rc=$?
  # shellcheck disable=SC2086
  "$bin" -r "$cap" $opts --json > "$tmp/$name.ndjson" 2>/dev/null
  want=$(grep -c '"type":"connection"' "$tmp/$name.ndjson")
  { [ $rc -le 1 ] && [ -s "$art/$name.html" ] && tail -c 20 "$art/$name.html" | grep -q '</html>'; } \
    && ok "$name: page written (exit $rc, $(stat -c %s "$art/$name.html") bytes, $want connections)" \
    || { bad "$name: mtlsdump exit $rc"; cat "$tmp/$name.err"; continue; }
  cr --dump-dom "file://$art/$name.html" > "$tmp/$name.dom"
  [ -s "$tmp/$name.dom" ] || { bad "$name: chromium gave no DOM"; tail -5 "$tmp/chromium.log"; continue; }
  extra=(); [ "$name" = hostile ] && extra=(--hostile)
  if python3 tests/e2e/html_dom_check.py "$tmp/$name.dom" "$tmp/$name.ndjson" "${extra[@]}" > "$tmp/$name.check"; then
    ok "$name: DOM checks ($(grep -c '^ok' "$tmp/$name.check") passed)"
  else
    bad "$name: DOM checks"; grep '^FAIL' "$tmp/$name.check" | head -10
  fi
done

# screenshots: the mixed capture and the hostile one (artifacts; the PNG must not be blank)
for name in many hostile; do
  cr --screenshot="$art/$name.png" --window-size=1200,2000 "file://$art/$name.html" >/dev/null
  size=$(stat -c %s "$art/$name.png" 2>/dev/null || echo 0)
  [ "$size" -gt 20000 ] && ok "$name: screenshot $art/$name.png ($size bytes)" || bad "$name: screenshot ($size bytes)"
done

# the inventory names the client addresses that presented each certificate,
# and says how many handshakes hid theirs (TLS 1.3 read without keys)
grep -q '<th>client addresses</th>' "$art/many.html" && grep -q '<td>127\.0\.0\.1 ([0-9]*)</td>' "$art/many.html" &&
  ok "inventory: client addresses column" || bad "inventory: client addresses column"
"$bin" -r samples/pcaps/tls13-mtls-ok.pcap --ca samples/pki/root.pem --format html > "$tmp/hidden.html" 2>/dev/null
grep -q '1 handshake hid the client certificate' "$tmp/hidden.html" && ok "inventory: hidden client certificates said" ||
  bad "inventory: hidden client certificates"

# more connections than the page draws eagerly: many-connections three times
# over (127.0.0.2 and .3 for the copies), 54 successful connections for 50
# eager ones; the page draws the rest from its data, here the one #cID opens
python3 - "$tmp/triple.pcap" <<'PY'
import struct, sys
d = open("samples/pcaps/many-connections.pcap", "rb").read()
hdr, recs, off = d[:24], [], 24
while off + 16 <= len(d):
    ts, tu, incl, orig = struct.unpack("<IIII", d[off:off + 16])
    recs.append((ts, tu, orig, d[off + 16:off + 16 + incl]))
    off += 16 + incl
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
out = [hdr]
for k in range(3):
    for ts, tu, orig, p in recs:
        p = bytearray(p)
        if k and len(p) > 34 and p[12:14] == b"\x08\x00":
            ihl = (p[14] & 15) * 4
            p[26:30] = p[30:34] = bytes([127, 0, 0, 1 + k])
            p[24:26] = b"\0\0"; p[24:26] = struct.pack("!H", csum(bytes(p[14:14 + ihl])))
            if p[23] == 6:
                tcp = 14 + ihl; tot = struct.unpack("!H", p[16:18])[0]; seg = p[tcp:14 + tot]
                seg[16:18] = b"\0\0"
                ph = bytes(p[26:34]) + struct.pack("!BBH", 0, 6, len(seg))
                seg[16:18] = struct.pack("!H", csum(ph + bytes(seg))); p[tcp:14 + tot] = seg
        out.append(struct.pack("<IIII", ts + k * 10, tu, len(p), orig) + bytes(p))
open(sys.argv[1], "wb").write(b"".join(out))
PY
opts=(--ca samples/pki/root.pem --keylog samples/keylogs/many-connections.keys)
"$bin" -r "$tmp/triple.pcap" "${opts[@]}" --format html > "$art/lazy.html" 2>/dev/null
"$bin" -r "$tmp/triple.pcap" "${opts[@]}" --json > "$tmp/lazy.ndjson" 2>/dev/null
lazy_ids=$(sed -n '/<script type="application\/json" id="lazy">/,/<\/script>/p' "$art/lazy.html" | grep -o '^,\?{"id":[0-9]*' | grep -o '[0-9]*$' | head -1)
if [ -z "$lazy_ids" ]; then
  bad "lazy: no connection drawn on demand in a page of $(grep -c '"type":"connection"' "$tmp/lazy.ndjson") connections"
else
  cr --dump-dom "file://$art/lazy.html#c$lazy_ids" > "$tmp/lazy.dom"
  if python3 tests/e2e/html_dom_check.py "$tmp/lazy.dom" "$tmp/lazy.ndjson" --opened "$lazy_ids" > "$tmp/lazy.check"; then
    ok "lazy: $(grep -c 'its data in the page' "$tmp/lazy.check") diagrams on demand, #$lazy_ids drawn when opened ($(grep -c '^ok' "$tmp/lazy.check") checks)"
  else
    bad "lazy: DOM checks"; grep '^FAIL' "$tmp/lazy.check" | head -10
  fi
fi

# the format in the usage error and in --help
"$bin" -r samples/pcaps/many-connections.pcap --format htm >/dev/null 2>"$tmp/usage"; rc=$?
[ $rc -eq 2 ] && grep -q "text, json, csv, tsv or html" "$tmp/usage" && ok "--format htm: usage error naming html" || bad "--format htm: exit $rc"
"$bin" --help > "$tmp/help" 2>&1   # whole (grep -q would end the pipe early: SIGPIPE under pipefail)
grep -q -- "html: one" "$tmp/help" && ok "--help lists html" || bad "--help lists html"

echo "html_report: $pass passed, $fail failed"
[ $fail -eq 0 ]
