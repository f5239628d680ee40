#!/usr/bin/env python3
"""fact_compare.py — measure how often mtlsdump and tshark agree on the basic
facts of each TLS connection in a folder of captures read WITHOUT keys
(issue 18, "protocol coverage"). A measurement tool, not a test: it always
exits 0 unless it cannot run.

Usage: tests/tools/fact_compare.py [--mtlsdump BIN] [--show-agreeing] DIR_OR_FILE...

Connections are matched by their TCP 4-tuple (ours: source = client; tshark:
the endpoints of a tcp.stream that carries TLS), in order when a 4-tuple repeats.
The client of a tshark stream is the side ours calls the client; a stream ours
does not report is oriented by its ClientHello (else its first packet).

Facts per connection (8):
  version      ours tls.version (+ "ssl" protocol -> SSL 3.0); tshark: the
               ServerHello's supported_versions extension if present (TLS 1.3
               drafts count as 1.3), else the ServerHello's version; SSLv2
               ServerHello (tls.ssl2 record) -> 2.0. Absent without ServerHello.
  cipher       the ServerHello's suite, compared by its code (ours: IANA name
               mapped through tshark's own table, `tshark -G values`).
  sni          the ClientHello's server_name.
  client_leaf, server_leaf
               SHA-256 of the first certificate of the first Certificate
               message each side sent (tshark: tls.handshake.certificate, DER).
  established  tshark (a wire-level reading, defined here):
                 TLS <= 1.2: both sides sent ChangeCipherSpec followed by a
                 handshake record (their Finished), and no fatal alert came
                 before the second of these.
                 TLS 1.3 (no keys; "application data both ways"): after the
                 ServerHello the client sent an encrypted record (its Finished
                 flight), the server's first encrypted record after that is not
                 alert-sized (opaque length 19..35: a 2-byte alert + inner type +
                 16-byte tag + up to 16 bytes of padding, or 11 with CCM_8), and
                 no plaintext fatal alert came before.
               ours: tls.established (ECS: "the handshake completed").
  alerts C->S, alerts S->C
               per direction the multiset of readable alerts (level/description)
               plus the number of encrypted alert records (content type 21
               that neither could read; TLS 1.3 alerts hidden in type-23
               records are invisible to both without keys).
A fact counts as compared when at least one tool has a value for it;
established and the two alert facts always count (False / "none" are values).
A connection only one tool reports contributes its facts as disagreements.
"""
import collections, hashlib, json, os, subprocess, sys

FACTS = ["version", "cipher", "sni", "client_leaf", "server_leaf", "established", "alerts C->S", "alerts S->C"]
LEVEL = {"1": "warning", "2": "fatal"}


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace").stdout


_SUITES = None


def suite_table():
    global _SUITES
    if _SUITES is None:
        _SUITES = {}
        for line in run(["tshark", "-G", "values"]).splitlines():
            f = line.split("\t")
            if len(f) == 4 and f[0] == "V" and f[1] in ("tls.handshake.ciphersuite", "tls.handshake.cipherspec"):
                _SUITES[f[3]] = int(f[2])
    return _SUITES


def version_name(code):
    code = code.lower()
    if code.startswith("0x7f") or code.startswith("0x7e") or code in ("0xfb17", "0xfb1a", "0x0304"):
        return "1.3"
    return {"0x0303": "1.2", "0x0302": "1.1", "0x0301": "1.0", "0x0300": "3.0", "0x0002": "2.0"}.get(code, code)


