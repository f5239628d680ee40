#!/usr/bin/env python3
"""Check that an Elasticsearch index template maps every field mtlsdump writes.

Usage: es_mapping_check.py --template FILE [--schema FILE] [-v] NDJSON...

The template must be a composable index template (the body of
`PUT _index_template/NAME`). Every field path found in the NDJSON objects
(connection and summary objects; arrays of objects are walked element by
element) and, with --schema, every property the JSON schema declares, must be
mapped with a type that can hold the value:

  string   keyword, constant_keyword, wildcard, text, match_only_text,
           ip (only when every value parses as an IP address),
           date/date_nanos (only when every value is ISO-8601)
  integer  a numeric type whose range holds the value
  float    float, double, half_float, scaled_float
  boolean  boolean
  object   an object mapping (properties) or nested
  array of objects  nested or object; the arrays listed in MUST_BE_NESTED
                    must be nested (they are queried per element)

It also reports one path that carries two different JSON types, and paths
that the schema builds from the same definition ($ref) but the template maps
differently. Standard library only. Exit 0 when all is well, 1 with the list
of problems, 2 on usage or setup errors.
"""
import argparse
import ipaddress
import json
import os
import re
import sys

# Arrays of objects that must be `nested`: the steps, findings and
# certificate arrays (a query must match one element, not a mix of several).
MUST_BE_NESTED = [
    "mtls.steps",
    "mtls.findings",
    "mtls.chains.client.certs",
    "mtls.chains.server.certs",
    "client_certificates",
    "client_certificates.server_endpoints",
    "client_certificates.client_addresses",
    "client_certificates.uses",
]

# Objects of the same ECS shape that the schema writes out inline (no $ref).
SAME_SHAPE = [
    ["tls.client.x509.subject", "tls.client.x509.issuer",
     "tls.server.x509.subject", "tls.server.x509.issuer"],
    ["tls.client.hash", "tls.server.hash"],
]

STRING_TYPES = {"keyword", "constant_keyword", "wildcard", "text", "match_only_text",
                "ip", "date", "date_nanos"}
INT_RANGES = {
    "byte": (-2**7, 2**7 - 1), "short": (-2**15, 2**15 - 1),
    "integer": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1),
    "unsigned_long": (0, 2**64 - 1),
}
FLOAT_TYPES = {"float", "double", "half_float", "scaled_float"}
NUMERIC_TYPES = set(INT_RANGES) | FLOAT_TYPES
OBJECT_TYPES = {"object", "nested"}
KNOWN_TYPES = (STRING_TYPES | NUMERIC_TYPES | OBJECT_TYPES |
               {"boolean", "flattened", "binary", "version", "geo_point", "alias",
                "search_as_you_type", "token_count", "integer_range", "long_range",
                "date_range", "ip_range", "float_range", "double_range"})
TEMPLATE_KEYS = {"index_patterns", "template", "composed_of", "priority", "version", "_meta",
                 "data_stream", "allow_auto_create", "ignore_missing_component_templates",
                 "deprecated"}
TEMPLATE_BODY_KEYS = {"settings", "mappings", "aliases", "lifecycle", "data_stream_options"}

# strict_date_optional_time (Elasticsearch's default date format), as text
ISO8601 = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?"
                     r"(Z|[+-]\d{2}(:?\d{2})?)?)?$")


