#!/usr/bin/env bash
# Differential test against tshark (a test-only dependency installed by .ci/setup).
set -uo pipefail
if ! command -v tshark >/dev/null 2>&1; then echo "skipped: tshark not installed"; exit 0; fi
exec python3 "${MTLS_SOURCE_DIR:?}/tests/e2e/tshark_compare.py"
