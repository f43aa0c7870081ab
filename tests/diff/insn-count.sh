#!/usr/bin/env bash
# Exact instruction counting: run tests/guest/loop_ARCH.S built with 1000 and
# 1001 iterations under vmrun with --report, and check the counted
# instructions: 2*ITERS+4 each (the comment in the .S file derives it), so
# the difference is exactly 2, the instructions of one iteration.
#
#   tests/diff/insn-count.sh [--build DIR] [--vmrun PATH] ARCH
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/driver.sh"
driver_options "insn-count.sh [--build DIR] [--vmrun PATH] ARCH" "$@"
set -- "${driver_args[@]}"
[ $# -eq 1 ] || driver_usage_error
arch=$1
driver_paths "$arch"
fail() { echo "FAIL insns.$arch.loop: $*"; exit 1; }

driver_skip_listed "insns.$arch.loop" "$here/disabled.txt" VMRUN_DIFF_ALL
[ -x "$vmrun" ] || fail "vmrun not found at $vmrun (build it, or set VMRUN)"
work=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-insns.XXXXXX")
trap 'rm -rf "$work"' EXIT

declare -A count
for iters in 1000 1001; do
  bin=$build/guest/$arch/loop_$iters
  [ -x "$bin" ] || fail "$bin not built"
  # A budget that never runs out: only runs with a budget (or --deterministic) count.
  timeout -k 5 60 "$vmrun" ${VMRUN_FLAGS:-} --max-insns 1000000000 --arch "$arch" --rootfs "$rootfs" --mount "$build/guest/$arch:/t" \
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
