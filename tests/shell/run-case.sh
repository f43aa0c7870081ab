#!/usr/bin/env bash
# Shell script differential test driver: run tests/shell/cases/NAME.sh with
# busybox sh -c under a reference and under vmrun, and compare stdout,
# stderr and exit status byte for byte.
#
#   tests/shell/run-case.sh [--build DIR] [--vmrun PATH] [--keep] [--deterministic] ARCH NAME
#
# ARCH: x86_64 or riscv64.  The script text is passed as one argument:
#   reference  env -i PATH=... HOME=/root LANG=C.UTF-8 \
#                chroot .deps/rootfs/x86_64 /bin/busybox sh -c "$(cat NAME.sh)"
#              for BOTH arches (the cases are arch-independent).  It runs in
#              private mount and PID namespaces (unshare -m -p -f: the shell
#              is PID 1, as the sandbox's first process is) with fresh tmpfs on the
#              rootfs's /tmp and /dev (null, zero, full, random, urandom bound
#              from the host) and a proc on /proc, and ulimit -c 0 (vmrun
#              writes no core files), so the reference never
#              writes into the rootfs directory and parallel runs do not
#              see each other.  Needs root (CI runs as root).
#              Where the two busyboxes (1.35 on x86_64, 1.37 on riscv64)
#              legitimately differ, tests/shell/expected/NAME.ARCH.{out,err,rc}
#              replace the corresponding part of the reference (each file is
#              optional; a comment in the case says why it exists).
#   vmrun      $VMRUN --arch ARCH --rootfs .deps/rootfs/ARCH /bin/busybox sh -c "$(cat NAME.sh)"
#              stdin is /dev/null for both.
# --deterministic: run vmrun twice with --deterministic --report and require
#   identical stdout, stderr, exit status and "instructions" in the two
#   reports, and the same results as the reference.
# VMRUN defaults to BUILD/vmrun; BUILD to ./build; the rootfs base to
# .deps/rootfs (override with VMRUN_ROOTFS_DIR=DIR containing ARCH/).
# VMRUN_FLAGS: extra vmrun options (word-split), put right after $VMRUN.
# Exit status: 0 same, 1 different or cannot run the comparison, 77 skipped
# (listed in tests/shell/known-failures.txt; VMRUN_SHELL_ALL=1 runs it anyway).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/driver.sh"
driver_options "run-case.sh [--build DIR] [--vmrun PATH] [--keep] [--deterministic] ARCH NAME" \
  --allow-deterministic "$@"
set -- "${driver_args[@]}"
[ $# -eq 2 ] || driver_usage_error
arch=$1 name=$2
driver_paths "$arch"
timeout_s=${VMRUN_SHELL_TIMEOUT:-120}
label=shell.$arch.$name
[ $det = 1 ] && label=$label.deterministic

fail() { echo "FAIL $label: $*"; exit 1; }

driver_skip_listed "$label" "$here/known-failures.txt" VMRUN_SHELL_ALL

case "$arch" in x86_64|riscv64) ;; *) fail "unknown arch '$arch'" ;; esac
case_file=$here/cases/$name.sh
[ -f "$case_file" ] || fail "no case $case_file"
[ -x "$vmrun" ] || fail "vmrun not found at $vmrun (build it, or set VMRUN)"
[ -d "$rootfs" ] || fail "rootfs $rootfs missing (run scripts/setup.sh)"
[ -d "$ref_rootfs" ] || fail "reference rootfs $ref_rootfs missing (run scripts/setup.sh)"
[ "$(id -u)" = 0 ] || fail "the reference needs chroot and unshare, i.e. root -- counted as a failure on purpose"
script=$(cat "$case_file")

work=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-shell.XXXXXX")
if [ $keep = 0 ]; then trap 'rm -rf "$work"' EXIT; fi

ref_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)

# run NAME CMD... : stdout, stderr, exit status into $work/NAME.{out,err,rc}
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

