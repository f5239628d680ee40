#!/usr/bin/env bash
# bench.soak: a short soak in CI — tests/bench/soak (a realistic corpus replayed in a
# loop by tcpreplay onto a veth pair inside unshare -n, `mtlsdump -i --threads 2` on the
# other end) with the mtlsdump of the build under test, at a rate far below what even
# the sanitizer build keeps up with: RSS flat after warm-up, no kernel drop, and exactly
# loops x the manifest's connections reported. About a minute and a half; the soak of
# several minutes at the benchmark's rates is run by hand (tests/bench/README.md).
# Needs root, unshare, ip and tcpreplay (.ci/setup installs them); skipped without root.
set -uo pipefail
src=${MTLS_SOURCE_DIR:?MTLS_SOURCE_DIR not set}
bin=${MTLS_BINARY_DIR:?MTLS_BINARY_DIR not set}
if [ "$(id -u)" != 0 ]; then echo "bench.soak: skipped: needs root (unshare -n, veth)"; exit 77; fi
for t in tcpreplay ip unshare cc; do
  command -v "$t" > /dev/null || { echo "bench.soak: $t missing (run .ci/setup)"; exit 1; }
done
out="$bin/bench-soak"
rm -rf "$out"; mkdir -p "$out"
cc -O2 -std=c11 -Wall -Wextra -Werror -o "$out/gen_realistic" "$src/tests/bench/gen_realistic.c" \
   -lssl -lcrypto -lpcap || exit 1
"$out/gen_realistic" --out "$out/corpus.pcap" --manifest "$out/corpus.json" --keylog "$out/corpus.keys" \
   --ca-out "$out/corpus-ca.pem" --floor "$out/corpus.floor" \
   --connections 2000 --identities 500 --concurrency 200 --seed 7 > "$out/gen.log" 2>&1 \
   || { cat "$out/gen.log"; exit 1; }
# Under ASan a freed block waits in a quarantine (256 MB by default) that grows the
# resident memory for minutes: keep it small so that what is measured is mtlsdump's own.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
# 12 loops of 2,000 connections (17 MB) at 24 Mbit/s: about 70 s of traffic
bash "$src/tests/bench/soak" "$bin/mtlsdump" "$out/corpus.pcap" "$out/corpus.json" 12 24 2 2>&1 | tee "$out/soak.log"
rc=${PIPESTATUS[0]}
grep -q '^ok   RSS flat' "$out/soak.log" && grep -q '^ok   no kernel drop' "$out/soak.log" &&
  grep -q '^ok   every connection reported' "$out/soak.log" || rc=1
[ "$rc" = 0 ] && echo "bench.soak: ok"
exit "$rc"