def json_kind(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if v is None:
        return "null"
    if isinstance(v, list):
        return "array"
    return "object"


def parses_as_ip(s):
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


class Template:
    """The mapping tree flattened to dotted paths."""

    def __init__(self, doc, problems):
        self.fields = {}          # path -> mapping node
        self.problems = problems
        self.check_structure(doc)
        mappings = doc.get("template", {}).get("mappings", {}) if isinstance(doc, dict) else {}
        props = mappings.get("properties") if isinstance(mappings, dict) else None
        if isinstance(props, dict):
            self.flatten(props, "")

    def bad(self, msg):
        self.problems.append(("template", msg))

    def check_structure(self, doc):
        if not isinstance(doc, dict):
            self.bad("the template is not a JSON object")
            return
        for k in doc:
            if k not in TEMPLATE_KEYS:
                self.bad(f"unknown top-level key '{k}' (a composable template has {sorted(TEMPLATE_KEYS)})")
        pats = doc.get("index_patterns")
        if isinstance(pats, str):
            pats = [pats]
        if not (isinstance(pats, list) and pats and all(isinstance(p, str) and p for p in pats)):
            self.bad("index_patterns must be a non-empty list of patterns")
        if "priority" in doc and not (isinstance(doc["priority"], int) and doc["priority"] >= 0):
            self.bad("priority must be a non-negative integer")
        if "version" in doc and not isinstance(doc["version"], int):
            self.bad("version must be an integer")
        for k in ("data_stream", "_meta"):
            if k in doc and not isinstance(doc[k], dict):
                self.bad(f"{k} must be an object")
        body = doc.get("template")
        if not isinstance(body, dict):
            self.bad("no 'template' object (settings / mappings)")
            return
        for k in body:
            if k not in TEMPLATE_BODY_KEYS:
                self.bad(f"unknown key 'template.{k}'")
        if "settings" in body and not isinstance(body["settings"], dict):
            self.bad("template.settings must be an object")
        m = body.get("mappings")
        if not isinstance(m, dict) or not isinstance(m.get("properties"), dict) or not m["properties"]:
            self.bad("template.mappings.properties is missing or empty")
            return
        # docs/elasticsearch/README.md: unknown fields are kept in _source, not indexed
        if m.get("dynamic") not in (False, "false"):
            self.bad(f"template.mappings.dynamic is {m.get('dynamic')!r}, the documented choice is false")
        if "data_stream" in doc:
            ts = m["properties"].get("@timestamp", {})
            if ts.get("type") not in ("date", "date_nanos"):
                self.bad("a data stream template must map @timestamp as date or date_nanos")

    def flatten(self, props, prefix):
        for name, node in props.items():
            path = prefix + name
            if not isinstance(node, dict):
                self.bad(f"mapping of '{path}' is not an object")
                continue
            t = node.get("type")
            if "properties" in node:
                if t not in (None, "object", "nested"):
                    self.bad(f"'{path}' has properties but type {t!r}")
                if t == "nested" and "include_in_root" in node and not isinstance(node["include_in_root"], bool):
                    self.bad(f"'{path}'.include_in_root must be a boolean")
                self.fields[path] = node
                if isinstance(node["properties"], dict):
                    self.flatten(node["properties"], path + ".")
                else:
                    self.bad(f"'{path}'.properties is not an object")
                continue
            if t is None:
                self.bad(f"'{path}' has neither a type nor properties")
                continue
            if t not in KNOWN_TYPES:
                self.bad(f"'{path}' has unknown type {t!r}")
            if t == "nested":
                self.bad(f"'{path}' is nested without properties")
            if t in ("match_only_text", "text") and "ignore_above" in node:
                self.bad(f"'{path}': ignore_above is not a parameter of {t}")
            for sub, subnode in (node.get("fields") or {}).items():
                if not isinstance(subnode, dict) or subnode.get("type") not in KNOWN_TYPES:
                    self.bad(f"multi-field '{path}.{sub}' has no known type")
            self.fields[path] = node

    def kind(self, path):
        """'object', 'nested', a leaf type, or None when unmapped."""
        node = self.fields.get(path)
        if node is None:
            return None
        if "properties" in node:
            return node.get("type") or "object"
        return node["type"]


def leaf_compatible(mtype, kind, value):
    """None when a value of JSON kind `kind` fits mapping type `mtype`, else why not."""
    if mtype in OBJECT_TYPES:
        return f"a {kind} where the template has an {mtype}"
    if kind == "string":
        if mtype not in STRING_TYPES:
            return f"a string mapped as {mtype}"
        if value is None:
            return None  # from the schema: no value to look at
        if mtype == "ip" and not parses_as_ip(value):
            return f"mapped as ip but {value!r} is not an IP address"
        if mtype in ("date", "date_nanos") and not ISO8601.match(value):
            return f"mapped as {mtype} but {value!r} is not ISO-8601"
        return None
    if kind == "integer":
        if mtype in FLOAT_TYPES:
            return None
        if mtype not in INT_RANGES:
            return f"an integer mapped as {mtype}"
        lo, hi = INT_RANGES[mtype]
        if value is not None and not lo <= value <= hi:
            return f"{value} does not fit {mtype}"
        return None
    if kind == "float":
        return None if mtype in FLOAT_TYPES else f"a fractional number mapped as {mtype}"
    if kind == "boolean":
        return None if mtype == "boolean" else f"a boolean mapped as {mtype}"
    return f"a {kind} value"


class Observed:
    """Every path the NDJSON objects carry, with the JSON kinds seen there."""

    def __init__(self, tpl):
        self.tpl = tpl
        self.kinds = {}         # path -> {kind: "file:line"}
        self.unmapped = {}      # path -> "file:line"
        self.incompatible = {}  # path -> (why, "file:line")
        self.objects = 0

    def note(self, path, kind, where):
        self.kinds.setdefault(path, {}).setdefault(kind, where)

    def walk(self, value, path, where):
        kind = json_kind(value)
        if kind == "object":
            if path:
                self.note(path, "object", where)
                self.check_container(path, "object", where)
                if self.tpl.kind(path) == "flattened":
                    return
            for k, v in value.items():
                self.walk(v, f"{path}.{k}" if path else k, where)
            return
        if kind == "array":
            elems = {json_kind(v) for v in value}
            if "array" in elems:
                self.incompatible.setdefault(path, ("an array of arrays (Elasticsearch cannot map it)", where))
            if "object" in elems:
                if len(elems) > 1:
                    self.incompatible.setdefault(path, (f"an array mixing objects with {sorted(elems - {'object'})}", where))
                self.note(path, "array of objects", where)
                self.check_container(path, "array of objects", where)
                for v in value:
                    if isinstance(v, dict):
                        for k, x in v.items():
                            self.walk(x, f"{path}.{k}", where)
                return
            for v in value:
                if not isinstance(v, (list, dict)):
                    self.walk(v, path, where)
            return
        self.note(path, kind, where)
        if kind == "null":
            return  # Elasticsearch indexes nothing for null; reported as a mixed type below if any
        mtype = self.tpl.kind(path)
        if mtype is None:
            self.unmapped.setdefault(path, where)
            return
        why = leaf_compatible(mtype, kind, value)
        if why:
            self.incompatible.setdefault(path, (why, where))

    def check_container(self, path, kind, where):
        mtype = self.tpl.kind(path)
        if mtype is None:
            self.unmapped.setdefault(path, where)
        elif mtype == "flattened" or (mtype == "object" and self.tpl.fields[path].get("enabled") is False):
            pass
        elif mtype not in OBJECT_TYPES:
            self.incompatible.setdefault(path, (f"an {kind} where the template has a {mtype}", where))

    def read(self, name):
        with open(name, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as e:
                    raise ValueError(f"{name}:{lineno}: not a JSON line: {e}")
                if not isinstance(obj, dict):
                    raise ValueError(f"{name}:{lineno}: not a JSON object")
                self.objects += 1
                self.walk(obj, "", f"{os.path.basename(name)}:{lineno} ({obj.get('type', '?')})")


class SchemaPaths:
    """The paths docs/json-schema.json declares, with their JSON types, and
    which paths it builds from the same $defs entry."""

    def __init__(self, schema):
        self.schema = schema
        self.paths = {}    # path -> set of kinds ("string", "date-time", "integer", "number", ...)
        self.refs = {}     # "#/$defs/x" -> list of paths built from it
        self.walk(schema, "", 0)

    def resolve(self, ref):
        node = self.schema
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node

    def add(self, path, kind):
        if path:
            self.paths.setdefault(path, set()).add(kind)

    def walk(self, node, path, depth):
        if depth > 40 or not isinstance(node, dict):
            return
        if "$ref" in node:
            ref = node["$ref"]
            if path:
                self.refs.setdefault(ref, []).append(path)
            self.walk(self.resolve(ref), path, depth + 1)
        for key in ("oneOf", "anyOf", "allOf"):
            for sub in node.get(key, []):
                self.walk(sub, path, depth + 1)
        types = node.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        if "const" in node:
            types.append(json_kind(node["const"]))
        for v in node.get("enum", []):
            types.append(json_kind(v))
        for t in types:
            if t == "object":
                self.add(path, "object")
            elif t == "array":
                items = node.get("items", {})
                if isinstance(items, dict) and "$ref" in items:
                    items_t = self.resolve(items["$ref"]).get("type")
                else:
                    items_t = items.get("type") if isinstance(items, dict) else None
                if items_t == "object":
                    self.add(path, "array of objects")
                self.walk(items, path, depth + 1)
            elif t == "string" and str(node.get("pattern", "")).startswith("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"):
                self.add(path, "date-time")
            elif t in ("string", "integer", "number", "boolean"):
                self.add(path, t)
        for name, sub in (node.get("properties") or {}).items():
            self.walk(sub, f"{path}.{name}" if path else name, depth + 1)
        extra = node.get("additionalProperties")
        names = node.get("propertyNames")
        if isinstance(extra, dict) and isinstance(names, dict):
            if "$ref" in names:
                names = self.resolve(names["$ref"])
            for name in names.get("enum", []):
                self.walk(extra, f"{path}.{name}" if path else name, depth + 1)


def schema_compatible(mtype, kind):
    if kind == "date-time":
        return None if mtype in ("date", "date_nanos") else f"a date-time string mapped as {mtype}"
    if kind == "number":
        return None if mtype in NUMERIC_TYPES else f"a number mapped as {mtype}"
    if kind == "object":
        return None if mtype in OBJECT_TYPES | {"flattened"} else f"an object mapped as {mtype}"
    if kind == "array of objects":
        return None if mtype in OBJECT_TYPES else f"an array of objects mapped as {mtype}"
    if kind == "null":
        return None
    return leaf_compatible(mtype, kind, None)


def subtree(tpl, root):
    """relative path -> mapping node (leaves only) under root."""
    out = {}
    for p, node in tpl.fields.items():
        if p.startswith(root + ".") and "properties" not in node:
            out[p[len(root) + 1:]] = node
    return out


def check_same_shape(tpl, group, problems):
    """The paths of one group must map their shared fields identically."""
    present = [p for p in group if p in tpl.fields]
    if len(present) < 2:
        return 0
    n = 0
    leafs = all("properties" not in tpl.fields[p] for p in present)
    if leafs:
        first = tpl.fields[present[0]]
        for p in present[1:]:
            n += 1
            if tpl.fields[p] != first:
                problems.append(("shape", f"'{p}' is mapped as {json.dumps(tpl.fields[p])} but "
                                          f"'{present[0]}' (same definition) as {json.dumps(first)}"))
        return n
    trees = {p: subtree(tpl, p) for p in present}
    for i, a in enumerate(present):
        for b in present[i + 1:]:
            for rel in sorted(set(trees[a]) & set(trees[b])):
                n += 1
                if trees[a][rel] != trees[b][rel]:
                    problems.append(("shape", f"'{a}.{rel}' is mapped as {json.dumps(trees[a][rel])} but "
                                              f"'{b}.{rel}' (same shape) as {json.dumps(trees[b][rel])}"))
            if tpl.fields[a].get("type") != tpl.fields[b].get("type"):
                problems.append(("shape", f"'{a}' and '{b}' (same shape) are not both nested or both objects"))
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--template", required=True)
    ap.add_argument("--schema", help="also check every property of this JSON schema")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every path checked")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()

    problems = []   # (category, message)
    warnings = []
    try:
        with open(args.template, encoding="utf-8") as f:
            tdoc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL template {args.template}: {e}")
        return 1
    tpl = Template(tdoc, problems)

    obs = Observed(tpl)
    try:
        for name in args.files:
            obs.read(name)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.files and obs.objects == 0:
        print("error: the NDJSON files hold no object", file=sys.stderr)
        return 2

    for path in MUST_BE_NESTED:
        if tpl.kind(path) != "nested":
            problems.append(("nested", f"'{path}' must be mapped as nested (it is {tpl.kind(path) or 'unmapped'})"))
    for path, where in sorted(obs.unmapped.items()):
        kinds = "/".join(sorted(obs.kinds.get(path, {})))
        problems.append(("unmapped", f"'{path}' ({kinds}) is not mapped, first seen in {where}"))
    for path, (why, where) in sorted(obs.incompatible.items()):
        problems.append(("incompatible", f"'{path}': {why}, first seen in {where}"))
    for path, kinds in sorted(obs.kinds.items()):
        ks = set(kinds)
        if len(ks) < 2:
            continue
        seen = ", ".join(f"{k} in {w}" for k, w in sorted(kinds.items()))
        if ks == {"integer", "float"}:
            warnings.append(f"'{path}' is sometimes written as an integer, sometimes with a fraction: {seen}")
        else:
            problems.append(("mixed", f"'{path}' carries different JSON types: {seen}"))

    n_schema = 0
    n_shape = 0
    if args.schema:
        try:
            with open(args.schema, encoding="utf-8") as f:
                sp = SchemaPaths(json.load(f))
        except (OSError, ValueError, KeyError) as e:
            print(f"error: schema {args.schema}: {e}", file=sys.stderr)
            return 2
        n_schema = len(sp.paths)
        if n_schema < 50:
            print(f"error: only {n_schema} paths found in {args.schema}: fix the schema walker", file=sys.stderr)
            return 2
        for path, kinds in sorted(sp.paths.items()):
            mtype = tpl.kind(path)
            if mtype is None:
                problems.append(("unmapped", f"'{path}' ({'/'.join(sorted(kinds))}) is declared in the schema but not mapped"))
                continue
            for k in sorted(kinds):
                why = schema_compatible(mtype, k)
                if why:
                    problems.append(("incompatible", f"'{path}': {why} (schema)"))
        for ref, paths in sorted(sp.refs.items()):
            n_shape += check_same_shape(tpl, sorted(set(paths)), problems)
    for group in SAME_SHAPE:
        n_shape += check_same_shape(tpl, group, problems)

    for w in warnings:
        print(f"note: {w}")
    if args.verbose:
        for path in sorted(obs.kinds):
            print(f"  {path}: {'/'.join(sorted(obs.kinds[path]))} -> {tpl.kind(path)}")
    print(f"{len(obs.kinds)} field paths in {obs.objects} objects from {len(args.files)} files; "
          f"{n_schema} paths declared in the schema; {n_shape} same-shape pairs; "
          f"{len(tpl.fields)} paths mapped in {args.template}")
    problems = list(dict.fromkeys(problems))  # the same pair can come from several groups
    if problems:
        order = ["template", "nested", "unmapped", "incompatible", "mixed", "shape"]
        for cat in order:
            for c, msg in problems:
                if c == cat:
                    print(f"FAIL {cat}: {msg}")
        print(f"{len(problems)} problem(s)")
        return 1
    print("every field is mapped with a compatible type")
    return 0


if __name__ == "__main__":
    sys.exit(main())
