#!/usr/bin/env bash
# Set up (if needed), build and run every test.
#
#   bash scripts/test.sh [CTEST ARGS...]     e.g.  bash scripts/test.sh -R diff.riscv64
#
# Runs scripts/setup.sh --no-demo first, so it works on a fresh machine; a
# second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-demo
echo "==> build"
cmake --build build -j2
echo "==> ctest"
exec ctest --test-dir build --output-on-failure -j2 "$@"
