#!/usr/bin/env bash
# Snapshot of what vmrun does, for refactoring: every differential case
# (tests/diff/guest-cases.txt, tests/diff/busybox-cases.txt) and every
# process case (tests/proc/*.c) on both arches, run with --deterministic
# and --strace-file; per case it keeps the syscall log, the counted
# instructions, stdout and the exit status. Two snapshots of the same
# tree must be byte-identical; so must a snapshot before and after a
# change that is meant to move code without changing behaviour.
#
#   scripts/trace-snapshot.sh [--vmrun PATH] [--build DIR] OUTDIR
#   diff -r BEFORE AFTER
#
# Defaults: BUILD=./build, VMRUN=BUILD/vmrun (the guest programs come from
# BUILD). Cases listed in tests/diff/disabled.txt or
# tests/proc/known-failures.txt are left out.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build vmrun=""
while [ $# -gt 1 ]; do
  case "$1" in
    --vmrun) vmrun=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# = 1 ] || { echo "usage: trace-snapshot.sh [--vmrun PATH] [--build DIR] OUTDIR" >&2; exit 1; }
out=$1
vmrun=${vmrun:-$build/vmrun}
[ -x "$vmrun" ] || { echo "trace-snapshot.sh: no vmrun at $vmrun" >&2; exit 1; }
mkdir -p "$out"
listed() { grep -qxF "$1" "$top/tests/diff/disabled.txt" "$top/tests/proc/known-failures.txt" 2>/dev/null; }

# snap LABEL STDIN ARCH VMRUN-ARGS...
snap() {
  local label=$1 stdin=$2 arch=$3; shift 3
  local f=$out/$label
  timeout -k 5 120 "$vmrun" --deterministic --log-level error --arch "$arch" --rootfs "$top/.deps/rootfs/$arch" \
    --strace-file "$f.strace" --report "$f.json" "$@" < "$stdin" > "$f.out" 2> /dev/null
  echo $? > "$f.rc"
  # Only what a change of structure must keep: the counted instructions
  # and how the run ended (the report's times and host figures vary).
  grep -oE '"(instructions|syscalls|stop_reason|exit_code|signal)": *[^,}]*' "$f.json" > "$f.report" 2>/dev/null
  rm -f "$f.json"
}

for arch in x86_64 riscv64; do
  while read -r name rest; do
    [[ -z $name || $name == \#* ]] && continue
    listed "diff.$arch.$name" && continue
    eval "words=($rest)"
    snap "$arch.guest.$name" /dev/null "$arch" --mount "$build/guest/$arch:/t" "/t/${words[0]}" "${words[@]:1}"
  done < "$top/tests/diff/guest-cases.txt"
  while read -r name rest; do
    [[ -z $name || $name == \#* ]] && continue
    listed "diff.$arch.busybox.$name" && continue
    stdin=/dev/null
    if [[ $rest == \<* ]]; then
      word=${rest%%[ $'\t']*}
      stdin=$top/tests/diff/data/${word#<}
      rest=${rest#"$word"}
    fi
    eval "words=($rest)"
    snap "$arch.busybox.$name" "$stdin" "$arch" --cwd / /bin/busybox "${words[@]}"
  done < "$top/tests/diff/busybox-cases.txt"
  for src in "$top"/tests/proc/*.c; do
    name=$(basename "$src" .c)
    [ -x "$build/proc/$arch/$name" ] || continue
    listed "proc.$arch.$name" && continue
    snap "$arch.proc.$name" /dev/null "$arch" --mount "$build/proc/$arch:/p" "/p/$name"
  done
done
echo "snapshot of $(ls "$out" | grep -c '\.rc$') cases in $out"
