#!/usr/bin/env bash
# Hellos no stack on this machine still sends, crafted byte by byte per their
# specifications into a TCP conversation (no local stack speaks them any more:
# OpenSSL 3 has no SSLv2-compatible hello, no TLS 1.3 draft), read by mtlsdump
# and by tshark as the reference:
#   - an SSLv2-compatible ClientHello (RFC 5246 E.2) answered by a TLS 1.0 ServerHello
#   - TLS 1.3 draft 16: the ServerHello without session id and compression,
#     key_share as extension 40, and signature_algorithms as NSS sent it then
#   - TLS 1.3 draft 23: the final layout with supported_versions 0x7f17
#   - SSL 2.0: CLIENT-HELLO version 2, SERVER-HELLO with the sample server's
#     certificate, CLIENT-MASTER-KEY, then encrypted records both ways
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
command -v tshark > /dev/null || { echo "SKIP: tshark not installed (.ci/setup installs it)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
openssl x509 -in "$src/samples/pki/server.pem" -outform DER -out "$tmp/server.der" 2>/dev/null || cp /dev/null "$tmp/server.der"
python3 - "$tmp" <<'PY'
import struct, sys, os
out = sys.argv[1]
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
def pkt(src, dst, sp, dp, seq, ack, flags, data=b''):
    tcp = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    ph = bytes(src) + bytes(dst) + struct.pack('!BBH', 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack('!H', csum(ph + tcp)) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00' + ip + tcp
def conv(name, c_msgs, s_msgs, order=None):
    C, S, cp, sp = [10, 0, 0, 1], [10, 0, 0, 2], 40000, 443
    cs, ss, frames, t = 1000, 5000, [], 0
    def add(f):
        nonlocal t; t += 1000; frames.append((t, f))
    add(pkt(C, S, cp, sp, cs, 0, 0x02)); add(pkt(S, C, sp, cp, ss, cs + 1, 0x12)); cs += 1; ss += 1
    add(pkt(C, S, cp, sp, cs, ss, 0x10))
    # order: which side sends next ('c' or 's'); default all the client's messages, then the server's
    ci, si = iter(c_msgs), iter(s_msgs)
    for who in order or 'c' * len(c_msgs) + 's' * len(s_msgs):
        if who == 'c':
            m = next(ci); add(pkt(C, S, cp, sp, cs, ss, 0x18, m)); cs += len(m)
        else:
            m = next(si); add(pkt(S, C, sp, cp, ss, cs, 0x18, m)); ss += len(m)
    add(pkt(C, S, cp, sp, cs, ss, 0x11)); add(pkt(S, C, sp, cp, ss, cs + 1, 0x11)); add(pkt(C, S, cp, sp, cs + 1, ss + 1, 0x10))
    with open(os.path.join(out, name + '.pcap'), 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for us, fr in frames:
            f.write(struct.pack('<IIII', 1700000000, us, len(fr), len(fr)) + fr)
def rec(ct, body, ver=0x0301): return struct.pack('!BHH', ct, ver, len(body)) + body
def hs(t, body): return struct.pack('!B', t) + struct.pack('!I', len(body))[1:] + body
def ext(t, body): return struct.pack('!HH', t, len(body)) + body
def exts(*e): b = b''.join(e); return struct.pack('!H', len(b)) + b
rnd = bytes(range(32))
# 1. SSLv2-compatible ClientHello, then a TLS 1.0 ServerHello and ServerHelloDone
specs = bytes([1, 0, 0x80, 0, 0, 0x2f, 0, 0, 0x35, 0, 0, 0x0a])
v2 = bytes([1, 3, 1]) + struct.pack('!HHH', len(specs), 0, 16) + specs + bytes(range(16))
sh10 = hs(2, struct.pack('!H', 0x0301) + rnd + b'\x00' + struct.pack('!HB', 0x002f, 0))
conv('sslv2-hello', [struct.pack('!H', 0x8000 | len(v2)) + v2], [rec(22, sh10 + hs(14, b''))])
# a TLS ClientHello offering TLS 1.3 drafts (supported_versions) and x25519
def client_hello(versions, ks_ext):
    sv = ext(43, bytes([2 * len(versions)]) + b''.join(struct.pack('!H', v) for v in versions))
    groups = ext(10, struct.pack('!HH', 2, 29))
    sa = ext(13, struct.pack('!HH', 2, 0x0403))
    ks = ext(ks_ext, struct.pack('!H', 36) + struct.pack('!HH', 29, 32) + bytes(32))
    body = struct.pack('!H', 0x0303) + rnd + b'\x00' + struct.pack('!HH', 2, 0x1301) + b'\x01\x00' + exts(sv, groups, sa, ks)
    return rec(22, hs(1, body))
# 2. draft 16: version, random, cipher, extensions (key_share 40, signature_algorithms empty)
sh16 = hs(2, struct.pack('!H', 0x7f10) + rnd + struct.pack('!H', 0x1301) +
          exts(ext(13, b''), ext(40, struct.pack('!HH', 29, 32) + bytes(32))))
conv('tls13-draft16', [client_hello([0x7f10], 40)], [rec(22, sh16, 0x0301), rec(23, bytes(64), 0x0301)])
# 3. draft 23: TLS 1.2-shaped ServerHello, supported_versions 0x7f17, key_share 51
sh23 = hs(2, struct.pack('!H', 0x0303) + rnd + b'\x00' + struct.pack('!HB', 0x1301, 0) +
          exts(ext(43, struct.pack('!H', 0x7f17)), ext(51, struct.pack('!HH', 29, 32) + bytes(32))))
conv('tls13-draft23', [client_hello([0x7f17], 51)], [rec(22, sh23, 0x0303), rec(23, bytes(64), 0x0303)])
# 4. SSL 2.0 all the way
def v2rec(body): return struct.pack('!H', 0x8000 | len(body)) + body
cert = open(os.path.join(out, 'server.der'), 'rb').read()
specs2 = bytes([7, 0, 0xc0, 1, 0, 0x80])
hello2 = bytes([1, 0, 2]) + struct.pack('!HHH', len(specs2), 0, 16) + specs2 + bytes(range(16))
server2 = bytes([4, 0, 1, 0, 2]) + struct.pack('!HHH', len(cert), len(specs2), 16) + cert + specs2 + bytes(16)
cmk = bytes([2, 7, 0, 0xc0]) + struct.pack('!HHH', 0, 128, 8) + bytes(128) + bytes(8)
conv('sslv2', [v2rec(hello2), v2rec(cmk), v2rec(bytes(40)), v2rec(bytes(40))],
     [v2rec(server2), v2rec(bytes(40)), v2rec(bytes(40))], order='cscsc' + 'sc')
PY
fail=0
check() { # name jq-filter want
  local got; got=$("$bin" -r "$tmp/$1.pcap" --json --no-summary -v 2>/dev/null | jq -r "$2")
  if [ "$got" = "$3" ]; then echo "ok   $1: $got"; else echo "FAIL $1: got '$got', want '$3'"; fail=1; fi
}
check sslv2-hello '[.tls.version, (.mtls.steps[0].kind), (.mtls.findings | map(.code) | index("malformed") | tostring), (.tls.client.supported_ciphers | length | tostring)] | join(" ")' "1.0 client_hello null 3"
ts=$(tshark -n -r "$tmp/sslv2-hello.pcap" -Y tls -T fields -e tls.handshake.cipherspec 2>/dev/null | head -1 | tr ',' '\n' | grep -c .)
[ "$ts" = 4 ] && echo "ok   tshark reads the same SSLv2 hello: 4 cipher specs (one SSL 2.0 kind we leave out)" || { echo "FAIL tshark sees $ts cipher specs"; fail=1; }
check tls13-draft16 '[.tls.version, .tls.cipher, (.mtls.findings | map(.code) | index("malformed") | tostring)] | join(" ")' "1.3 TLS_AES_128_GCM_SHA256 null"
"$bin" -r "$tmp/tls13-draft16.pcap" -q > "$tmp/q16" 2>/dev/null; grep -q "TLS 1.3 (draft 16)" "$tmp/q16" && echo "ok   text names the draft" || { echo "FAIL text does not name draft 16"; fail=1; }
check tls13-draft23 '[.tls.version, .tls.curve, (.tls.established | tostring)] | join(" ")' "1.3 x25519 false"
"$bin" -r "$tmp/tls13-draft23.pcap" -q > "$tmp/q23" 2>/dev/null; grep -q "TLS 1.3 (draft 23)" "$tmp/q23" && echo "ok   text names draft 23" || { echo "FAIL text does not name draft 23"; fail=1; }
for f in tls13-draft16 tls13-draft23; do
  v=$(tshark -n -r "$tmp/$f.pcap" -Y "tls.handshake.type == 2" -T fields -e tls.handshake.version -e tls.handshake.extensions.supported_version 2>/dev/null | tr '\t' '\n' | grep -v '^$' | tail -1)
  case "$f:$v" in tls13-draft16:0x7f10|tls13-draft23:0x7f17) echo "ok   tshark agrees: $f selects $v";; *) echo "FAIL tshark says $v for $f"; fail=1;; esac
done
check sslv2 '[.tls.version, .tls.version_protocol, .tls.cipher, (.tls.server.x509.subject.common_name // [] | join(",")), .mtls.verdict, .mtls.evidence, ([.mtls.findings[].code] | index("deprecated_protocol") != null | tostring)] | join(" ")' "2.0 ssl SSL2_DES_192_EDE3_CBC_WITH_MD5 server.mtls.test encrypted inferred true"
kinds=$(tshark -n -r "$tmp/sslv2.pcap" -Y "tls" -T fields -e tls.handshake.cipherspec 2>/dev/null | grep -v '^$' | sed -n 3p)
[ "$kinds" = "0x0700c0" ] && echo "ok   tshark reads the same CLIENT-MASTER-KEY cipher kind ($kinds)" || { echo "FAIL tshark's cipher kinds: '$kinds'"; fail=1; }
[ $fail = 0 ] && echo "legacy_hellos: all passed"
exit $fail
