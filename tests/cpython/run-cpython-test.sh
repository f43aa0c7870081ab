#!/usr/bin/env bash
# Run one module of CPython's own regression test suite under vmrun.
#
#   tests/cpython/run-cpython-test.sh [--vmrun PATH] [--timeout SECONDS] ARCH MODULE [REGRTEST_ARG...]
#
# runs, with the test package of scripts/fetch-cpython-tests.sh mounted
# read-only over the rootfs's (which holds only test/support and
# test/libregrtest):
#
#   $VMRUN [--arch riscv64] --rootfs ROOTFS/ARCH --timeout T \
#       --mount .deps/cpython-tests/ARCH/usr/lib/python3.X/test:/usr/lib/python3.X/test \
#       python3 -m test -u none -v MODULE REGRTEST_ARG... -i TEST_ID...
#
# in a single guest process (no -j: regrtest's worker processes would only
# add startup time), no resources (-u none: no network, no GUI, no
# cpu-heavy cases), verbose (each test case and its result appear in
# ctest's log).  REGRTEST_ARG... go to regrtest as they are, e.g. `-m
# PATTERN` to run part of a module; they come before the exclusions, since
# Python 3.13's regrtest lets the last matching -m/-i pattern decide.  Pass
# = exit status 0.
#
# Each `-i TEST_ID` comes from a row of tests/cpython/EXCLUSIONS.md whose
# arch column is ARCH or `both` and whose module column is MODULE; every
# row has its reason there.  VMRUN_CPYTHON_ALL=1 runs the excluded cases
# too (to see whether a vmrun fix made them pass).
#
# VMRUN defaults to ./build/vmrun; the rootfs base to .deps/rootfs
# (VMRUN_ROOTFS_DIR=DIR containing ARCH/ overrides it); the test tree base
# to .deps/cpython-tests (VMRUN_CPYTHON_TESTS_DIR overrides it).  Exit
# status: the run's (0 pass), 77 (skipped) when the test tree has not been
# fetched, 2 for a usage error.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
vmrun=${VMRUN:-$top/build/vmrun}
timeout_s=600
while [ $# -gt 0 ]; do
  case "$1" in
    --vmrun) vmrun=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) echo "run-cpython-test: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then
  echo "usage: run-cpython-test.sh [--vmrun PATH] [--timeout SECONDS] ARCH MODULE [REGRTEST_ARG...]" >&2
  exit 2
fi
arch=$1 module=$2; shift 2
case "$arch" in
  x86_64)  pyver=3.11 archopt=() ;;
  riscv64) pyver=3.13 archopt=(--arch riscv64) ;;
  *) echo "run-cpython-test: unknown arch '$arch'" >&2; exit 2 ;;
esac
rootfs=${VMRUN_ROOTFS_DIR:-$top/.deps/rootfs}/$arch
tests=${VMRUN_CPYTHON_TESTS_DIR:-$top/.deps/cpython-tests}/$arch/usr/lib/python$pyver/test
guest_tests=/usr/lib/python$pyver/test

# A package's submodule is named with dots (test_asyncio.test_events).
module_path=$tests/${module//.//}
if [ ! -f "$module_path.py" ] && [ ! -f "$module_path/__init__.py" ]; then
  echo "SKIP cpython.$arch.$module: $tests/$module not found; run: bash scripts/fetch-cpython-tests.sh $arch"
  exit 77
fi

# Exclusions: table rows "| ARCH | MODULE | `TEST_ID` | reason |".
ignores=()
if [ "${VMRUN_CPYTHON_ALL:-0}" != 1 ]; then
  while IFS='|' read -r _ r_arch r_module r_id _; do
    r_arch=${r_arch//[[:space:]]/} r_module=${r_module//[[:space:]]/} r_id=${r_id//[[:space:]\`]/}
    [ "$r_module" = "$module" ] || continue
    [ "$r_arch" = "$arch" ] || [ "$r_arch" = both ] || continue
    [ -n "$r_id" ] && ignores+=(-i "$r_id")
  done < <(grep -E '^\|[[:space:]]*(x86_64|riscv64|both)[[:space:]]*\|' "$here/EXCLUSIONS.md")
fi

cmd=("$vmrun" "${archopt[@]}" --rootfs "$rootfs" --timeout "$timeout_s"
     --mount "$tests:$guest_tests"
     python3 -m test -u none -v "$module" "$@" "${ignores[@]}")
echo "run-cpython-test: ${cmd[*]}"
start=$(date +%s)
"${cmd[@]}"
rc=$?
echo "run-cpython-test: cpython.$arch.$module: exit status $rc after $(( $(date +%s) - start ))s (${#ignores[@]} ignore arguments)"
exit $rc
