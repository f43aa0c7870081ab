#!/usr/bin/env bash
# Differential test driver: run one case under a reference and under vmrun,
# and compare stdout, stderr and exit status byte for byte.
#
#   tests/diff/run-diff.sh [--build DIR] [--vmrun PATH] [--keep] ARCH guest CASE
#   tests/diff/run-diff.sh [--build DIR] [--vmrun PATH] [--keep] ARCH busybox CASE
#
# ARCH: x86_64 or riscv64.  Cases are lines of tests/diff/guest-cases.txt
# and tests/diff/busybox-cases.txt.  References:
#   guest   x86_64: the program run natively; riscv64: under qemu-riscv64;
#           or tests/guest/PROGRAM.expected when it exists.
#   busybox x86_64: chroot .deps/rootfs/x86_64 /bin/busybox APPLET ... (needs
#           root); riscv64: qemu-riscv64 .deps/rootfs/riscv64/bin/busybox
#           APPLET ... with cwd = the rootfs.
# vmrun:
#   guest   $VMRUN --arch ARCH --rootfs R --mount BUILD/guest/ARCH:/t /t/PROGRAM ARGS
#   busybox $VMRUN --arch ARCH --rootfs R --cwd / /bin/busybox APPLET ARGS
# VMRUN defaults to BUILD/vmrun; BUILD to ./build; the rootfs to
# .deps/rootfs/ARCH (override with VMRUN_ROOTFS_DIR=DIR containing ARCH/).
# VMRUN_FLAGS: extra vmrun options (word-split), put right after $VMRUN,
# e.g. VMRUN_FLAGS='--log-level error' or '--no-contain'.
# Exit status: 0 same, 1 different or cannot run the comparison, 77 skipped
# (listed in tests/diff/disabled.txt; VMRUN_DIFF_ALL=1 runs it anyway).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/driver.sh"
driver_options "run-diff.sh [--build DIR] [--vmrun PATH] [--keep] ARCH guest|busybox CASE" "$@"
set -- "${driver_args[@]}"
[ $# -eq 3 ] || driver_usage_error
arch=$1 kind=$2 case=$3
driver_paths "$arch"
timeout_s=${VMRUN_DIFF_TIMEOUT:-120}

fail() { echo "FAIL diff.$arch.$case_label: $*"; exit 1; }
case_label=$case
[ "$kind" = busybox ] && case_label=busybox.$case

driver_skip_listed "diff.$arch.$case_label" "$here/disabled.txt" VMRUN_DIFF_ALL

case "$arch" in
  x86_64|riscv64) ;;
  *) fail "unknown arch '$arch'" ;;
esac
[ -x "$vmrun" ] || fail "vmrun not found at $vmrun (build it, or set VMRUN)"
[ -d "$rootfs" ] || fail "rootfs $rootfs missing (run scripts/setup.sh)"
if [ "$arch" = riscv64 ] && ! command -v qemu-riscv64 >/dev/null; then
  fail "qemu-riscv64 not installed (run scripts/setup.sh)"
fi

