#!/bin/bash
# valgrind memcheck over end-to-end runs (text and --json, with and without a
# key log). valgrind cannot run ASan binaries: under MTLS_SANITIZE=ON a plain
# build is made in $MTLS_BINARY_DIR/valgrind-build first.
set -u
S=${MTLS_SOURCE_DIR:?}; B=${MTLS_BINARY_DIR:?}
command -v valgrind >/dev/null || { echo "skipped: valgrind not installed"; exit 0; }
BIN=$B/mtlsdump
if [ "${MTLS_SANITIZE:-OFF}" = "ON" ]; then
    VB=$B/valgrind-build
    cmake -S "$S" -B "$VB" -DMTLS_SANITIZE=OFF -DMTLS_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$VB.log" 2>&1 &&
        cmake --build "$VB" -j2 --target mtlsdump >> "$VB.log" 2>&1 || { tail -30 "$VB.log"; exit 1; }
    BIN=$VB/mtlsdump
fi
CA=$S/samples/pki/root.pem; P=$S/samples/pcaps; K=$S/samples/keylogs
fail=0
run() { # name args...
    local name=$1; shift
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --log-file="$B/valgrind-$name.log" "$BIN" "$@" > /dev/null 2>&1
    local rc=$?
    if [ $rc -eq 99 ] || [ -s "$B/valgrind-$name.log" ]; then
        echo "FAIL $name (exit $rc)"; cat "$B/valgrind-$name.log"; fail=1
    elif [ $rc -gt 2 ]; then echo "FAIL $name: exit $rc"; fail=1
    else echo "ok   $name (exit $rc)"; fi
}
run tls12-text -r "$P/tls12-mtls-ok.pcap" --ca "$CA"
run tls12-json -r "$P/tls12-mtls-ok.pcap" --ca "$CA" --json
run tls13-keylog-text -r "$P/tls13-mtls-ok.pcap" --ca "$CA" --keylog "$K/tls13-mtls-ok.keys" -vv
run tls13-keylog-json -r "$P/tls13-mtls-ok.pcap" --ca "$CA" --keylog "$K/tls13-mtls-ok.keys" --json
run tls13-nokeys -r "$P/tls13-mtls-ok.pcap" --ca "$CA"
run unknown-ca-json -r "$P/tls12-unknown-ca.pcap" --ca "$CA" --json --keylog "$K/tls12-unknown-ca.keys"
run nginx-no-cert -r "$P/tls12-nginx-no-client-cert.pcap" --ca "$CA" --keylog "$K/tls12-nginx-no-client-cert.keys" --show-http
run many-json -r "$P/many-connections.pcap" --ca "$CA" --json --stats
run pcapng -r "$P/tls12-mtls-ok.pcapng" --ca "$CA"
exit $fail
