#!/usr/bin/env bash
# --version (issue 29): mtlsdump's version, then the version of each library the
# binary runs with, as the library itself reports it at run time; each must be
# the version pkg-config knows for the installed development package (the
# library the binary was built and runs with), so a bug report carries them.
# Also: -DMTLS_TESTS=OFF configures without the test dependencies (cmocka).
set -uo pipefail
src=${MTLS_SOURCE_DIR:?}; bin=${MTLS_BINARY_DIR:?}/mtlsdump
cd "$src"
fail=0; pass=0
ok() { echo "ok   $*"; pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
out=$("$bin" --version); rc=$?
[ "$rc" = 0 ] && ok "--version exits 0" || bad "--version exit $rc"
want=$(sed -n 's/^project(mtlsdump VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ "$(echo "$out" | head -1)" = "mtlsdump $want" ] && ok "first line: mtlsdump $want" || bad "first line: $(echo "$out" | head -1)"
# name in --version, pkg-config module
for row in "libpcap libpcap" "OpenSSL openssl" "cJSON libcjson" "nghttp2 libnghttp2" "zlib zlib" "liblzma liblzma" "libzstd libzstd" "liblz4 liblz4"; do
  set -- $row
  v=$(pkg-config --modversion "$2" 2>/dev/null) || { echo "skipped $1: no pkg-config module $2"; continue; }
  line=$(echo "$out" | grep "^  $1 ")
  case "$line" in
    *" $v"|*" $v "*|*"version $v"*) ok "$1 $v" ;;
    *) bad "$1: '$line', pkg-config says $v" ;;
  esac
done
# libbz2 has no pkg-config module: its Debian package's upstream version
bz=$(dpkg-query -W -f='${Version}' libbz2-1.0 2>/dev/null | sed 's/-.*//')
if [ -n "$bz" ]; then
  grep -q "^  libbz2 *$bz," <<< "$out" && ok "libbz2 $bz" || bad "libbz2: '$(echo "$out" | grep libbz2)', dpkg says $bz"
fi
# no build-time/run-time mismatch on this machine
grep -q 'built with' <<< "$out" && bad "a library runs at another version than it was built with: $out" || ok "run-time versions are the build's"
# without the test dependencies: the tests are not configured, cmocka is not looked for
tmpb=$(mktemp -d); trap 'rm -rf "$tmpb"' EXIT
if cmake -S . -B "$tmpb" -DMTLS_TESTS=OFF > "$tmpb.log" 2>&1 && ! grep -qi cmocka "$tmpb/CMakeCache.txt" && [ ! -e "$tmpb/tests" ]; then
  ok "-DMTLS_TESTS=OFF configures without cmocka or the tests"
else bad "-DMTLS_TESTS=OFF"; tail -5 "$tmpb.log"; fi
rm -f "$tmpb.log"
echo "version: $pass passed, $fail failed"
[ "$fail" = 0 ]
