#!/usr/bin/env bash
# bench/datasci.sh — what importing the data-science packages costs:
# the root filesystem's python3 running
#   pass      python3 -c pass                       (the interpreter alone)
#   pandas    python3 -c 'import numpy, pandas'
#   pyplot    python3 -c 'import matplotlib.pyplot'
# natively (x86_64 only, root only: `chroot .deps/rootfs/x86_64 python3`),
# under qemu-user (`qemu-ARCH -L .deps/rootfs/ARCH .../usr/bin/python3.X`)
# and under vmrun (`vmrun --arch ARCH python3`), each with a clean
# environment (HOME=/root, LANG=C.UTF-8; for qemu-user HOME is a copy of the
# rootfs's /root, because qemu-user would make matplotlib's directories in
# the host's /root).
#
#   bash bench/datasci.sh [--build DIR] [--reps N] [--arch ARCH]... [--only pass|pandas|pyplot]...
#
# The runs of one repetition are interleaved across modes; the table gives
# the median wall time of N repetitions (default 5) in seconds, the ratios
# vmrun/qemu and vmrun/native, and the guest instruction count vmrun reports
# (`--report`, of the first repetition). Every run must exit 0 and print
# nothing, or the script says so and exits 1.
# BUILD: the first of build-bench/, build/ with a vmrun (Release builds
# only: a Debug or sanitizer build measures something else).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPS=5
BUILD=""
ARCHES=()
ONLY=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --arch) ARCHES+=("$2"); shift ;;
    --only) ONLY+=("$2"); shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "datasci.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(x86_64 riscv64)
[ ${#ONLY[@]} -gt 0 ] || ONLY=(pass pandas pyplot)
if [ -z "$BUILD" ]; then
  for d in build-bench build; do
    if [ -x "$ROOT/$d/vmrun" ]; then BUILD=$ROOT/$d; break; fi
  done
fi
[ -n "$BUILD" ] && [ -x "$BUILD/vmrun" ] || { echo "datasci.sh: no vmrun build (--build DIR)" >&2; exit 2; }
VMRUN=$(cd "$BUILD" && pwd)/vmrun

declare -A CODE=([pass]="pass" [pandas]="import numpy, pandas" [pyplot]="import matplotlib.pyplot")
TMP=$(mktemp -d /tmp/vmrun-datasci-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a=="-" || b=="-" || b+0==0) print "-"; else printf "%.2f", a/b}'; }
fmt() { awk -v a="$1" 'BEGIN {if (a=="-") print "-"; else printf "%.3f", a}'; }

echo "vmrun data-science import benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "vmrun: $VMRUN (built $(date -u -r "$VMRUN" +%Y-%m-%dT%H:%M:%SZ)), git HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(qemu-x86_64 --version 2>/dev/null | head -1)"
echo "$REPS repetitions; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

FAIL=0
declare -A T INS
for arch in "${ARCHES[@]}"; do
  r=$ROOT/.deps/rootfs/$arch
  [ -x "$r/usr/bin/python3" ] || { echo "($arch: no rootfs python3, skipped)"; continue; }
  py=$(readlink "$r/usr/bin/python3")
  rm -rf "$TMP/home-$arch" && cp -a "$r/root" "$TMP/home-$arch"
  modes=()
  [ "$arch" = x86_64 ] && [ "$(uname -m)" = x86_64 ] && [ "$(id -u)" = 0 ] && modes+=(native)
  command -v "qemu-$arch" >/dev/null && modes+=(qemu)
  modes+=(vmrun)
  for w in "${ONLY[@]}"; do
    printf '%-8s %-8s' "$arch" "$w" >&2
    for ((rep = 1; rep <= REPS; rep++)); do
      for mode in "${modes[@]}"; do
        case $mode in
          native) cmd=("${ENV[@]}" chroot "$r" python3 -c "${CODE[$w]}") ;;
          qemu) cmd=("${ENV[@]}" HOME="$TMP/home-$arch" "qemu-$arch" -L "$r" "$r/usr/bin/$py" -c "${CODE[$w]}") ;;
          vmrun)
            cmd=("$VMRUN" --arch "$arch")
            [ "$rep" = 1 ] && cmd+=(--report "$TMP/$arch.$w.json")
            cmd+=(python3 -c "${CODE[$w]}") ;;
        esac
        t0=$(now)
        "${cmd[@]}" < /dev/null > "$TMP/out" 2>&1
        rc=$?
        t1=$(now)
        if [ $rc != 0 ] || [ -s "$TMP/out" ]; then
          echo >&2; echo "FAIL: $arch $w $mode exited $rc: ${cmd[*]}" >&2; head -5 "$TMP/out" >&2; FAIL=1
        fi
        T[$arch.$w.$mode]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b-a}') "
        printf '.' >&2
      done
    done
    echo >&2
    INS[$arch.$w]=$(sed -n 's/^ *"instructions": *\([0-9]*\).*/\1/p' "$TMP/$arch.$w.json" 2>/dev/null | head -1)
  done
done

echo "Wall-clock medians of $REPS runs, seconds:"
echo
echo "| arch | python3 -c | native | qemu | vmrun | vmrun/qemu | vmrun/native | vmrun guest insns |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for arch in "${ARCHES[@]}"; do
  for w in "${ONLY[@]}"; do
    [ -n "${T[$arch.$w.vmrun]:-}" ] || continue
    declare -A M=()
    for mode in native qemu vmrun; do
      if [ -n "${T[$arch.$w.$mode]:-}" ]; then M[$mode]=$(tr ' ' '\n' <<<"${T[$arch.$w.$mode]}" | grep . | median); else M[$mode]=-; fi
    done
    ins=${INS[$arch.$w]:-}
    echo "| $arch | \`${CODE[$w]}\` | $(fmt "${M[native]}") | $(fmt "${M[qemu]}") | $(fmt "${M[vmrun]}") | $(ratio "${M[vmrun]}" "${M[qemu]}") | $(ratio "${M[vmrun]}" "${M[native]}") | ${ins:--} |"
    unset M
  done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "all runs (arch workload mode: seconds):"
for k in $(printf '%s\n' "${!T[@]}" | sort); do echo "  $k: ${T[$k]}"; done
[ $FAIL = 0 ] || { echo "SOME RUNS FAILED (see above)"; exit 1; }
exit 0
