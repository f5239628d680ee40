#!/usr/bin/env python3
"""Differential test against tshark: for each sample capture, the handshake
message sequence per direction, the negotiated version, SNI, ALPN, JA3 and
JA3S (whose string carries the chosen cipher suite) must agree between
mtlsdump --json and tshark's dissection of the same capture (both given the
capture's key log). When one of the two cannot use the key log for a
capture's cipher suite, both are compared without it (see unusable_key_log)."""
import json, os, subprocess, sys

KIND_TO_TYPE = {"client_hello": 1, "server_hello": 2, "hello_retry_request": 2,
    "new_session_ticket": 4, "end_of_early_data": 5, "encrypted_extensions": 8,
    "certificate": 11, "server_key_exchange": 12, "certificate_request": 13,
    "post_handshake_auth": 13, "server_hello_done": 14, "certificate_verify": 15,
    "client_key_exchange": 16, "finished": 20, "key_update": 24, "compressed_certificate": 25}
VERSIONS = {"0x0304": "1.3", "0x0303": "1.2", "0x0302": "1.1", "0x0301": "1.0"}
# TLS 1.3 drafts and experiments: ECS tls.version "1.3" (the text names the draft)
VERSIONS.update({f"0x7f{n:02x}": "1.3" for n in range(256)})
VERSIONS.update({f"0x7e{n:02x}": "1.3" for n in range(1, 5)})
VERSIONS.update({"0xfb17": "1.3", "0xfb1a": "1.3"})

def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout

def ours(binary, pcap, keys):
    out = run([binary, "-r", pcap, "--json", "--no-summary", "--ca", "samples/pki/root.pem"] + (["--keylog", keys] if keys else []))
    conns = [json.loads(l) for l in out.splitlines() if l.strip()]
    return [c for c in conns if c.get("type") == "connection"]

# A STARTTLS prologue tshark follows only with the protocol's own dissector
# (PostgreSQL's one-byte 'S' answer, MySQL's greeting, LDAP's ExtendedResponse):
# decode that port as the protocol, which hands over to TLS where it starts.
STARTTLS_DISSECTOR = {"postgresql": "pgsql", "mysql": "mysql", "ldap": "ldap", "imap": "imap", "pop3": "pop",
                      "smtp": "smtp"}

def decode_as(conns):
    """{server port: tshark dissector} for the capture's connections."""
    return {c["destination"]["port"]: STARTTLS_DISSECTOR.get(c["mtls"].get("starttls") or "", "tls") for c in conns}

def theirs(pcap, keys, ports):
    """ports: {server port: dissector} (see decode_as)."""
    cmd = ["tshark", "-r", pcap] + sum([["-d", f"tcp.port=={p},{ports[p]}"] for p in sorted(ports)], []) + ["-Y", "tls", "-T", "fields", "-E", "separator=|",
           "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tls.handshake.type",
           "-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.extensions.supported_version",
           "-e", "tls.handshake.ja3", "-e", "tls.handshake.ja3s", "-e", "tls.handshake.extensions_alpn_str",
           "-e", "tls.record.version"]
    if keys:
        cmd[3:3] = ["-o", f"tls.keylog_file:{keys}"]
    streams = {}
    for line in run(cmd).splitlines():
        f = line.split("|")
        if len(f) < 10 or not f[0]:
            continue
        s = streams.setdefault(int(f[0]), {"types": {"C->S": [], "S->C": []}, "sni": None, "ja3": None,
                                           "ja3s": None, "alpn": [], "sv": [], "client_port": None})
        d = "C->S" if int(f[2]) in ports else "S->C"
        if d == "C->S":
            s["client_port"] = int(f[1])
        s["types"][d] += [int(t) for t in f[3].split(",") if t]
        if f[4] and not s["sni"]:
            s["sni"] = f[4]
        if f[6] and not s["ja3"]:
            s["ja3"] = f[6]
        if f[7] and not s["ja3s"]:
            s["ja3s"] = f[7]  # the first handshake's (a renegotiation's ServerHello comes later)
        if f[5] and d == "S->C":
            s["sv"] = f[5].split(",")
        if f[8] and d == "S->C":
            s["alpn"] = f[8].split(",")
    return streams

UNSUPPORTED = "is not supported for decryption"

