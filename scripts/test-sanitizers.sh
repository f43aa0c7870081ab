#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of vmrun (build-asan/)
# running the test suite, minus the CPython regression tests, the data-science
# workloads (numpy/pandas/matplotlib: billions of instructions), the
# benchmarks (too slow instrumented; the plain build runs them) and the
# `vmrun serve` tests (label serve): the server forks emulator processes from
# worker threads while other threads allocate, and GCC 12's ASan allocator
# has no fork handler, so an instrumented child can start with an allocator
# lock held for ever (seen: a job that never ran its first instruction).
# glibc's malloc, in every other build, is fork-safe (docs/LIBRARY.md). Fails if a
# test fails or if any sanitizer report appears in any test's output.
#
#   bash scripts/test-sanitizers.sh [CTEST ARGS...]    e.g.  -R hostile
#
# Expects scripts/setup.sh to have run (scripts/test.sh runs it first).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> sanitizer build (build-asan: ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMRUN_SANITIZE=ON > /dev/null
cmake --build build-asan -j2
# Leak checking is off: forked emulator processes end with _exit, and
# LeakSanitizer's thread suspension is refused by the seccomp filter.
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
echo "==> ctest (sanitizers)"
status=0
ctest --test-dir build-asan --output-on-failure -j2 -LE 'cpython|bench|datasci|serve' "$@" || status=$?
log=build-asan/Testing/Temporary/LastTest.log
if [ -f "$log" ] && grep -Eq 'ERROR: AddressSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$log"; then
  echo "==> sanitizer reports found in the test output:"
  grep -En -B2 -A12 'ERROR: AddressSanitizer|runtime error:' "$log" | head -n 120
  status=1
fi
if [ $status != 0 ]; then
  bash scripts/show-failures.sh build-asan
  echo "==> failed tests, run again one at a time (status stays $status)"
  ctest --test-dir build-asan --rerun-failed --output-on-failure -j1 || true
fi
exit $status
