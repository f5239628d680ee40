#!/usr/bin/python3
"""tls_peer.py — small TLS 1.3 peers on Python's ssl module (the system
OpenSSL) for issue 28's "short record taken for an alert" and "HTTP/2 200 in
small frames" captures. Each side writes its own key log
(SSLContext.keylog_filename). Every server serves ONE connection and exits.

  tls_peer.py line-server PORT PKI_DIR MODE KEYLOG CAFILE...
      TLS 1.3 only, SSLContext.num_tickets = 0 (no NewSessionTicket), a client
      certificate required (CERT_REQUIRED) and verified against the CAFILEs.
      Reads one line; MODE hello answers "hello, <CN>\\r\\n" (14 bytes for
      alice), MODE echo sends the line back. Then waits for the client's
      close_notify and answers with its own.
  tls_peer.py line-client PORT PKI_DIR WHO KEYLOG LINE
      TLS 1.3, trusts root.pem, presents WHO; sends LINE (\\n appended), reads
      one line, prints it and its length, closes with close_notify.
  tls_peer.py h2-server PORT PKI_DIR KEYLOG CAFILE...
      HTTP/2 (python3-h2) over TLS 1.3 with ALPN h2, a client certificate
      required and verified against the CAFILEs, default session tickets.
      Every HTTP/2 frame goes out in its own TLS record (one SSL_write per
      frame): SETTINGS, SETTINGS ack, HEADERS :status 200, DATA
      "hello <CN>\\n", empty DATA with END_STREAM, and GOAWAY when the client
      leaves.
"""
import os
import socket
import ssl
import sys


def chain_of(pki, who):
    p = os.path.join(pki, who + "-chain.pem")
    return p if os.path.exists(p) else os.path.join(pki, who + ".pem")


def server_ctx(pki, keylog, cafiles, alpn=None, tickets=True):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(os.path.join(pki, "server-chain.pem"), os.path.join(pki, "server.key"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    for ca in cafiles:
        ctx.load_verify_locations(ca)
    if not tickets:
        ctx.num_tickets = 0
    if alpn:
        ctx.set_alpn_protocols(alpn)
    ctx.keylog_filename = keylog
    return ctx


def listen(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    print("ready", flush=True)
    return ls


def peer_cn(tls):
    cert = tls.getpeercert()
    for rdn in cert.get("subject", ()):
        for k, v in rdn:
            if k == "commonName":
                return v
    return ""


def readline(tls):
    buf = b""
    while not buf.endswith(b"\n"):
        d = tls.recv(1024)
        if not d:
            break
        buf += d
    return buf


def line_server(port, pki, mode, keylog, cafiles):
    ctx = server_ctx(pki, keylog, cafiles, tickets=False)
    ls = listen(port)
    conn, _ = ls.accept()
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except ssl.SSLError as e:
        print("handshake failed: %s" % e, flush=True)
        return 1
    cn = peer_cn(tls)
    print("handshake done, %s, client CN=%s" % (tls.version(), cn), flush=True)
    line = readline(tls)
    print("got %d bytes: %r" % (len(line), line), flush=True)
    reply = ("hello, %s\r\n" % cn).encode() if mode == "hello" else line
    tls.sendall(reply)
    print("sent %d bytes: %r" % (len(reply), reply), flush=True)
    rest = tls.recv(1024)  # b"" at the client's close_notify
    print("then %r" % rest, flush=True)
    try:
        tls.unwrap()
    except (ssl.SSLError, OSError) as e:
        print("unwrap: %s" % e, flush=True)
    conn.close()
    return 0


def line_client(port, pki, who, keylog, line):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(os.path.join(pki, "root.pem"))
    ctx.load_cert_chain(chain_of(pki, who), os.path.join(pki, who + ".key"))
    ctx.keylog_filename = keylog
    s = socket.create_connection(("127.0.0.1", port))
    tls = ctx.wrap_socket(s, server_hostname="server.mtls.test")
    data = (line + "\n").encode()
    tls.sendall(data)
    print("sent %d bytes: %r" % (len(data), data), flush=True)
    reply = readline(tls)
    print("reply %d bytes: %r" % (len(reply), reply), flush=True)
    try:
        tls.unwrap()
    except (ssl.SSLError, OSError) as e:
        print("unwrap: %s" % e, flush=True)
    s.close()
    return 0 if reply else 1


def h2_server(port, pki, keylog, cafiles):
    import h2.config
    import h2.connection
    import h2.events
    ctx = server_ctx(pki, keylog, cafiles, alpn=["h2"])
    ls = listen(port)
    conn, _ = ls.accept()
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except ssl.SSLError as e:
        print("handshake failed: %s" % e, flush=True)
        return 1
    cn = peer_cn(tls)
    print("handshake done, %s, ALPN %s, client CN=%s" % (tls.version(), tls.selected_alpn_protocol(), cn),
          flush=True)
    h2c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))

    def flush(what):  # one frame, one SSL_write, one TLS record
        out = h2c.data_to_send()
        if out:
            tls.sendall(out)
            print("sent %s: %d bytes" % (what, len(out)), flush=True)

    h2c.initiate_connection()
    flush("SETTINGS")
    body = ("hello %s\n" % cn).encode()
    while True:
        try:
            data = tls.recv(65536)
        except (ssl.SSLError, OSError) as e:
            print("recv: %s" % e, flush=True)
            break
        if not data:
            break
        for ev in h2c.receive_data(data):
            print("event %s" % type(ev).__name__, flush=True)
            if isinstance(ev, h2.events.RemoteSettingsChanged):
                flush("SETTINGS ack")
            elif isinstance(ev, h2.events.RequestReceived):
                sid = ev.stream_id
                h2c.send_headers(sid, [(":status", "200"), ("content-type", "text/plain"),
                                       ("content-length", str(len(body)))])
                flush("HEADERS 200")
                h2c.send_data(sid, body)
                flush("DATA")
                h2c.end_stream(sid)
                flush("DATA END_STREAM")
            elif isinstance(ev, h2.events.ConnectionTerminated):
                break
        flush("pending")
    h2c.close_connection()
    try:
        flush("GOAWAY")
    except (ssl.SSLError, OSError) as e:
        print("GOAWAY: %s" % e, flush=True)
    conn.close()
    return 0


def main():
    a = sys.argv[1:]
    if len(a) >= 5 and a[0] == "line-server":
        return line_server(int(a[1]), a[2], a[3], a[4], a[5:])
    if len(a) == 6 and a[0] == "line-client":
        return line_client(int(a[1]), a[2], a[3], a[4], a[5])
    if len(a) >= 4 and a[0] == "h2-server":
        return h2_server(int(a[1]), a[2], a[3], a[4:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