# Look up the case line: first word is the name, the rest shell-quoted words.
cases_file=$here/$kind-cases.txt
[ -f "$cases_file" ] || fail "unknown kind '$kind'"
line=$(awk -v c="$case" '$1 == c && $1 !~ /^#/ { sub(/^[ \t]*[^ \t]+[ \t]*/, ""); print; found = 1; exit }
                         END { exit !found }' "$cases_file") || fail "no case '$case' in $cases_file"
stdin_file=/dev/null
if [[ $line == \<* ]]; then
  word=${line%%[ $'\t']*}
  stdin_file=$here/data/${word#<}
  line=${line#"$word"}
  [ -f "$stdin_file" ] || fail "stdin file $stdin_file missing"
fi
eval "words=($line)" || fail "cannot parse case line: $line"
[ ${#words[@]} -ge 1 ] || fail "empty case line"

work=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-diff.XXXXXX")
if [ $keep = 0 ]; then trap 'rm -rf "$work"' EXIT; else echo "$arch $kind $case" > "$work/case"; fi

# The reference runs get the environment vmrun gives its guests by default.
ref_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)

# run NAME CMD... : stdout, stderr, exit status into $work/NAME.{out,err,rc}
run() {
  local name=$1; shift
  timeout -k 5 "$timeout_s" "$@" < "$stdin_file" > "$work/$name.out" 2> "$work/$name.err"
  echo $? > "$work/$name.rc"
}

expected=""
if [ "$kind" = guest ]; then
  prog=${words[0]}
  args=("${words[@]:1}")
  bin=$build/guest/$arch/$prog
  [ -x "$bin" ] || fail "guest program $bin not built (cmake --build $build)"
  if [ -f "$top/tests/guest/$prog.expected" ]; then
    expected=$top/tests/guest/$prog.expected
    cp "$expected" "$work/ref.out"
    : > "$work/ref.err"
    echo 0 > "$work/ref.rc"
    ref_desc="expected output $expected"
  elif [ "$arch" = x86_64 ]; then
    ref_cmd=("${ref_env[@]}" "$bin" "${args[@]}")
  else
    ref_cmd=("${ref_env[@]}" qemu-riscv64 "$bin" "${args[@]}")
  fi
  if [ -z "$expected" ]; then
    (cd "$work" && run ref "${ref_cmd[@]}")
    ref_desc="${ref_cmd[*]}"
  fi
  vm_cmd=("$vmrun" ${VMRUN_FLAGS:-} --arch "$arch" --rootfs "$rootfs" --mount "$build/guest/$arch:/t" "/t/$prog" "${args[@]}")
  run vm "${vm_cmd[@]}"
else
  if [ "$arch" = x86_64 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "SKIP diff.$arch.$case_label: the x86_64 busybox reference needs chroot, i.e. root"
      fail "not run (not root) -- counted as a failure on purpose"
    fi
    ref_cmd=("${ref_env[@]}" chroot "$rootfs" /bin/busybox "${words[@]}")
    run ref "${ref_cmd[@]}"
  else
    # qemu-user resolves absolute paths on the host: TZ keeps the host's
    # /etc/localtime out (the guest root has none, so vmrun's guest is UTC).
    ref_cmd=("${ref_env[@]}" TZ=UTC0 qemu-riscv64 "$rootfs/bin/busybox" "${words[@]}")
    (cd "$rootfs" && run ref "${ref_cmd[@]}")
  fi
  ref_desc="${ref_cmd[*]}"
  vm_cmd=("$vmrun" ${VMRUN_FLAGS:-} --arch "$arch" --rootfs "$rootfs" --cwd / /bin/busybox "${words[@]}")
  run vm "${vm_cmd[@]}"
fi

driver_no_private_expectations "diff.$arch.$case_label" "$work/ref.out"
status=0
for part in out err rc; do
  if ! cmp -s "$work/ref.$part" "$work/vm.$part"; then
    status=1
    label=$part
    [ $part = out ] && label=stdout
    [ $part = err ] && label=stderr
    [ $part = rc ] && label="exit status"
    echo "--- $label differs:"
    diff -u --label "reference $label" --label "vmrun $label" "$work/ref.$part" "$work/vm.$part" | head -n 200
  fi
done
[ $keep = 1 ] && echo "outputs kept in $work"
if [ $status = 0 ]; then
  echo "PASS diff.$arch.$case_label (exit $(cat "$work/vm.rc"), $(wc -c < "$work/vm.out") bytes stdout)"
else
  echo "reference: $ref_desc"
  echo "vmrun:     ${vm_cmd[*]}"
  [ "$stdin_file" != /dev/null ] && echo "stdin:     $stdin_file"
  echo "FAIL diff.$arch.$case_label"
fi
exit $status
