#!/usr/bin/env python3
"""html_dom_check.py — checks the DOM of an mtlsdump --format html page as
headless Chromium left it (--dump-dom: after the page's script ran) against
the NDJSON report of the same capture (the independent source of truth).

Usage: html_dom_check.py DOM.html REPORT.ndjson [--hostile] [--opened ID...]

Prints "ok ..." / "FAIL ..." lines; exits 1 when a check failed.
- one connection row per connection; each connection has its article with
  one sequence diagram (<svg class=ladder data-connection=ID data-verdict=V>,
  V the JSON verdict), or its entry in the page's #lazy data block from which
  the script draws it on demand; those named with --opened (the URL's #cID)
  have been drawn by the script;
- on every drawn diagram of a failed connection, the arrows that carry
  data-evidence are exactly the JSON's evidence_steps (and there is one);
- the inventory table lists every distinct client certificate of the summary;
- nothing refers outside the page: no src=, no href= but "#fragment", no
  <link>/<img>/<iframe>/<object>/<embed>, no url() but url(#id) in styles,
  one executable <script> and it has no src;
- with --hostile: no element or attribute made from the wire (no <img>, no
  on* event attribute, no <b> or <script> from a subject), and the hostile
  SNI and subject are there as text.
"""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], []

    def cls(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def text_content(self):
        return "".join(self.text) + "".join(c.text_content() for c in self.children)


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root
        self.all_attrs = []

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.all_attrs.extend((tag, k, v) for k, v in attrs)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.all_attrs.extend((tag, k, v) for k, v in attrs)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text.append(data)


def main():
    args = sys.argv[1:]
    hostile = "--hostile" in args
    opened = []
    if "--opened" in args:
        opened = [int(x) for x in args[args.index("--opened") + 1:]]
    dom_path, ndjson_path = args[0], args[1]
    conns, summary = {}, None
    for line in open(ndjson_path, encoding="utf-8"):
        o = json.loads(line)
        if o.get("type") == "connection":
            conns[o["mtls"]["connection_id"]] = o["mtls"]
        elif o.get("type") == "summary":
            summary = o
    t = Tree()
    t.feed(open(dom_path, encoding="utf-8").read())
    nodes = list(t.root.iter())
    fails = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            fails.append(what)

    check(len(conns) > 0, "the JSON report has %d connections" % len(conns))
    section = [n for n in nodes if n.tag == "section" and n.attrs.get("id") == "table"]
    head = [n for n in nodes if n.tag == "table" and n.attrs.get("id") == "conns"]
    check(len(section) == 1 and len(head) == 1, "the connection table and its header")
    rows = [n for n in section[0].iter() if n.tag == "tr" and n.parent.tag == "tbody"] if section else []
    check(len(rows) == len(conns), "connection table: %d rows for %d connections" % (len(rows), len(conns)))
    arts = {n.attrs.get("id"): n for n in nodes if n.tag == "article" and "conn" in n.cls()}
    lazy_blocks = [n for n in nodes if n.tag == "script" and n.attrs.get("id") == "lazy"]
    lazy = [o["id"] for o in json.loads(lazy_blocks[0].text_content())] if lazy_blocks else []
    check(len(lazy_blocks) == 1, "one block of data for the connections drawn on demand (%d)" % len(lazy))
    drawn_ids = sorted(int(a[1:]) for a in arts)
    check(sorted(set(drawn_ids) - set(opened) | set(lazy)) == sorted(conns),
          "every connection has its article (%d) or its data (%d)" % (len(set(drawn_ids) - set(opened)), len(lazy)))
    check(not (set(drawn_ids) - set(opened)) & set(lazy), "no connection both drawn and kept as data")
    svgs = {}
    for n in nodes:
        if n.tag == "svg" and "ladder" in n.cls():
            cid = int(n.attrs.get("data-connection", "-1"))
            check(cid not in svgs, "connection %d has one diagram" % cid)
            svgs[cid] = n
    for cid, m in sorted(conns.items()):
        art = arts.get("c%d" % cid)
        if art is None:
            check(cid in lazy and cid not in svgs, "#%d: drawn on demand, its data in the page" % cid)
            continue
        svg = svgs.get(cid)
        if svg is None or not any(n is svg for n in art.iter()):
            check(False, "#%d: a diagram in its article" % cid)
            continue
        ok = svg.attrs.get("data-verdict") == m["verdict"]
        arrows = [n for n in svg.iter() if n.tag == "g" and "s" in n.cls()]
        ok = ok and len(arrows) == min(len(m["steps"]), 200)
        ev = sorted(int(n.attrs["data-evidence"]) for n in svg.iter() if "data-evidence" in n.attrs)
        if m["failed"]:
            ok = ok and ev == sorted(m["evidence_steps"]) and len(ev) > 0
        check(ok, "#%d: diagram %s, %d arrows, evidence %s%s" % (cid, svg.attrs.get("data-verdict"), len(arrows), ev,
                                                                  " (failed)" if m["failed"] else ""))
    for cid in opened:
        check(cid in lazy and cid in svgs, "#%d: drawn on demand by the page's script when opened" % cid)
    check(len(svgs) == len(conns) - len(lazy) + len([c for c in opened if c in lazy]),
          "%d diagrams drawn in the page, %d on demand" % (len(svgs), len(lazy)))
    inv = [n for n in nodes if n.tag == "table" and n.attrs.get("id") == "inv"]
    certs = summary.get("client_certificates", []) if summary else []
    if certs:
        inv_rows = [n for n in inv[0].iter() if n.tag == "tr" and n.parent.tag == "tbody"] if inv else []
        fps = sorted(re.search(r"sha256 ([0-9a-f]{64})", r.text_content()).group(1) for r in inv_rows)
        check(fps == sorted(c["sha256"].lower() for c in certs), "inventory: %d client certificates" % len(fps))
    else:
        check(any(n.attrs.get("id") == "inventory" for n in nodes), "inventory section (no client certificate)")
    # nothing outside the page
    ext = [(tag, k, v) for tag, k, v in t.all_attrs
           if k == "src" or (k in ("href", "xlink:href", "action", "formaction", "poster", "data")
                             and not (v or "").startswith("#"))]
    check(not ext, "no reference outside the page %s" % (ext[:3] or ""))
    bad_tags = [n.tag for n in nodes if n.tag in ("link", "img", "iframe", "object", "embed", "frame", "base", "form")]
    check(not bad_tags, "no link/img/iframe/object/embed/base/form %s" % (bad_tags[:3] or ""))
    css = "".join(n.text_content() for n in nodes if n.tag == "style")
    css += "".join(v or "" for tag, k, v in t.all_attrs if k == "style")
    check(not re.search(r"url\(\s*['\"]?(?!#)", css) and "@import" not in css, "styles load nothing (url(#id) only)")
    scripts = [n for n in nodes if n.tag == "script" and n.attrs.get("type") != "application/json"]
    check(len(scripts) == 1 and "src" not in scripts[0].attrs, "one inline script (%d)" % len(scripts))
    csp = [n.attrs.get("content", "") for n in nodes if n.tag == "meta" and n.attrs.get("http-equiv", "").lower() ==
           "content-security-policy"]
    check(bool(csp) and "default-src 'none'" in csp[0] and "unsafe-inline" not in csp[0],
          "Content-Security-Policy: default-src 'none', script and style by hash")
    if hostile:
        events = [(tag, k) for tag, k, v in t.all_attrs if k.startswith("on")]
        check(not events, "no event-handler attribute in the DOM %s" % (events[:3] or ""))
        check(not any(n.tag == "b" and "onmouseover" in n.text_content() for n in nodes) and
              not any(n.tag == "b" and n.text_content() == "x" for n in nodes), "no <b> element from the subject")
        body = t.root.text_content()
        check("<img src=x onerror=alert(1)>" in body, "the hostile SNI is shown as text")
        check("<script>alert(1)" in body, "the hostile subject is shown as text")
        sni_cells = [r.children[4].text_content() for r in rows if len(r.children) > 4]
        check(all("<img src=x onerror=alert(1)>" in c for c in sni_cells) and sni_cells,
              "SNI cells hold the SNI as text (%d)" % len(sni_cells))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
