#!/usr/bin/env python3
"""Differential test against tshark for captures with keys (issue 18, "protocol
coverage"): for every sample capture that has a key log (samples/keylogs/<name>.keys)
or carries its secrets in a pcapng Decryption Secrets Block,

  * every Finished message tshark decrypts (handshake type 20 visible) must be a
    decrypted `finished` step in mtlsdump's --json output, per connection and
    direction (counted: tshark's n Finished need at least n decrypted ones);
  * every alert tshark shows (level and description, plaintext or decrypted from
    an encrypted record) must be an `alert` step of ours in the same direction
    with the same level and description (compared as multisets per direction).

The reverse (a decrypted Finished or an alert we show that tshark does not) and
encrypted alerts neither tool could read are printed as information only.

Known gaps: KNOWN_GAPS below lists (capture, problem prefix) pairs that fail
today, each with the reason. They are reported as "known gap" and do not fail
the test; a listed gap that no longer occurs fails it ("fixed? remove it from
KNOWN_GAPS") so the list shrinks as fixes land.

Environment: MTLS_SOURCE_DIR (repository root), MTLS_BINARY_DIR (build dir).
Usage outside CTest: keyed_compare.py [-v] [CAPTURE...]: names in samples/pcaps, or
paths to other captures, each read with the .keys file next to it (e.g. ad-hoc
captures such as gnutls-serv --http over PSK AES-128-CCM / AES-256-GCM)."""
import collections, json, os, struct, subprocess, sys

# (capture file name, problem text prefix) -> reason. Keep each reason concrete:
# which side is right and where the fix goes. Empty when everything agrees.
CAMELLIA_GCM = ("mtlsdump does not decrypt Camellia-GCM (TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256, 0xc08a): "
                "src/tls/tls_suites.c has no Camellia-GCM rows because OpenSSL 3 has no Camellia-GCM cipher "
                "(docs/internals/decryption.md, 'Left out'); tshark (libgcrypt) does. Fix: GCM over "
                "CAMELLIA-128/256-ECB (GHASH by hand) in src/tls/tls_decrypt.c, then the rows")
KNOWN_GAPS = {
    ("gnutls-tls12-camellia128-gcm.pcap", "C->S Finished"): CAMELLIA_GCM,
    ("gnutls-tls12-camellia128-gcm.pcap", "S->C Finished"): CAMELLIA_GCM,
    ("gnutls-tls12-camellia128-gcm.pcap", "C->S alerts missing in ours"): CAMELLIA_GCM + " (close_notify)",
    ("gnutls-tls12-camellia128-gcm.pcap", "S->C alerts missing in ours"): CAMELLIA_GCM + " (close_notify)",
}

LEVELS = {"warning": 1, "fatal": 2}


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout


def has_dsb(path):
    """True when a pcapng file holds a Decryption Secrets Block (type 0x0A)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    if len(data) < 12 or data[:4] != b"\x0a\x0d\x0d\x0a":
        return False
    endian = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    off = 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack(endian + "II", data[off:off + 8])
        if btype == 0x0000000A:
            return True
        if blen < 12:
            return False
        off += blen
    return False


def captures(src, only):
    """(name, capture path, key log path or None) for every capture with secrets.
    An argument that is a path to a capture is taken with the .keys file next to it."""
    out = []
    for a in sorted(only):
        if os.path.isfile(a):
            keys = os.path.splitext(a)[0] + ".keys"
            out.append((os.path.basename(a), a, keys if os.path.exists(keys) else None))
    only = {a for a in only if not os.path.isfile(a)}
    if out and not only:
        return out
    for name in sorted(os.listdir(f"{src}/samples/pcaps")):
        if only and name not in only:
            continue
        stem, ext = os.path.splitext(name)
        if ext not in (".pcap", ".pcapng"):
            continue
        pcap = f"{src}/samples/pcaps/{name}"
        keys = f"{src}/samples/keylogs/{stem}.keys"
        if os.path.exists(keys):
            out.append((name, pcap, keys))
        elif ext == ".pcapng" and has_dsb(pcap):
            out.append((name, pcap, None))
    return out


def new_side():
    return {"fin": 0, "fin_dec": 0, "alerts": collections.Counter(), "enc_alerts": 0}


def ours(binary, src, pcap, keys):
    """Per client port: {"C->S": side, "S->C": side}, plus the server ports."""
    cmd = [binary, "-r", pcap, "--json", "--no-summary", "--ca", f"{src}/samples/pki/root.pem"]
    if keys:
        cmd += ["--keylog", keys]
    conns = {}
    ports = set()
    for line in run(cmd).splitlines():
        if not line.strip():
            continue
        c = json.loads(line)
        if c.get("type") != "connection":
            continue
        ports.add(c["destination"]["port"])
        sides = conns.setdefault(c["source"]["port"], {"C->S": new_side(), "S->C": new_side()})
        for st in c["mtls"]["steps"]:
            s = sides[st["dir"]]
            if st["kind"] == "finished":
                s["fin"] += 1
                if st.get("decrypted"):
                    s["fin_dec"] += 1
            elif st["kind"] == "alert":
                s["alerts"][(LEVELS.get(st.get("alert_level"), st.get("alert_level")), st.get("alert_code"))] += 1
            elif st["kind"] == "encrypted_alert":
                s["enc_alerts"] += 1
    return conns, ports


def theirs(pcap, keys, ports):
    """tshark's reading per client port (same shape as ours())."""
    cmd = ["tshark", "-r", pcap]
    if keys:
        cmd += ["-o", f"tls.keylog_file:{keys}"]
    for p in sorted(ports):
        cmd += ["-d", f"tcp.port=={p},tls"]
    cmd += ["-Y", "tls", "-T", "fields", "-E", "separator=|", "-e", "tcp.srcport", "-e", "tcp.dstport",
            "-e", "tls.record.content_type", "-e", "tls.handshake.type",
            "-e", "tls.alert_message.level", "-e", "tls.alert_message.desc"]
    conns = {}
    for line in run(cmd).splitlines():
        f = line.split("|")
        if len(f) < 6 or not f[0]:
            continue
        sport, dport = int(f[0]), int(f[1])
        if dport in ports:
            d, cport = "C->S", sport
        elif sport in ports:
            d, cport = "S->C", dport
        else:
            continue
        s = conns.setdefault(cport, {"C->S": new_side(), "S->C": new_side()})[d]
        s["fin"] += sum(1 for t in f[3].split(",") if t == "20")
        s["fin_dec"] = s["fin"]
        levels = [x for x in f[4].split(",") if x]
        descs = [x for x in f[5].split(",") if x]
        for lv, de in zip(levels, descs):
            s["alerts"][(int(lv), int(de))] += 1
        n_alert_records = sum(1 for t in f[2].split(",") if t == "21")
        s["enc_alerts"] += max(0, n_alert_records - len(levels))
    return conns


