#!/usr/bin/env python3
"""No include cycle between modules of src/ and dissectors/.

A module is a file's path without .c/.h (src/tls/tls_stream.c and .h are one
module). A -> B when A.c or A.h includes "B.h". Prints every strongly connected
component of more than one module and exits 1, else says so and exits 0."""
import os, re, sys

root = sys.argv[1] if len(sys.argv) > 1 else '.'
paths = {}
for top in ('src', 'dissectors'):
    for d, _, fs in os.walk(os.path.join(root, top)):
        for f in fs:
            if f.endswith(('.c', '.h')):
                paths.setdefault(f, []).append(os.path.join(d, f))
header = {f: p[0] for f, p in paths.items() if f.endswith('.h')}
mod = lambda p: os.path.relpath(p, root).rsplit('.', 1)[0]
edges = {}
for f, ps in paths.items():
    for p in ps:
        m = mod(p)
        edges.setdefault(m, set())
        for line in open(p, encoding='utf-8', errors='replace'):
            g = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if g and os.path.basename(g.group(1)) in header:
                t = mod(header[os.path.basename(g.group(1))])
                if t != m:
                    edges[m].add(t)
sys.setrecursionlimit(10000)
idx, low, st, on, cycles, n = {}, {}, [], set(), [], [0]
def scc(v):
    idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
    for w in sorted(edges.get(v, ())):
        if w not in idx:
            scc(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        c = []
        while True:
            w = st.pop(); on.discard(w); c.append(w)
            if w == v:
                break
        if len(c) > 1:
            cycles.append(sorted(c))
for v in sorted(edges):
    if v not in idx:
        scc(v)
for c in cycles:
    print("include cycle among:", ' '.join(c))
if cycles:
    sys.exit(1)
print(f"no include cycle between the {len(edges)} modules of src/ and dissectors/")
