#!/usr/bin/env python3
"""Validate mtlsdump NDJSON against docs/json-schema.json.

Usage: validate_json.py [--schema FILE] [FILE ...]   (stdin when no FILE)
Exit 0 when every line is a valid object, 1 on the first invalid line
(printed with its number and the error), 2 on usage/setup errors,
77 when python3-jsonschema is not installed (CTest "skipped" convention).
"""
import argparse
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("skipped: python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_schema = os.path.join(here, "..", "..", "docs", "json-schema.json")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", default=default_schema)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    try:
        with open(args.schema, encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validator = cls(schema, format_checker=jsonschema.FormatChecker())
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print(f"schema error: {e}", file=sys.stderr)
        return 2

    streams = [(p, open(p, "rb")) for p in args.files] if args.files else [("<stdin>", sys.stdin.buffer)]
    count = 0
    for name, stream in streams:
        for lineno, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                print(f"{name}:{lineno}: not valid UTF-8: {e}", file=sys.stderr)
                return 1
            try:
                obj = json.loads(text)
            except ValueError as e:
                print(f"{name}:{lineno}: not JSON: {e}\n  {text[:200]}", file=sys.stderr)
                return 1
            errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
            if errors:
                err = errors[0]
                # oneOf hides the useful error: validate against the branch named by "type".
                kind = obj.get("type") if isinstance(obj, dict) else None
                if kind in ("connection", "summary"):
                    sub = dict(schema)
                    sub.pop("oneOf", None)
                    sub["$ref"] = "#/$defs/" + kind
                    sub_errors = list(cls(sub).iter_errors(obj))
                    if sub_errors:
                        err = jsonschema.exceptions.best_match(sub_errors)
                path = "/".join(str(p) for p in err.absolute_path)
                print(f"{name}:{lineno}: invalid at /{path}: {err.message}\n  {text[:300]}",
                      file=sys.stderr)
                return 1
            count += 1
    print(f"{count} object(s) valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