# The reference: chroot in private mount and PID namespaces (see the header).
ref_setup='
r=$1; shift
ulimit -c 0   # no core files: vmrun writes none, so no "(core dumped)"
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp" || exit 125
mount -t tmpfs -o mode=755 tmpfs "$r/dev" || exit 125
for d in null zero full random urandom; do
  : > "$r/dev/$d" && mount --bind "/dev/$d" "$r/dev/$d" || exit 125
done
ln -s /proc/self/fd "$r/dev/fd"; ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
mkdir "$r/dev/pts" "$r/dev/shm"
mount -t proc proc "$r/proc" 2>/dev/null || true
exec "$@"'
ref_cmd=(unshare -m -p -f --propagation private sh -c "$ref_setup" ref-setup "$ref_rootfs"
         "${ref_env[@]}" chroot "$ref_rootfs" /bin/busybox sh -c "$script")
run ref "${ref_cmd[@]}"
if [ "$(cat "$work/ref.rc")" = 125 ]; then
  cat "$work/ref.err"
  fail "could not set up the reference's mount namespace (needs root with CAP_SYS_ADMIN)"
fi
ref_desc="chroot $ref_rootfs /bin/busybox sh -c \"\$(cat $case_file)\" (PID 1 of a new PID namespace; private /tmp, /dev, /proc)"
for part in out err rc; do
  if [ -f "$here/expected/$name.$arch.$part" ]; then
    cp "$here/expected/$name.$arch.$part" "$work/ref.$part"
    ref_desc="$ref_desc; $part from tests/shell/expected/$name.$arch.$part"
  fi
done

vm_base=("$vmrun" ${VMRUN_FLAGS:-} --arch "$arch" --rootfs "$rootfs")
vm_prog=(/bin/busybox sh -c "$script")

# compare A B: byte-for-byte comparison of stdout, stderr and exit status.
compare() {
  local a=$1 b=$2 la=$3 lb=$4 st=0 part what
  for part in out err rc; do
    if ! cmp -s "$work/$a.$part" "$work/$b.$part"; then
      st=1
      case $part in out) what=stdout ;; err) what=stderr ;; rc) what="exit status" ;; esac
      echo "--- $what differs ($la vs $lb):"
      diff -u --label "$la $what" --label "$lb $what" "$work/$a.$part" "$work/$b.$part" | head -n 200
    fi
  done
  return $st
}

status=0
if [ $det = 0 ]; then
  vm_cmd=("${vm_base[@]}" "${vm_prog[@]}")
  run vm "${vm_cmd[@]}"
  compare ref vm reference vmrun || status=1
else
  vm_cmd=("${vm_base[@]}" --deterministic --report "$work/vm1.json" "${vm_prog[@]}")
  run vm1 "${vm_cmd[@]}"
  run vm2 "${vm_base[@]}" --deterministic --report "$work/vm2.json" "${vm_prog[@]}"
  compare vm1 vm2 "vmrun run 1" "vmrun run 2" || status=1
  i1=$(sed -n 's/^ *"instructions": *\([0-9]*\).*/\1/p' "$work/vm1.json" 2>/dev/null)
  i2=$(sed -n 's/^ *"instructions": *\([0-9]*\).*/\1/p' "$work/vm2.json" 2>/dev/null)
  if [ -z "$i1" ] || [ "$i1" != "$i2" ]; then
    status=1
    echo "--- instructions differ between the two --deterministic runs: '${i1:-none}' vs '${i2:-none}'"
  fi
  compare ref vm1 reference "vmrun --deterministic" || status=1
fi

[ $keep = 1 ] && echo "outputs kept in $work"
if [ $status = 0 ]; then
  extra=""
  [ $det = 1 ] && extra=", $i1 instructions twice"
  echo "PASS $label (exit $(cat "$work/ref.rc"), $(wc -c < "$work/ref.out") bytes stdout$extra)"
else
  echo "script:    $case_file"
  echo "reference: $ref_desc"
  echo "vmrun:     ${vm_cmd[*]:0:${#vm_cmd[@]}-1} \"\$(cat $case_file)\""
  echo "FAIL $label"
fi
exit $status