def compare(binary, pcap, keys):
    """(problems, connections, tshark's reading per client port) of one capture, both tools given `keys`."""
    conns = ours(binary, pcap, keys)
    if not conns:
        # a connection that never reached TLS (a client that gave up after the
        # STARTTLS prologue): agreement when tshark sees no TLS either
        if not run(["tshark", "-r", pcap, "-Y", "tls"]).strip():
            return [], conns, {}
        return ["mtlsdump reported no connection"], conns, {}
    ports = decode_as(conns)
    ts = {s["client_port"]: s for s in theirs(pcap, keys, ports).values()}
    problems = []
    for c in conns:
        cp = c["source"]["port"]
        t = ts.get(cp)
        hello = any(st["kind"] in ("client_hello", "server_hello") for st in c["mtls"].get("steps", []))
        if t is None and not hello:
            continue  # never reached TLS (a prologue, then the end): tshark shows no TLS either
        if t is None:
            problems.append(f"#{c['mtls']['connection_id']}: tshark has no TLS stream from port {cp}"); continue
        mine = {"C->S": [], "S->C": []}
        for st in c["mtls"]["steps"]:
            k = KIND_TO_TYPE.get(st["kind"])
            if st["kind"] == "other_handshake":
                k = st.get("hs_type")  # e.g. 22 certificate_status (OCSP stapling), kept with its raw type
            if st["kind"] == "renegotiation" and st.get("decrypted") and st["dir"] == "S->C":
                k = None  # a server-started renegotiation: its HelloRequest (type 0)
                mine[st["dir"]].append(0)
            # an undecrypted TLS <= 1.2 Finished is shown by tshark without a type
            if k and not (st["kind"] == "finished" and st.get("detail") == "encrypted"):
                mine[st["dir"]].append(k)
        for d in ("C->S", "S->C"):
            if mine[d] != t["types"][d]:
                problems.append(f"#{c['mtls']['connection_id']} {d} messages {mine[d]} vs tshark {t['types'][d]}")
        tls = c.get("tls", {})
        cl = tls.get("client", {})
        if (cl.get("server_name") or None) != t["sni"]:
            problems.append(f"SNI {cl.get('server_name')} vs {t['sni']}")
        if t["ja3"] and cl.get("ja3") != t["ja3"]:
            problems.append(f"JA3 {cl.get('ja3')} vs {t['ja3']}")
        if t["ja3s"] and tls.get("server", {}).get("ja3s") != t["ja3s"]:
            problems.append(f"JA3S {tls.get('server', {}).get('ja3s')} vs {t['ja3s']}")
        if t["sv"] and tls.get("version") != VERSIONS.get(t["sv"][-1]):
            problems.append(f"version {tls.get('version')} vs {t['sv']}")
        if t["alpn"] and tls.get("next_protocol") != t["alpn"][0]:
            problems.append(f"ALPN {tls.get('next_protocol')} vs {t['alpn']}")
    return problems, conns, ts

def unusable_key_log(pcap, keys, conns, ts):
    """Why one tool could not use the key log for a capture's suite, or None. Then both
    are compared without it (tests/e2e/decrypt_suites.test.sh covers those suites with it):
    mtlsdump says the suite is not supported for decryption (e.g. Camellia-GCM), or
    tshark's reading with the key log is the same as without it (tshark 4.0 has no ARIA)."""
    notes = {c["mtls"].get("decrypt_note") or "" for c in conns}
    unsupported = sorted(n for n in notes if UNSUPPORTED in n)
    if unsupported:
        return "mtlsdump: " + unsupported[0]
    ports = decode_as(conns)
    plain = {s["client_port"]: s["types"] for s in theirs(pcap, None, ports).values()}
    if ts and all(plain.get(cp) == t["types"] for cp, t in ts.items()):
        return "tshark decrypts nothing more with the key log than without it"
    return None

def main():
    binary = os.environ["MTLS_BINARY_DIR"] + "/mtlsdump"
    os.chdir(os.environ["MTLS_SOURCE_DIR"])
    passed = failed = 0
    for name in sorted(os.listdir("samples/pcaps")):
        if not name.endswith(".pcap"):
            continue
        pcap = "samples/pcaps/" + name
        keys = "samples/keylogs/" + name[:-5] + ".keys"
        keys = keys if os.path.exists(keys) else None
        problems, conns, ts = compare(binary, pcap, keys)
        how = ""
        if problems and keys and conns:
            why = unusable_key_log(pcap, keys, conns, ts)
            if why:
                problems, conns, _ = compare(binary, pcap, None)
                how = f", compared without the key log ({why})"
        if problems:
            failed += 1
            print(f"FAIL {name}:"); [print("   ", p) for p in problems]
        else:
            passed += 1
            print(f"ok   {name} ({len(conns)} connections{how})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
