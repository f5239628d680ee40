#!/usr/bin/env bash
# bench.smoke: the benchmark pipeline runs end to end on tiny corpora (~200 handshake-heavy
# connections, 20 bulk ones, and 300 real in-process handshakes from gen_realistic) and
# mtlsdump's JSON summary matches each generator's manifest (connection count and every
# verdict count, without and with the key logs); crypto_floor verifies every signature the
# realistic corpus's floor file lists. It never checks a timing. Uses the mtlsdump of the
# build under test.
set -euo pipefail
src=${MTLS_SOURCE_DIR:?MTLS_SOURCE_DIR not set}
bin=${MTLS_BINARY_DIR:?MTLS_BINARY_DIR not set}
out="$bin/bench-smoke"
rm -rf "$out"
mkdir -p "$out"
if [[ ! -x "$bin/mtlsdump" ]]; then
    echo "bench.smoke: $bin/mtlsdump not built" >&2
    exit 1
fi
python3 "$src/tests/bench/run" --size tiny --check-only --keylog \
    --mtlsdump "$bin/mtlsdump" --out "$out" 2>&1 | tee "$out/run.log"
# the runner exits non-zero on any mismatch (pipefail); make sure every shape was checked
n=$(grep -c '^counts match' "$out/run.log" || true)
if [[ "$n" != 6 ]]; then
    echo "bench.smoke: expected 6 matching count checks (3 shapes x with/without key log), saw $n" >&2
    exit 1
fi
n=$(grep -c '^crypto floor.*floor: signatures [1-9]' "$out/run.log" || true)
if [[ "$n" != 2 ]]; then
    echo "bench.smoke: expected 2 crypto floor runs (with/without key log), saw $n" >&2
    exit 1
fi
# the generated capture is well formed for an independent reader too (libpcap baseline)
for p in "$out"/corpus-*.pcap; do
    pk=$("$out/pcap_loop_baseline" "$p" | awk '{print $2}')
    want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "${p%.pcap}.json")
    if [[ "$pk" != "$want" ]]; then
        echo "bench.smoke: $p: pcap_loop read $pk packets, manifest says $want" >&2
        exit 1
    fi
done
echo "bench.smoke: ok"
