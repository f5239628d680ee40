#!/usr/bin/env bash
# Differential test against tshark for captures with key logs: every Finished
# tshark decrypts and every alert it shows must be in mtlsdump's output too
# (tshark is a test-only dependency installed by .ci/setup).
set -uo pipefail
if ! command -v tshark >/dev/null 2>&1; then echo "skipped: tshark not installed"; exit 0; fi
exec python3 "${MTLS_SOURCE_DIR:?}/tests/e2e/keyed_compare.py"