def ours(binary, pcap):
    out = run([binary, "-r", pcap, "--json", "--no-summary"])
    conns = []
    for line in out.splitlines():
        if not line.strip():
            continue
        try:
            c = json.loads(line)
        except ValueError:
            continue
        if c.get("type") != "connection":
            continue
        tls = c.get("tls", {})
        v = tls.get("version")
        cipher = tls.get("cipher")
        if cipher:
            if cipher.startswith("unknown(0x"):
                cipher = int(cipher[8:-1], 16)
            else:
                cipher = suite_table().get(cipher, cipher)
        alerts = {"C->S": collections.Counter(), "S->C": collections.Counter()}
        for st in c.get("mtls", {}).get("steps", []):
            if st["kind"] == "alert":
                alerts[st["dir"]][f"{st.get('alert_level')}/{st.get('alert_code')}"] += 1
            elif st["kind"] == "encrypted_alert":
                alerts[st["dir"]]["encrypted"] += 1
        conns.append({
            "key": (c["source"]["ip"], c["source"]["port"], c["destination"]["ip"], c["destination"]["port"]),
            "id": c.get("mtls", {}).get("connection_id"),
            "verdict": c.get("mtls", {}).get("verdict"),
            "version": v,
            "cipher": cipher,
            "sni": tls.get("client", {}).get("server_name"),
            "client_leaf": (tls.get("client", {}).get("hash", {}).get("sha256") or "").lower() or None,
            "server_leaf": (tls.get("server", {}).get("hash", {}).get("sha256") or "").lower() or None,
            "established": bool(tls.get("established")),
            "alerts C->S": alerts["C->S"],
            "alerts S->C": alerts["S->C"],
        })
    return conns


TS_FIELDS = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
             "tls.record.content_type", "tls.record.opaque_type", "tls.record.length", "tls.handshake.type",
             "tls.handshake.version", "tls.handshake.extensions.supported_version", "tls.handshake.ciphersuite",
             "tls.handshake.extensions_server_name", "tls.handshake.certificate",
             "tls.alert_message.level", "tls.alert_message.desc", "tls.handshake.cipherspec"]


