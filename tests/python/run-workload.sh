#!/usr/bin/env bash
# Python differential test driver: run tests/python/NAME.py (default
# workload) with the root filesystem's python3 under a reference and under
# vmrun, and compare stdout, stderr and exit status byte for byte.
#
#   tests/python/run-workload.sh [--build DIR] [--vmrun PATH] [--keep] [--deterministic] ARCH [NAME]
#
# ARCH: x86_64 or riscv64.
#   reference  env -i PATH=... HOME=/root LANG=C.UTF-8 \
#                chroot .deps/rootfs/x86_64 python3 /tmp/.w/NAME.py
#              for BOTH arches: the script is arch-independent and prints
#              the same on Python 3.11 (x86-64 rootfs) and 3.13 (riscv64
#              rootfs).  It runs in a private mount namespace (unshare -m)
#              with a fresh tmpfs on the rootfs's /tmp (the script is copied
#              to /tmp/.w there) and /dev (null, zero, full, random, urandom
#              bound from the host; a new devpts instance on /dev/pts with
#              /dev/ptmx its ptmx) and a proc on /proc, so nothing is
#              written into the rootfs directory.  Needs root.
#              Why not qemu-riscv64 for riscv64: qemu-user hands a guest
#              execve to the host kernel, so every subprocess.run of
#              /bin/busybox would run the *host's* program (or fail);
#              `qemu-riscv64 -L .deps/rootfs/riscv64 .../python3.13 NAME.py`
#              prints the same as the chroot except for exec-related
#              lines and the working directory.
#              tests/python/expected/NAME.ARCH.{out,err,rc}, if present,
#              replace the corresponding part of the reference.
#   vmrun      $VMRUN --arch ARCH --rootfs .deps/rootfs/ARCH \
#                --mount tests/python:/w python3 /w/NAME.py
#              (the mount is read-only).  stdin is /dev/null for both.
# --deterministic: run vmrun twice with --deterministic --report and
#   require identical stdout, stderr, exit status and "instructions", and
#   the same results as the reference.
# VMRUN defaults to BUILD/vmrun; BUILD to ./build; the rootfs base to
# .deps/rootfs (override with VMRUN_ROOTFS_DIR=DIR containing ARCH/).
# VMRUN_FLAGS: extra vmrun options (word-split), put right after $VMRUN.
# VMRUN_PYTHON_TIMEOUT: seconds per run (default 240).
# Exit status: 0 same, 1 different or cannot run the comparison.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/driver.sh"
driver_options "run-workload.sh [--build DIR] [--vmrun PATH] [--keep] [--deterministic] ARCH [NAME]" \
  --allow-deterministic "$@"
set -- "${driver_args[@]}"
[ $# -ge 1 ] && [ $# -le 2 ] || driver_usage_error
arch=$1 name=${2:-workload}
driver_paths "$arch"
timeout_s=${VMRUN_PYTHON_TIMEOUT:-240}
label=python.$arch.$name
[ $det = 1 ] && label=$label.deterministic

fail() { echo "FAIL $label: $*"; exit 1; }

case "$arch" in x86_64|riscv64) ;; *) fail "unknown arch '$arch'" ;; esac
script=$here/$name.py
[ -f "$script" ] || fail "no script $script"
[ -x "$vmrun" ] || fail "vmrun not found at $vmrun (build it, or set VMRUN)"
[ -d "$rootfs" ] || fail "rootfs $rootfs missing (run scripts/setup.sh)"
[ -x "$ref_rootfs/usr/bin/python3" ] || fail "no python3 in the reference rootfs $ref_rootfs (run scripts/setup.sh)"
[ "$(id -u)" = 0 ] || fail "the reference needs chroot and unshare, i.e. root -- counted as a failure on purpose"

work=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-python.XXXXXX")
if [ $keep = 0 ]; then trap 'rm -rf "$work"' EXIT; fi

ref_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)

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

# run NAME CMD... : stdout, stderr, exit status into $work/NAME.{out,err,rc}
run() {
  local n=$1; shift
  (close_inherited_fds; exec timeout -k 5 "$timeout_s" "$@") < /dev/null > "$work/$n.out" 2> "$work/$n.err"
  echo $? > "$work/$n.rc"
}

ref_setup='
r=$1 s=$2 n=$3; shift 3
ulimit -c 0
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp" || exit 125
mount -t tmpfs -o mode=755 tmpfs "$r/dev" || exit 125
for d in null zero full random urandom; do
  : > "$r/dev/$d" && mount --bind "/dev/$d" "$r/dev/$d" || exit 125
done
ln -s /proc/self/fd "$r/dev/fd"; ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
mkdir "$r/dev/pts" "$r/dev/shm"
# A devpts of its own for the pseudo-terminal tests (indices from 0, as in
# a sandbox run); /dev/ptmx is its ptmx, as on a systemd host.
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$r/dev/pts" || exit 125
ln -s pts/ptmx "$r/dev/ptmx"
mount -t proc proc "$r/proc" 2>/dev/null || true
mkdir "$r/tmp/.w" && cp "$s" "$r/tmp/.w/$n.py" || exit 125
exec "$@"'
run ref unshare -m --propagation private sh -c "$ref_setup" ref-setup "$ref_rootfs" "$script" "$name" \
  "${ref_env[@]}" chroot "$ref_rootfs" python3 "/tmp/.w/$name.py"
if [ "$(cat "$work/ref.rc")" = 125 ]; then
  cat "$work/ref.err"
  fail "could not set up the reference's mount namespace (needs root with CAP_SYS_ADMIN)"
fi
ref_desc="chroot $ref_rootfs python3 $name.py (private /tmp, /dev, /proc)"
for part in out err rc; do
  if [ -f "$here/expected/$name.$arch.$part" ]; then
    cp "$here/expected/$name.$arch.$part" "$work/ref.$part"
    ref_desc="$ref_desc; $part from tests/python/expected/$name.$arch.$part"
  fi
done

vm_base=("$vmrun" ${VMRUN_FLAGS:-} --arch "$arch" --rootfs "$rootfs" --mount "$here:/w")
vm_prog=(python3 "/w/$name.py")

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
  echo "PASS $label (exit $(cat "$work/ref.rc"), $(wc -l < "$work/ref.out") lines stdout$extra)"
else
  echo "script:    $script"
  echo "reference: $ref_desc"
  echo "vmrun:     ${vm_cmd[*]}"
  echo "FAIL $label"
fi
exit $status
