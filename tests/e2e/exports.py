#!/usr/bin/env python3
"""Exported functions of src/ and dissectors/ without a caller in program code.

Usage: exports.py SOURCE_DIR BINARY_DIR

An exported function is a non-static function the program's objects define
(`nm`: a T symbol of build/libmtls_*.a or of mtlsdump's main.c.o). It has a
caller in program code when another program object references it (an undefined
U symbol there: a call, or its address in a table), or when its own .c file
names it outside its definition (a call the compiler may have inlined, or a
function-pointer table); a function calling itself does not count. Tests, fuzz
targets and tools are not program code.

Prints every function without a program caller, with its file, and exits 1
when one is missing from ALLOWED below, or when a name in ALLOWED has a caller
now or no longer exists (so the list cannot go stale). At most a handful of
names may be allowed (issue 27), each with the reason it stays."""
import glob, os, re, subprocess, sys

# name -> why it is exported although the program does not call it (yet).
ALLOWED = {
    'diag_rules': 'the rules table whole, for its shape test; the program walks it in diag_first_rule',
    'finding_codes': 'the finding-code vocabulary; docs.test.sh checks its rows against emitters and docs',
    'tcp_parse_options': 'a unit-tested pure dissector entry point; the reassembly reads no TCP option yet',
}
MAX_ALLOWED = 5


def objects(build):
    libs = sorted(glob.glob(os.path.join(build, 'libmtls_*.a')))
    main = glob.glob(os.path.join(build, 'CMakeFiles', 'mtlsdump.dir', '**', '*.o'),
                     recursive=True)
    if not libs or not main:
        sys.exit(f"exports.py: no libmtls_*.a or mtlsdump objects in {build} (build first)")
    return libs + sorted(main)


def source_of(src, obj, member):
    """The .c file an object was compiled from: libmtls_<layer>.a(<file>.c.o)."""
    base = os.path.basename(member or obj)
    base = base[:-2] if base.endswith('.o') else base
    if member is None:  # a loose object: CMakeFiles/<target>.dir/<path>.c.o
        rel = obj.split('.dir' + os.sep, 1)[-1]
        return os.path.join(src, rel[:-2])
    layer = os.path.basename(obj)[len('libmtls_'):-len('.a')]
    folder = 'dissectors' if layer == 'dissectors' else os.path.join('src', layer)
    return os.path.join(src, folder, base)


def nm(path):
    out = subprocess.run(['nm', '-A', path], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        # "lib.a:member.o:0000 T name", "obj.o:0000 T name", "lib.a:member.o:         U name"
        head, _, sym = line.rpartition(' ')
        head, _, kind = head.rpartition(' ')
        where = head.split(':')
        member = where[1] if path.endswith('.a') and len(where) > 2 else None
        yield member, kind, sym


def strip_c(text):
    """Comments, string and character literals and preprocessor lines blanked."""
    out, i, n = [], 0, len(text)
    bol = True
    while i < n:
        c = text[i]
        if bol and c == '#':  # a directive, with its continuation lines
            while i < n and not (text[i] == '\n' and text[i - 1] != '\\'):
                i += 1
            continue
        if c == '\n':
            bol = True
        elif not c.isspace():
            bol = False
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(' ' + '\n' * text.count('\n', i, j)); i = j; continue
        if text.startswith('//', i):
            j = text.find('\n', i)
            i = n if j < 0 else j; continue
        if c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(c + c); i = j + 1; continue
        out.append(c); i += 1
    return ''.join(out)


def local_uses(path, name):
    """Does the file name `name` outside its own definition and declarations?"""
    try:
        text = strip_c(open(path, encoding='utf-8', errors='replace').read())
    except OSError:
        return True  # cannot tell: do not accuse
    tok = re.compile(r'\b' + re.escape(name) + r'\b')
    # Brace depth at each position, and the span of the definition's body.
    depth, depths = 0, []
    for ch in text:
        depths.append(depth)
        depth += (ch == '{') - (ch == '}')
    own = []
    for m in tok.finditer(text):
        if depths[m.start()] != 0:
            continue
        after = text[m.end():]
        pm = re.match(r'\s*\(', after)
        if not pm:
            continue
        # skip the parameter list, then '{' is a definition, ';' a declaration
        k, d = m.end() + pm.end(), 1
        while k < len(text) and d:
            d += (text[k] == '(') - (text[k] == ')'); k += 1
        rest = text[k:].lstrip()
        if rest.startswith('{'):
            start = len(text) - len(rest)
            end = start + 1
            while end < len(text) and depths[end] > 0:
                end += 1
            own.append((m.start(), end))
        elif rest.startswith(';') or rest.startswith(('WARN_UNUSED', '__attribute__')):
            own.append((m.start(), m.end()))
    for m in tok.finditer(text):
        if any(a <= m.start() < b for a, b in own):
            continue
        if re.search(r'(\.|->)\s*$', text[max(0, m.start() - 8):m.start()]):
            continue  # a struct member of the same name
        return True
    return False


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else '.'
    build = sys.argv[2] if len(sys.argv) > 2 else os.path.join(src, 'build')
    defined, referenced = {}, set()
    for obj in objects(build):
        for member, kind, sym in nm(obj):
            if kind in ('T', 'W'):
                defined[sym] = source_of(src, obj, member)
            elif kind == 'U':
                referenced.add(sym)
    orphans = {}
    for sym, path in sorted(defined.items()):
        if sym == 'main' or sym in referenced or local_uses(path, sym):
            continue
        if sym.startswith('__wrap_') and sym[len('__wrap_'):] in referenced:
            continue  # the executable links with --wrap=X: every call of X reaches __wrap_X
        orphans[sym] = os.path.relpath(path, src)
    fail = 0
    for sym, path in orphans.items():
        why = ALLOWED.get(sym)
        print(f"{'allowed' if why else 'FAIL'}: {sym} ({path}) has no caller in program code"
              + (f": {why}" if why else ''))
        fail += not why
    for sym in sorted(set(ALLOWED) - set(orphans)):
        what = 'has a caller in program code now' if sym in defined else 'is not exported'
        print(f"FAIL: allowed name {sym} {what}: remove it from ALLOWED in {sys.argv[0]}")
        fail += 1
    if len(ALLOWED) > MAX_ALLOWED:
        print(f"FAIL: {len(ALLOWED)} allowed names (at most {MAX_ALLOWED}, issue 27)")
        fail += 1
    if fail:
        print("Make a function only its own file uses static; change a test that reaches into"
              " a module to go through the public function; delete what nobody needs.")
        sys.exit(1)
    print(f"{len(defined)} exported functions, {len(orphans)} without a program caller "
          f"(allowed: {', '.join(sorted(orphans)) or 'none'})")


if __name__ == '__main__':
    main()