def tshark_frames(pcap, ports):
    cmd = ["tshark", "-r", pcap]
    for p in sorted(ports):
        cmd += ["-d", f"tcp.port=={p},tls"]
    cmd += ["-Y", "tls", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a"]
    for f in TS_FIELDS:
        cmd += ["-e", f]
    rows = []
    for line in run(cmd).splitlines():
        f = line.split("|")
        if len(f) != len(TS_FIELDS) or not f[0]:
            continue
        rows.append(dict(zip(TS_FIELDS, f)))
    return rows


def lst(s):
    return [x for x in s.split(",") if x != ""]


def last_ip(a, b):
    v = lst(a) or lst(b)
    return v[-1] if v else ""


def theirs(pcap, extra_ports):
    """tshark's facts per tcp.stream: {stream: record}."""
    streams = collections.OrderedDict()
    for r in tshark_frames(pcap, extra_ports):
        sid = int(r["tcp.stream"])
        src = (last_ip(r["ip.src"], r["ipv6.src"]), int(r["tcp.srcport"]))
        dst = (last_ip(r["ip.dst"], r["ipv6.dst"]), int(r["tcp.dstport"]))
        s = streams.get(sid)
        if s is None:
            s = streams[sid] = {"frames": [], "first": (src, dst), "client": None}
        hs = lst(r["tls.handshake.type"])
        if "1" in hs and s["client"] is None:  # ClientHello (SSLv2 too)
            s["client"] = src
        s["frames"].append((src, r))
    return streams


def alert_sized(n):
    """A TLS 1.3 record that may hold an alert: 2 bytes + inner type + 16-byte tag,
    padded by up to 16 bytes (JSSE pads its alerts to 35), or 11 with CCM_8."""
    return n == 11 or 19 <= n <= 35


def derive(s, client):
    """The 8 facts of one tshark stream, with `client` = (ip, port)."""
    d = {"version": None, "cipher": None, "sni": None, "client_leaf": None, "server_leaf": None,
         "established": False, "alerts C->S": collections.Counter(), "alerts S->C": collections.Counter()}
    ccs_then_fin = {"C->S": False, "S->C": False}
    ccs = {"C->S": False, "S->C": False}
    fatal_before = False
    tls13 = False
    sh_seen = False
    c_flight = False          # 1.3: the client sent an encrypted record after the ServerHello
    s_answer = None           # 1.3: length of the server's first encrypted record after that
    for src, r in s["frames"]:
        dr = "C->S" if src == client else "S->C"
        hs = lst(r["tls.handshake.type"])
        cts = lst(r["tls.record.content_type"])
        opq = lst(r["tls.record.opaque_type"])
        lens = [int(x) for x in lst(r["tls.record.length"])]
        certs = lst(r["tls.handshake.certificate"])
        key = "client_leaf" if dr == "C->S" else "server_leaf"
        if certs and d[key] is None:
            d[key] = hashlib.sha256(bytes.fromhex(certs[0].replace(":", ""))).hexdigest()
        sslv2 = bool(hs) and not cts  # SSLv2 records have no content type
        if sslv2:
            if dr == "S->C" and "4" in hs:  # SSLv2 ServerHello
                d["version"] = "2.0"
            cspec = lst(r["tls.handshake.cipherspec"])
            if dr == "C->S" and "2" in hs and cspec:  # ClientMasterKey: the client's choice
                d["cipher"] = int(cspec[-1], 16)
            continue
        if dr == "S->C" and "2" in hs:
            sv = lst(r["tls.handshake.extensions.supported_version"])
            hv = lst(r["tls.handshake.version"])
            if sv:
                d["version"] = version_name(sv[-1])
            elif hv:
                d["version"] = version_name(hv[-1])
            cs = lst(r["tls.handshake.ciphersuite"])
            if cs:
                d["cipher"] = int(cs[-1], 16)
            tls13 = d["version"] == "1.3"
            sh_seen = True
        if dr == "C->S" and d["sni"] is None:
            sni = lst(r["tls.handshake.extensions_server_name"])
            if sni:
                d["sni"] = sni[0]
        lv, de = lst(r["tls.alert_message.level"]), lst(r["tls.alert_message.desc"])
        for a, b in zip(lv, de):
            d["alerts " + dr][f"{LEVEL.get(a, a)}/{b}"] += 1
            if a == "2" and not (ccs_then_fin["C->S"] and ccs_then_fin["S->C"]):
                fatal_before = True
        n21 = cts.count("21")
        if n21 > len(lv):
            d["alerts " + dr]["encrypted"] += n21 - len(lv)
        # established, TLS <= 1.2
        for ct in cts:
            if ct == "20":
                ccs[dr] = True
            elif ct == "22" and ccs[dr]:
                ccs_then_fin[dr] = True
        # established, TLS 1.3 without keys: opaque application_data records
        if sh_seen and tls13:
            n_opaque = len(opq) if opq else cts.count("23")
            rec_lens = [l for l, ct in zip(lens, cts) if ct == "23"] if not opq else lens[-n_opaque:]
            if dr == "C->S" and n_opaque:
                c_flight = True
            elif dr == "S->C" and n_opaque and c_flight and s_answer is None and rec_lens:
                s_answer = rec_lens[0]
    if tls13:
        d["established"] = c_flight and s_answer is not None and not alert_sized(s_answer) and not fatal_before
    else:
        d["established"] = ccs_then_fin["C->S"] and ccs_then_fin["S->C"] and not fatal_before
    return d


def has_value(f, v):
    return f in ("established", "alerts C->S", "alerts S->C") or v not in (None, "")


def show(v):
    if isinstance(v, collections.Counter):
        return "[" + ", ".join(f"{k}" + (f" x{n}" if n > 1 else "") for k, n in sorted(v.items())) + "]" if v else "none"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"0x{v:04x}"
    return str(v)


def compare_capture(binary, pcap):
    oc = ours(binary, pcap)
    server_ports = {c["key"][3] for c in oc}
    streams = theirs(pcap, set())
    seen_ports = set()
    for s in streams.values():
        for src, _ in s["frames"]:
            seen_ports.add(src[1])
    missing = {p for p in server_ports if p not in seen_ports}
    if missing:  # tshark did not take these ports for TLS: tell it, as tshark_compare.py does
        streams = theirs(pcap, missing)
    by_tuple = collections.defaultdict(list)
    for sid, s in streams.items():
        a, b = s["first"]
        by_tuple[frozenset([a, b])].append(sid)
    used = set()
    pairs = []
    for c in oc:
        cl, sv = (c["key"][0], c["key"][1]), (c["key"][2], c["key"][3])
        cands = [sid for sid in by_tuple.get(frozenset([cl, sv]), []) if sid not in used]
        if cands:
            used.add(cands[0])
            pairs.append((c, derive(streams[cands[0]], cl), f"#{c['id']} {cl[0]}:{cl[1]}->{sv[0]}:{sv[1]}"))
        else:
            pairs.append((c, None, f"#{c['id']} {cl[0]}:{cl[1]}->{sv[0]}:{sv[1]}"))
    for sid, s in streams.items():
        if sid in used:
            continue
        cl = s["client"] or s["first"][0]
        sv = s["first"][1] if s["first"][0] == cl else s["first"][0]
        pairs.append((None, derive(s, cl), f"tcp.stream {sid} {cl[0]}:{cl[1]}->{sv[0]}:{sv[1]}"))
    return pairs, bool(oc), bool(streams)


def main(argv):
    binary = os.path.join(os.environ.get("MTLS_BINARY_DIR", "build"), "mtlsdump")
    show_ok = False
    paths = []
    it = iter(argv)
    for a in it:
        if a == "--mtlsdump":
            binary = next(it)
        elif a == "--show-agreeing":
            show_ok = True
        else:
            paths.append(a)
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, n) for n in os.listdir(p) if n.endswith((".pcap", ".pcapng", ".cap")))
        else:
            files.append(p)
    total = agree = 0
    per_fact = collections.Counter()
    per_fact_ok = collections.Counter()
    empty = []
    disagreements = []
    conns_n = 0
    for pcap in files:
        pairs, any_ours, any_theirs = compare_capture(binary, pcap)
        name = os.path.basename(pcap)
        if not any_ours and not any_theirs:
            dtls = run(["tshark", "-r", pcap, "-Y", "dtls", "-T", "fields", "-e", "frame.number"]).split()
            empty.append(f"{name} ({'DTLS over UDP' if dtls else 'no TLS over TCP'} for tshark; no connection of ours)")
            continue
        for o, t, label in pairs:
            conns_n += 1
            for f in FACTS:
                ov = o[f] if o else None
                tv = t[f] if t else None
                if o is None and f == "established":
                    ov = None
                if t is None and f == "established":
                    tv = None
                if not (has_value(f, ov) or has_value(f, tv)):
                    continue
                if (o is None or t is None) and f != "established" and not ((ov or tv)):
                    continue  # an empty alert list of a connection the other tool lacks
                total += 1
                per_fact[f] += 1
                same = ov == tv
                if same:
                    agree += 1
                    per_fact_ok[f] += 1
                    if show_ok:
                        print(f"  ok  {name} {label} {f}: {show(ov)}")
                else:
                    extra = f" (verdict {o['verdict']})" if o and f == "established" else ""
                    disagreements.append(f"{name} {label} {f}: ours {show(ov) if o else '(no connection)'}"
                                         f"{extra}, tshark {show(tv) if t else '(no TLS stream)'}")
    print(f"captures: {len(files)}, with TLS over TCP for either tool: {len(files) - len(empty)}, connections: {conns_n}")
    for e in empty:
        print(f"  excluded: {e}")
    pct = 100.0 * agree / total if total else 0.0
    print(f"facts compared: {total}, agreeing: {agree}, agreement: {pct:.2f}%")
    for f in FACTS:
        if per_fact[f]:
            print(f"  {f:12s} {per_fact_ok[f]}/{per_fact[f]}")
    print(f"disagreements: {len(disagreements)}")
    for d in disagreements:
        print("  " + d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
