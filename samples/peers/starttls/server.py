#!/usr/bin/env python3
"""A plaintext prologue, then TLS (Python's ssl module: OpenSSL), for the
STARTTLS protocols `openssl s_client -starttls` speaks and mtlsdump's samples
need: irc, nntp, sieve (ManageSieve) and mysql. One connection, then exit.

usage: server.py PROTO PORT CERT KEY CA   (requires a client certificate from CA)
Test-only: binds 127.0.0.1, serves one client."""
import socket, ssl, struct, sys

proto, port, cert, key, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

def lines(conn):
    buf = b''
    while True:
        while b'\n' not in buf:
            d = conn.recv(4096)
            if not d:
                return
            buf += d
        line, buf = buf.split(b'\n', 1)
        yield line.rstrip(b'\r')

def prologue(conn):
    if proto == 'irc':
        for line in lines(conn):
            if line.upper().startswith(b'STARTTLS'):
                conn.sendall(b':irc.mtls.test 670 * :STARTTLS successful, go ahead with TLS handshake\r\n')
                return
            conn.sendall(b':irc.mtls.test NOTICE * :waiting for STARTTLS\r\n')
    elif proto == 'nntp':
        conn.sendall(b'200 news.mtls.test NNTP service ready\r\n')
        for line in lines(conn):
            if line.upper().startswith(b'CAPABILITIES'):
                conn.sendall(b'101 Capability list:\r\nVERSION 2\r\nSTARTTLS\r\nREADER\r\n.\r\n')
            elif line.upper().startswith(b'STARTTLS'):
                conn.sendall(b'382 Continue with TLS negotiation\r\n')
                return
    elif proto == 'sieve':
        conn.sendall(b'"IMPLEMENTATION" "mtlsdump test"\r\n"SASL" "PLAIN"\r\n"STARTTLS"\r\n"VERSION" "1.0"\r\nOK "ready"\r\n')
        for line in lines(conn):
            if line.upper().startswith(b'STARTTLS'):
                conn.sendall(b'OK "Begin TLS negotiation now"\r\n')
                return
    elif proto == 'mysql':
        # Protocol::HandshakeV10 with CLIENT_SSL (0x0800) and CLIENT_PROTOCOL_41 (0x0200)
        caps = 0x0800 | 0x0200 | 0x8000 | 0x80000
        body = (bytes([10]) + b'8.0.36-mtlsdump\0' + struct.pack('<I', 7) + b'abcdefgh\0' +
                struct.pack('<H', caps & 0xffff) + bytes([0x21]) + struct.pack('<H', 2) +
                struct.pack('<H', caps >> 16) + bytes([21]) + bytes(10) + b'ijklmnopqrst\0' +
                b'mysql_native_password\0')
        conn.sendall(struct.pack('<I', len(body))[:3] + bytes([0]) + body)
        hdr = conn.recv(4, socket.MSG_WAITALL)
        n = hdr[0] | hdr[1] << 8 | hdr[2] << 16
        conn.recv(n, socket.MSG_WAITALL)  # SSLRequest: capabilities, max packet, charset, filler
    else:
        sys.exit('unknown protocol ' + proto)

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', port))
s.listen(1)
print('ready', flush=True)
conn, _ = s.accept()
prologue(conn)
try:
    tls = ctx.wrap_socket(conn, server_side=True)
    tls.recv(100)
    tls.sendall(b'hello from the ' + proto.encode() + b' server\r\n')
    tls.unwrap()
except (ssl.SSLError, OSError) as e:
    print('tls:', e, file=sys.stderr)
conn.close()