def fmt(alerts):
    return ", ".join(f"{lv}/{de}" + (f" x{n}" if n > 1 else "") for (lv, de), n in sorted(alerts.items(), key=str))


def compare(name, ours_c, theirs_c):
    """(problems, infos) for one capture."""
    problems, infos = [], []
    for cport in sorted(set(ours_c) | set(theirs_c)):
        o, t = ours_c.get(cport), theirs_c.get(cport)
        if o is None:
            if any(t[d]["fin"] or t[d]["alerts"] for d in t):
                problems.append(f"client port {cport}: no connection of ours, tshark shows Finished/alerts")
            continue
        if t is None:
            if any(o[d]["fin_dec"] or o[d]["alerts"] for d in o):
                infos.append(f"client port {cport}: tshark has no TLS stream")
            continue
        for d in ("C->S", "S->C"):
            os_, ts = o[d], t[d]
            if os_["fin_dec"] < ts["fin"]:
                problems.append(f"{cport} {d} Finished: tshark decrypts {ts['fin']}, we decrypt {os_['fin_dec']} "
                                f"(of {os_['fin']} seen)")
            elif os_["fin_dec"] > ts["fin"]:
                infos.append(f"{cport} {d} Finished: we decrypt {os_['fin_dec']}, tshark {ts['fin']}")
            missing = ts["alerts"] - os_["alerts"]
            extra = os_["alerts"] - ts["alerts"]
            if missing:
                problems.append(f"{cport} {d} alerts missing in ours: {fmt(missing)} "
                                f"(tshark: [{fmt(ts['alerts'])}], ours: [{fmt(os_['alerts'])}], "
                                f"our encrypted alerts: {os_['enc_alerts']})")
            if extra:
                infos.append(f"{cport} {d} alerts only in ours: {fmt(extra)}")
            if ts["enc_alerts"] or os_["enc_alerts"]:
                infos.append(f"{cport} {d} encrypted alerts left unread: tshark {ts['enc_alerts']}, ours {os_['enc_alerts']}")
    return problems, infos


def strip_port(p):
    """Problem text without the (capture-time) client port, for KNOWN_GAPS keys."""
    head, _, rest = p.partition(" ")
    return rest if head.isdigit() else p


def main(argv):
    verbose = "-v" in argv
    only = {a for a in argv if not a.startswith("-")}
    src = os.environ.get("MTLS_SOURCE_DIR", os.getcwd())
    binary = os.environ.get("MTLS_BINARY_DIR", f"{src}/build") + "/mtlsdump"
    ok = failed = known = 0
    seen_gaps = set()
    totals = collections.Counter()
    for name, pcap, keys in captures(src, only):
        ours_c, ports = ours(binary, src, pcap, keys)
        theirs_c = theirs(pcap, keys, ports) if ports else {}
        for c in theirs_c.values():
            for d in c.values():
                totals["tshark_finished"] += d["fin"]
                totals["tshark_alerts"] += sum(d["alerts"].values())
        problems, infos = compare(name, ours_c, theirs_c)
        if not ours_c and not theirs_c:
            problems.append("neither tool shows a TLS connection")
        real = []
        for p in problems:
            gap = next(((n, pre) for (n, pre) in KNOWN_GAPS if n == name and strip_port(p).startswith(pre)), None)
            if gap:
                seen_gaps.add(gap)
                print(f"known gap {name}: {p}\n    reason: {KNOWN_GAPS[gap]}")
            else:
                real.append(p)
        if real:
            failed += 1
            print(f"FAIL {name}:")
            for p in real:
                print("    " + p)
        else:
            ok += 1
            if problems:
                known += 1
            elif verbose:
                print(f"ok   {name} ({len(ours_c)} connections)")
        for i in infos:
            print(f"info {name}: {i}")
    for gap in sorted(set(KNOWN_GAPS) - seen_gaps):
        if not only or gap[0] in only:
            failed += 1
            print(f"FAIL {gap[0]}: known gap '{gap[1]}' no longer occurs (fixed? remove it from KNOWN_GAPS)")
    print(f"tshark decrypted {totals['tshark_finished']} Finished and showed {totals['tshark_alerts']} alerts; "
          f"{ok} captures agree ({known} only through known gaps), {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
