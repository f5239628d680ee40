#!/usr/bin/env bash
# The layering and size rules of docs/design.md, checked on the source tree:
# every engine file sits in the folder of its layer, no file over 1,000 lines,
# no function over 150 lines, no numeric alert labels in the diagnosis (the
# dissector's registry names them), no output-format branch in the engine
# (the reporter is chosen once), no include cycle, and no exported function
# without a caller in program code beyond the few tests/e2e/exports.py allows
# (read from the built objects). The compiler enforces which layer may
# include which (one CMake library per folder); this is the second line.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; build=${MTLS_BINARY_DIR:?}
cd "$src"
fail=0
bad() { echo "FAIL: $*"; fail=$((fail+1)); }

flat=$(find src -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \))
[ -z "$flat" ] || bad "source files directly in src/ (put each in the folder of its layer): $flat"

for f in $(find src dissectors -name '*.[ch]'); do
  n=$(wc -l < "$f")
  [ "$n" -le 1000 ] || bad "$f has $n lines (limit 1000)"
done

# Functions: the body runs from a '{' in column 0 to the next '}' in column 0.
long=$(find src dissectors -name '*.[ch]' -print0 | xargs -0 awk '
  FNR == 1 { start = 0 }
  /^\{/ { start = FNR; name = prev }
  /^\}/ && start { if (FNR - start - 1 > 150) printf "%s:%d %s (%d lines)\n", FILENAME, start, name, FNR - start - 1; start = 0 }
  { prev = $0 }')
[ -z "$long" ] || bad "functions over 150 lines:
$long"

alerts=$(grep -nE 'case [0-9]+:|alert_desc *(==|!=) *[0-9]' src/diagnose/*.c)
[ -z "$alerts" ] || bad "numeric alert labels in src/diagnose (use the names of dissectors/tls_alert.h):
$alerts"

branch=$(grep -nE 'rjson_|rtext_|summary_write_(json|text)|->json\b|"json"' src/app/engine.c)
[ -z "$branch" ] || bad "output-format branch in the engine (use the reporter interface):
$branch"

impure=$(grep -lE '#include *[<"](openssl/|pcap|cjson/|cJSON|stdio\.h|stdlib\.h)' dissectors/*)
[ -z "$impure" ] || bad "dissectors/ include I/O or library headers: $impure"
for f in dissectors/*.[ch]; do
  for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
    [ -f "dissectors/$h" ] || bad "$f includes \"$h\", which is not in dissectors/"
  done
done

# No include cycle between modules (a module is a .c and its .h): the layers and
# each layer's parts depend one way.
if ! out=$(python3 tests/e2e/include_cycles.py . 2>&1); then
  bad "$out"
else
  echo "$out"
fi

# Exported functions that nothing in the program calls (issue 27): tests reach
# a module through the functions the program uses; at most a handful of names
# are allowed, each with its reason in the script.
if ! out=$(python3 tests/e2e/exports.py . "$build" 2>&1); then
  bad "$out"
else
  echo "$out" | tail -1
fi

[ $fail -eq 0 ] && echo "structure: ok"
[ $fail -eq 0 ]
