#!/usr/bin/env bash
# Process test driver: run one tests/proc guest program natively on x86-64
# (the reference, for both arches: the programs print only arch- and
# environment-independent lines) and under vmrun, and compare stdout,
# stderr and exit status byte for byte.
#
#   tests/proc/run-proc.sh [--build DIR] [--vmrun PATH] [--keep] ARCH NAME
#
#   reference  env -i PATH=... HOME=/root LANG=C.UTF-8 BUILD/proc/x86_64/NAME   (cwd /)
#              or tests/proc/expected/NAME.ARCH.{out,err,rc} where they exist
#              (each optional, replacing that part of the reference).
#   vmrun      $VMRUN --arch ARCH --rootfs .deps/rootfs/ARCH --mount BUILD/proc/ARCH:/p /p/NAME
# VMRUN defaults to BUILD/vmrun; BUILD to ./build; the rootfs base to
# .deps/rootfs (VMRUN_ROOTFS_DIR=DIR containing ARCH/ overrides it).
# VMRUN_FLAGS: extra vmrun options (word-split), put right after $VMRUN.
# Exit status: 0 same, 1 different or cannot compare, 77 skipped (listed in
# tests/proc/known-failures.txt; VMRUN_PROC_ALL=1 runs it anyway).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/driver.sh"
driver_options "run-proc.sh [--build DIR] [--vmrun PATH] [--keep] ARCH NAME" "$@"
set -- "${driver_args[@]}"
[ $# -eq 2 ] || driver_usage_error
arch=$1 name=$2
driver_paths "$arch"
timeout_s=${VMRUN_PROC_TIMEOUT:-120}
label=proc.$arch.$name
fail() { echo "FAIL $label: $*"; exit 1; }

driver_skip_listed "$label" "$here/known-failures.txt" VMRUN_PROC_ALL

case "$arch" in x86_64|riscv64) ;; *) fail "unknown arch '$arch'" ;; esac
ref_bin=$build/proc/x86_64/$name
bin=$build/proc/$arch/$name
[ -x "$ref_bin" ] || fail "reference program $ref_bin not built (cmake --build $build)"
[ -x "$bin" ] || fail "guest program $bin not built (cmake --build $build)"
[ -x "$vmrun" ] || fail "vmrun not found at $vmrun (build it, or set VMRUN)"
[ -d "$rootfs" ] || fail "rootfs $rootfs missing (run scripts/setup.sh)"
[ "$(uname -m)" = x86_64 ] || fail "the reference runs natively on x86-64"

work=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-proc.XXXXXX")
if [ $keep = 0 ]; then trap 'rm -rf "$work"' EXIT; fi

# Descriptors above 2 inherited from whoever runs us (ctest leaks one) would
# be visible to the reference but not to vmrun's guest: close them.
close_inherited_fds() {
  local fd
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
  done
  return 0
}

run() {
  local n=$1; shift
  (close_inherited_fds; exec timeout -k 5 "$timeout_s" "$@") < /dev/null > "$work/$n.out" 2> "$work/$n.err"
  echo $? > "$work/$n.rc"
}

ref_cmd=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$ref_bin")
(cd / && run ref "${ref_cmd[@]}")
ref_desc="${ref_cmd[*]}"
for part in out err rc; do
  if [ -f "$here/expected/$name.$arch.$part" ]; then
    cp "$here/expected/$name.$arch.$part" "$work/ref.$part"
    ref_desc="$ref_desc; $part from tests/proc/expected/$name.$arch.$part"
  fi
done
vm_cmd=("$vmrun" ${VMRUN_FLAGS:-} --arch "$arch" --rootfs "$rootfs" --mount "$build/proc/$arch:/p" "/p/$name")
run vm "${vm_cmd[@]}"

driver_no_private_expectations "$label" "$work/ref.out"
status=0
for part in out err rc; do
  if ! cmp -s "$work/ref.$part" "$work/vm.$part"; then
    status=1
    case $part in out) what=stdout ;; err) what=stderr ;; rc) what="exit status" ;; esac
    echo "--- $what differs:"
    diff -u --label "reference $what" --label "vmrun $what" "$work/ref.$part" "$work/vm.$part" | head -n 200
  fi
done
[ $keep = 1 ] && echo "outputs kept in $work"
if [ $status = 0 ]; then
  echo "PASS $label (exit $(cat "$work/vm.rc"), $(wc -l < "$work/vm.out") lines)"
else
  echo "reference: $ref_desc"
  echo "vmrun:     ${vm_cmd[*]}"
  echo "FAIL $label"
fi
exit $status
