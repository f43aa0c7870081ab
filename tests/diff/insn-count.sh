#!/usr/bin/env bash
# Exact instruction counting: run tests/guest/loop_ARCH.S built with 1000 and
# 1001 iterations under vmrun with --report, and check the counted
# instructions: 2*ITERS+4 each (the comment in the .S file derives it), so
# the difference is exactly 2, the instructions of one iteration.
#
#   tests/diff/insn-count.sh [--build DIR] [--vmrun PATH] ARCH
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build
vmrun=${VMRUN:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --vmrun) vmrun=$2; shift 2 ;;
    *) break ;;
  esac
done
arch=${1:?usage: insn-count.sh [--build DIR] [--vmrun PATH] ARCH}
vmrun=${vmrun:-$build/vmrun}
rootfs=${VMRUN_ROOTFS_DIR:-$top/.deps/rootfs}/$arch
fail() { echo "FAIL insns.$arch.loop: $*"; exit 1; }

# Skip (exit 77, which ctest reports as skipped) a test listed in
# tests/diff/disabled.txt, unless VMRUN_DIFF_ALL=1.
skip_if_disabled() {
  local name=$1 re
  [ "${VMRUN_DIFF_ALL:-0}" = 1 ] && return 0
  [ -f "$here/disabled.txt" ] || return 0
  while IFS= read -r re || [ -n "$re" ]; do
    re=${re%%#*}; re=${re//[[:space:]]/}
    [ -n "$re" ] || continue
    if [[ $name =~ ^($re)$ ]]; then
      echo "SKIP $name: listed in tests/diff/disabled.txt ('$re'); VMRUN_DIFF_ALL=1 runs it"
      exit 77
    fi
  done < "$here/disabled.txt"
}
skip_if_disabled "insns.$arch.loop"
[ -x "$vmrun" ] || fail "vmrun not found at $vmrun (build it, or set VMRUN)"
work=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-insns.XXXXXX")
trap 'rm -rf "$work"' EXIT

declare -A count
for iters in 1000 1001; do
  bin=$build/guest/$arch/loop_$iters
  [ -x "$bin" ] || fail "$bin not built"
  timeout -k 5 60 "$vmrun" ${VMRUN_FLAGS:-} --arch "$arch" --rootfs "$rootfs" --mount "$build/guest/$arch:/t" \
    --report "$work/$iters.json" "/t/loop_$iters" > "$work/out" 2>&1
  rc=$?
  [ $rc = 0 ] || { cat "$work/out"; fail "loop_$iters exited $rc"; }
  [ -s "$work/$iters.json" ] || fail "no report written for loop_$iters"
  n=$(grep -o '"instructions"[[:space:]]*:[[:space:]]*[0-9]*' "$work/$iters.json" | grep -o '[0-9]*$')
  [ -n "$n" ] || { cat "$work/$iters.json"; fail "no \"instructions\" in the report"; }
  count[$iters]=$n
  echo "loop_$iters: $n instructions (expected $((2 * iters + 4)))"
done
diff=$((count[1001] - count[1000]))
echo "difference: $diff (expected 2)"
[ "$diff" = 2 ] || fail "one more iteration should add exactly 2 instructions"
[ "${count[1000]}" = 2004 ] && [ "${count[1001]}" = 2006 ] || fail "totals differ from 2*ITERS+4"
echo "PASS insns.$arch.loop"
