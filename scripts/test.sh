#!/usr/bin/env bash
# Set up (if needed), build and run every test.
#
#   bash scripts/test.sh [CTEST ARGS...]     e.g.  bash scripts/test.sh -R diff.riscv64
#
# Runs scripts/setup.sh --no-demo first, so it works on a fresh machine; a
# second run only rebuilds what changed. Without ctest arguments it then
# runs the diff, proc and hostile tests again with VMRUN_NO_UNICORN_PRIVATE=1
# (no use of Unicorn's private state: the public-API paths, which must be
# just as correct; VMRUN_SKIP_NO_PRIVATE=1 skips it), and
# scripts/test-sanitizers.sh (ASan + UBSan build of the suite minus the
# CPython tests; VMRUN_SKIP_SANITIZERS=1 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-demo
echo "==> build"
cmake --build build -j2
echo "==> ctest"
status=0
ctest --test-dir build --output-on-failure -j2 "$@" || status=$?
public_status=0
if [ "${VMRUN_SKIP_NO_PRIVATE:-0}" != 1 ] && [ $# = 0 ]; then
  # ctest's logs of the main run are kept for show-failures.sh below.
  main_logs=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-ctest-logs.XXXXXX")
  cp -a build/Testing/Temporary/. "$main_logs"/ 2>/dev/null || true
  echo "==> ctest -L 'diff|proc|hostile' with VMRUN_NO_UNICORN_PRIVATE=1 (Unicorn's public API only)"
  VMRUN_NO_UNICORN_PRIVATE=1 ctest --test-dir build --output-on-failure -j2 -L 'diff|proc|hostile' \
    || public_status=$?
  if [ $public_status != 0 ]; then
    echo "==> failed tests with VMRUN_NO_UNICORN_PRIVATE=1, run again one at a time (status stays $public_status)"
    VMRUN_NO_UNICORN_PRIVATE=1 ctest --test-dir build --rerun-failed --output-on-failure -j1 || true
  fi
  rm -rf build/Testing/Temporary && mkdir -p build/Testing/Temporary
  cp -a "$main_logs"/. build/Testing/Temporary/ && rm -rf "$main_logs"
fi
san_status=0
if [ "${VMRUN_SKIP_SANITIZERS:-0}" != 1 ] && [ $# = 0 ]; then
  bash scripts/test-sanitizers.sh || san_status=$?
fi
if [ $status != 0 ]; then
  # Repeat the failures' output at the end, where a truncated log still
  # shows it, then run them again alone: a pass there points at a race or
  # at load. The rerun is for diagnosis only: the status stays a failure.
  bash scripts/show-failures.sh build
  echo "==> failed tests of build/, run again one at a time (status stays $status)"
  ctest --test-dir build --rerun-failed --output-on-failure -j1 || true
fi
[ $status != 0 ] || status=$public_status
[ $status != 0 ] || status=$san_status
exit $status
