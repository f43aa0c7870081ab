#!/usr/bin/env bash
# Hostile-corpus driver: run one case of tests/hostile/cases.txt under vmrun
# and check its classified outcome, its time bound and that the host was
# left untouched (rootfs and mounted directory unmodified, a canary
# directory outside the sandbox intact, no process left behind).
#
#   tests/hostile/run-hostile.sh [--build DIR] [--vmrun PATH] [--keep] ARCH CASE
#
# BUILD defaults to ./build (programs in BUILD/hostile/ARCH), VMRUN to
# BUILD/vmrun, the rootfs to .deps/rootfs/ARCH (VMRUN_ROOTFS_DIR=DIR
# containing ARCH/ overrides it). Exit status: 0 pass, 1 fail, 77 skipped
# (the case does not apply to ARCH).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/driver.sh"
driver_options "run-hostile.sh [--build DIR] [--vmrun PATH] [--keep] ARCH CASE" "$@"
set -- "${driver_args[@]}"
[ $# -eq 2 ] || driver_usage_error
arch=$1 name=$2
driver_paths "$arch"
label=hostile.$arch.$name
fail() { echo "FAIL $label: $*"; exit 1; }

line=$(grep -E "^$name[[:space:]]*\|" "$here/cases.txt" | head -n 1)
[ -n "$line" ] || fail "no case '$name' in tests/hostile/cases.txt"
IFS='|' read -r _ arches flags cmd expect <<< "$line"
case " $arches " in *" $arch "*) ;; *) echo "SKIP $label: not for $arch"; exit 77 ;; esac
[ -x "$vmrun" ] || fail "vmrun not found at $vmrun"
[ -d "$rootfs" ] || fail "rootfs $rootfs missing (run scripts/setup.sh)"

eval "guest_cmd=($cmd)"
eval "flag_words=($flags)"
eval "expect_words=($expect)"
progdir=$build/hostile/$arch
if [[ ${guest_cmd[0]} == @* ]]; then
  prog=${guest_cmd[0]#@}
  [ -x "$progdir/$prog" ] || fail "program $progdir/$prog not built (cmake --build $build)"
  guest_cmd[0]=/h/$prog
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-hostile.XXXXXX")
[ $keep = 1 ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/canary"
echo "canary $$" > "$work/canary/file"
canary_sum=$(cd "$work/canary" && ls -lA --time-style=full-iso && cat file)
touch "$work/stamp"
sleep 0.01

vm_cmd=("$vmrun" ${VMRUN_FLAGS:-} --arch "$arch" --rootfs "$rootfs" --report "$work/report.json"
        "${flag_words[@]}")
[ -d "$progdir" ] && vm_cmd+=(--mount "$progdir:/h")
vm_cmd+=("${guest_cmd[@]}")

start=$(date +%s%N)
# A session of its own: afterwards nothing may be left in it.
setsid "${vm_cmd[@]}" < /dev/null > "$work/vm.out" 2> "$work/vm.err" &
sid=$!
wait $sid
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))

problems=()
secs=60 ref=
declare -A want=()
for w in "${expect_words[@]}"; do
  key=${w%%=*} val=${w#*=}
  case $key in
    secs) secs=$val ;;
    ref) ref=$val ;;
    *) want[$key]=$val ;;
  esac
done

if [ -n "$ref" ]; then
  ref_arch=x86_64
  [ "$ref" = arch ] && ref_arch=$arch
  ref_bin=$build/hostile/$ref_arch/${guest_cmd[0]#/h/}
  runner=()
  if [ "$ref_arch" = riscv64 ]; then
    command -v qemu-riscv64 > /dev/null || fail "qemu-riscv64 missing (run scripts/setup.sh)"
    runner=(qemu-riscv64)
  fi
  (cd / && exec timeout -k 5 120 env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
      "${runner[@]}" "$ref_bin" "${guest_cmd[@]:1}") < /dev/null > "$work/ref.out" 2> "$work/ref.err"
  ref_rc=$?
  cmp -s "$work/ref.out" "$work/vm.out" || problems+=("stdout differs from the reference:
$(diff -u --label reference --label vmrun "$work/ref.out" "$work/vm.out" | head -n 60)")
  cmp -s "$work/ref.err" "$work/vm.err" || problems+=("stderr differs from the reference:
$(diff -u --label reference --label vmrun "$work/ref.err" "$work/vm.err" | head -n 30)")
  [ "$ref_rc" = "$rc" ] || problems+=("exit status $rc, the reference's $ref_rc")
fi

stop=$(sed -n 's/.*"stop_reason": *"\([a-z_]*\)".*/\1/p' "$work/report.json" 2>/dev/null | head -n 1)
for key in "${!want[@]}"; do
  val=${want[$key]}
  case $key in
    stop) [ "$stop" = "$val" ] || problems+=("stop reason '$stop', expected '$val'") ;;
    rc) [ "$rc" = "$val" ] || problems+=("exit status $rc, expected $val") ;;
    out*) grep -Eq -- "$val" "$work/vm.out" || problems+=("stdout does not match /$val/") ;;
    err*) grep -Eq -- "$val" "$work/vm.err" || problems+=("stderr does not match /$val/") ;;
    *) fail "unknown expectation '$key' in cases.txt" ;;
  esac
done

# Bounded time, untouched host.
[ "$elapsed_ms" -le $((secs * 1000)) ] || problems+=("took ${elapsed_ms} ms, bound ${secs} s")
changed=$(find "$rootfs" "$progdir" -newer "$work/stamp" -print 2>/dev/null | head -n 5)
[ -z "$changed" ] || problems+=("host files changed: $changed")
[ "$(cd "$work/canary" && ls -lA --time-style=full-iso && cat file)" = "$canary_sum" ] ||
  problems+=("the canary directory changed")
left=$(pgrep -s "$sid" 2>/dev/null | head -n 5 | tr '\n' ' ')
if [ -n "$left" ]; then
  pkill -KILL -s "$sid" 2>/dev/null
  problems+=("processes left behind: $left")
fi

summary="stop=${stop:-?} rc=$rc in ${elapsed_ms} ms"
if [ ${#problems[@]} = 0 ]; then
  echo "PASS $label ($summary)"
  exit 0
fi
for p in "${problems[@]}"; do echo "--- $p"; done
echo "--- vmrun stdout (head):"; head -c 2000 "$work/vm.out" | head -n 20
echo "--- vmrun stderr (head):"; head -c 2000 "$work/vm.err" | head -n 20
echo "command: ${vm_cmd[*]}"
echo "FAIL $label ($summary)"
exit 1
