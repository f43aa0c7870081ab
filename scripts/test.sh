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
status=0
ctest --test-dir build --output-on-failure -j2 "$@" || status=$?
if [ $status != 0 ]; then
  # Repeat the failures' output at the end, where a truncated log still
  # shows it. The rerun is for diagnosis only: the status stays a failure.
  echo "==> failed tests, run again one at a time (status stays $status)"
  ctest --test-dir build --rerun-failed --output-on-failure -j1 || true
fi
exit $status
