#!/usr/bin/env bash
# bench/run.sh — vmrun's benchmark suite (see bench/README.md).
#
#   bash bench/run.sh [--quick] [--build DIR] [--reps N] [--arch ARCH]...
#                     [--no-nocontain] [--keep] [--only main|startup|procs|python]...
#
# For each guest architecture (x86_64, riscv64) and workload it runs, with
# the runs of one repetition interleaved so that load changes hit every
# mode alike:
#   native        the workload on the host (x86_64 only)
#   qemu          Debian's qemu-user (qemu-x86_64 / qemu-riscv64)
#   vmrun         vmrun, no instruction budget: no counting hook at all,
#                 turns end from a timer and the report has no count
#                 (VMRUN_TIMED_TURNS=0 in the environment counts anyway;
#                 docs/UNICORN.md)
#   vmrun+budget  vmrun --max-insns 10^15 (a budget that never runs out):
#                 every block counted, the exact count in the report
#   no-contain    vmrun --no-contain (skipped by --quick and --no-nocontain)
# checks that every run printed the same stdout and exited 0, and prints a
# table of wall-clock medians (seconds) and the ratios vmrun/qemu,
# vmrun/native and budget/no-budget. Then it measures start-up latency: ms
# per run of `busybox true`, of a static glibc `true` and of a libc-free
# `true_min`, natively / under qemu / under vmrun (contained and
# --no-contain), each run N times in a loop.
#
# Workloads come from ${build}/bench/ARCH/ (bench/CMakeLists.txt) and are
# shown to the guest with --mount ${build}/bench/ARCH:/b.
# --quick: cpu_mem at 20 %, syscall_heavy with 60k calls, 3 repetitions,
# 10 start-ups per sample, no --no-contain column, 50 spawns, 512 MiB
# through the pipeline: about 2-3 minutes.
# Default: cpu_mem at 100 % (~1.2 s natively), syscall_heavy with 200k
# calls, 3 repetitions, 20 start-ups per sample, 200 spawns, 1 GiB
# through the pipeline: about 14 minutes.
# Then the process benchmarks (guest processes: fork/exec/wait, pipes, a
# shell script), natively / under qemu / under vmrun:
#   spawn fork|vfork|posix_spawn  N x (fork|vfork|posix_spawn)+execve+waitpid
#                 of `busybox true`; microseconds per spawn (bench/workloads/spawn.c)
#   pipeline      `busybox sh -c 'dd if=/dev/zero bs=64k count=N | cat >/dev/null'`, MB/s
#   script        bench/workloads/script.sh (50 commands), wall seconds
# Under qemu-user every guest execve would run the new program natively
# (x86_64) or fail (riscv64: no binfmt_misc here), so in the qemu column
# each child is started as `qemu-ARCH .../busybox ...` explicitly: every
# process is then emulated by a fresh qemu, like every vmrun guest process.
# Then the python3 benchmarks (section python): the root filesystem's
# python3 (3.11 x86-64, 3.13 riscv64), started with a clean environment:
#   start-up      `python3 -c pass`, ms per run
#   primes        `python3 -c "$(cat bench/workloads/primes.py)" N`: count
#                 the primes below N by trial division (N = 1,000,000,
#                 ~1 s natively; --quick 300,000), wall seconds
# native = `chroot .deps/rootfs/x86_64 python3` (x86-64 host, root only),
# qemu = `qemu-ARCH -L .deps/rootfs/ARCH .deps/rootfs/ARCH/usr/bin/python3.X`,
# vmrun = `vmrun --arch ARCH python3` (and --no-contain for start-up).
# Wall time is measured with `date +%s.%N` around each run (fork/exec of
# the runner itself included, ~1 ms).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0
REPS=""
BUILD=""
ARCHES=()
NOCONTAIN=1
KEEP=0
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --build) BUILD=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --arch) ARCHES+=("$2"); shift ;;
    --no-nocontain) NOCONTAIN=0 ;;
    --keep) KEEP=1 ;;
    --only) ONLY+=" $2"; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(x86_64 riscv64)
[ -n "$ONLY" ] || ONLY="main startup procs python"
want() { [[ " $ONLY " == *" $1 "* ]]; }

if [ -z "$BUILD" ]; then
  for d in build-bench build build-core; do
    if [ -x "$ROOT/$d/vmrun" ] && [ -x "$ROOT/$d/bench/x86_64/cpu_mem" ]; then BUILD=$ROOT/$d; break; fi
  done
fi
if [ -z "$BUILD" ] || [ ! -x "$BUILD/vmrun" ]; then
  echo "run.sh: no build with vmrun and bench workloads; build one with" >&2
  echo "  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench -j2" >&2
  exit 2
fi
BUILD=$(cd "$BUILD" && pwd)
VMRUN=$BUILD/vmrun

if [ $QUICK = 1 ]; then
  CPU_ARGS=20; SYS_ARGS=60000; STARTS=10; : "${REPS:=3}"; NOCONTAIN=0
  SPAWNS=50; PIPE_BLOCKS=8192; PY_STARTS=3; PY_PRIMES=300000
else
  CPU_ARGS=100; SYS_ARGS=200000; STARTS=20; : "${REPS:=3}"
  SPAWNS=200; PIPE_BLOCKS=16384; PY_STARTS=5; PY_PRIMES=1000000
fi
BUDGET=1000000000000000
WORKLOADS=(cpu_mem syscall_heavy)
declare -A WL_ARGS=([cpu_mem]=$CPU_ARGS [syscall_heavy]=$SYS_ARGS)

TMP=$(mktemp -d /tmp/vmrun-bench.XXXXXX)
[ $KEEP = 1 ] || trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a=="" || b=="" || a=="-" || b=="-" || b+0==0) print "-"; else printf "%.2f", a/b}'; }
fmt() { awk -v a="$1" 'BEGIN {if (a=="" || a=="-") print "-"; else printf "%.3f", a}'; }

# The command line of MODE for ARCH's program NAME (guest path /b/NAME).
mode_cmd() {
  local mode=$1 arch=$2 name=$3
  local host=$BUILD/bench/$arch/$name
  local vm=("$VMRUN" --arch "$arch" --mount "$BUILD/bench/$arch:/b")
  case $mode in
    native) echo "$host" ;;
    qemu) echo "qemu-$arch $host" ;;
    vmrun) echo "${vm[*]} /b/$name" ;;
    budget) echo "${vm[*]} --max-insns $BUDGET /b/$name" ;;
    nocontain) echo "${vm[*]} --no-contain /b/$name" ;;
  esac
}

modes_for() {
  local arch=$1
  local m=()
  [ "$arch" = x86_64 ] && [ "$(uname -m)" = x86_64 ] && m+=(native)
  command -v "qemu-$arch" >/dev/null && m+=(qemu)
  m+=(vmrun budget)
  [ $NOCONTAIN = 1 ] && m+=(nocontain)
  echo "${m[@]}"
}

echo "vmrun benchmarks  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "build: $BUILD (vmrun built $(date -u -r "$VMRUN" +%Y-%m-%dT%H:%M:%SZ))   git HEAD now: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
echo "unicorn: $(ldd "$VMRUN" | awk '/libunicorn/ {print $3}' | xargs -r readlink -f)"
echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(uname -r)"
echo "qemu: $(qemu-x86_64 --version 2>/dev/null | head -1)"
echo "mode: $([ $QUICK = 1 ] && echo quick || echo full), $REPS repetitions, cpu_mem $CPU_ARGS %, syscall_heavy $SYS_ARGS, $SPAWNS spawns, pipeline $PIPE_BLOCKS x 64 KiB, python primes below $PY_PRIMES; sections:$ONLY"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

FAIL=0
declare -A T   # T[arch.workload.mode] = "t1 t2 t3"
declare -A INSNS
want main && for arch in "${ARCHES[@]}"; do
  if [ ! -x "$BUILD/bench/$arch/cpu_mem" ]; then
    echo "($arch: no workloads in $BUILD/bench/$arch, skipped)"; continue
  fi
  read -r -a MODES <<<"$(modes_for "$arch")"
  for wl in "${WORKLOADS[@]}"; do
    args=${WL_ARGS[$wl]}
    printf '%-8s %-14s' "$arch" "$wl" >&2
    for ((rep = 1; rep <= REPS; rep++)); do
      for mode in "${MODES[@]}"; do
        read -r -a cmd <<<"$(mode_cmd "$mode" "$arch" "$wl")"
        out=$TMP/$arch.$wl.$mode.$rep
        extra=()
        [ "$mode" = budget ] && [ "$rep" = 1 ] && extra=(--report "$out.json")
        if [ ${#extra[@]} -gt 0 ]; then cmd=("${cmd[0]}" "${extra[@]}" "${cmd[@]:1}"); fi
        t0=$(now)
        "${cmd[@]}" $args >"$out.out" 2>"$out.err"
        rc=$?
        t1=$(now)
        if [ $rc != 0 ]; then
          echo >&2; echo "FAIL: $arch $wl $mode exited $rc: ${cmd[*]} $args" >&2; head -5 "$out.err" >&2
          FAIL=1
        fi
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b-a}')
        T[$arch.$wl.$mode]+="$secs "
        echo "$arch $wl $mode $rep $secs" >>"$TMP/times.txt"
        printf '.' >&2
      done
    done
    echo >&2
    # All outputs equal?
    ref=$TMP/$arch.$wl.${MODES[0]}.1.out
    same=ok
    for f in "$TMP/$arch.$wl".*.out; do
      cmp -s "$ref" "$f" || { same=DIFF; echo "output differs: $(basename "$f") vs $(basename "$ref")" >&2; FAIL=1; }
    done
    T[$arch.$wl.check]=$same
    # The count comes from the budget run (a run without one has no counting hook).
    INSNS[$arch.$wl]=$(grep -o '"instructions"[^,}]*' "$TMP/$arch.$wl.budget.1.json" 2>/dev/null | grep -o '[0-9]*' | head -1)
  done
done

if want main; then
echo
echo "Wall-clock medians of $REPS runs, seconds (ratios of medians):"
echo
hdr="| arch | workload | native | qemu | vmrun (no budget) | vmrun --max-insns |"
sep="| --- | --- | ---: | ---: | ---: | ---: |"
[ $NOCONTAIN = 1 ] && { hdr+=" no-contain |"; sep+=" ---: |"; }
hdr+=" vmrun/qemu | vmrun/native | budget/no-budget | guest insns (budget run) | vmrun MIPS | output |"
sep+=" ---: | ---: | ---: | ---: | ---: | --- |"
echo "$hdr"; echo "$sep"
for arch in "${ARCHES[@]}"; do
  for wl in "${WORKLOADS[@]}"; do
    [ -n "${T[$arch.$wl.check]:-}" ] || continue
    declare -A M=()
    for mode in native qemu vmrun budget nocontain; do
      if [ -n "${T[$arch.$wl.$mode]:-}" ]; then M[$mode]=$(tr ' ' '\n' <<<"${T[$arch.$wl.$mode]}" | grep . | median); else M[$mode]=-; fi
    done
    ins=${INSNS[$arch.$wl]:-}
    mips=$( [ -n "$ins" ] && awk -v i="$ins" -v t="${M[vmrun]}" 'BEGIN {printf "%.0f", i/t/1e6}' || echo -)
    row="| $arch | $wl | $(fmt "${M[native]}") | $(fmt "${M[qemu]}") | $(fmt "${M[vmrun]}") | $(fmt "${M[budget]}") |"
    [ $NOCONTAIN = 1 ] && row+=" $(fmt "${M[nocontain]}") |"
    row+=" $(ratio "${M[vmrun]}" "${M[qemu]}") | $(ratio "${M[vmrun]}" "${M[native]}") | $(ratio "${M[budget]}" "${M[vmrun]}") | ${ins:--} | $mips | ${T[$arch.$wl.check]} |"
    echo "$row"
    unset M
  done
done
fi

# ---- start-up latency ---------------------------------------------------
# ms per run: STARTS back-to-back runs timed together, median of REPS such
# samples.
startup() {  # prints ms per run
  local t0 t1
  t0=$(now)
  for ((i = 0; i < STARTS; i++)); do "$@" >/dev/null 2>&1 || { echo fail; return; }; done
  t1=$(now)
  awk -v a="$t0" -v b="$t1" -v n="$STARTS" 'BEGIN {printf "%.2f", (b-a)*1000/n}'
}
if want startup; then
echo
echo "Start-up latency, ms per run (median of $REPS samples of $STARTS runs each):"
echo
echo "| arch | program | native | qemu | vmrun | vmrun --no-contain |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for arch in "${ARCHES[@]}"; do
  [ -x "$BUILD/bench/$arch/true" ] || continue
  bb=$ROOT/.deps/rootfs/$arch/bin/busybox
  for prog in busybox true true_min; do
    declare -A S=()
    for ((rep = 1; rep <= REPS; rep++)); do
      if [ $prog = busybox ]; then host=("$bb" true); guest=(/bin/busybox true); else host=("$BUILD/bench/$arch/$prog"); guest=("/b/$prog"); fi
      vm=("$VMRUN" --arch "$arch" --mount "$BUILD/bench/$arch:/b")
      [ "$arch" = x86_64 ] && [ "$(uname -m)" = x86_64 ] && S[native]+="$(startup "${host[@]}") "
      command -v "qemu-$arch" >/dev/null && S[qemu]+="$(startup "qemu-$arch" "${host[@]}") "
      S[vmrun]+="$(startup "${vm[@]}" "${guest[@]}") "
      S[nocontain]+="$(startup "${vm[@]}" --no-contain "${guest[@]}") "
    done
    row="| $arch | $([ $prog = busybox ] && echo 'busybox true' || echo $prog) |"
    for mode in native qemu vmrun nocontain; do
      v=${S[$mode]:-}
      if [ -z "$v" ]; then row+=" - |"; elif grep -q fail <<<"$v"; then row+=" FAIL |"; FAIL=1; else row+=" $(tr ' ' '\n' <<<"$v" | grep . | median) |"; fi
    done
    echo "$row"
    unset S
  done
done
fi

# ---- processes ------------------------------------------------------------
# CMD=(...) for process case CASE in MODE on ARCH.
SCRIPT_TEXT=$(cat "$ROOT/bench/workloads/script.sh")
proc_cmd() {
  local mode=$1 arch=$2 case=$3
  local hbb=$ROOT/.deps/rootfs/$arch/bin/busybox q
  q=$(command -v "qemu-$arch")
  local bb sh pipe
  case $mode in
    native) bb=$hbb; sh=("$hbb" sh) ;;
    qemu) bb="$q $hbb"; sh=("$q" "$hbb" sh) ;;
    vmrun) bb=/bin/busybox; sh=("$VMRUN" --arch "$arch" /bin/busybox sh) ;;
  esac
  pipe="$bb dd if=/dev/zero bs=64k count=$PIPE_BLOCKS 2>/dev/null | $bb cat > /dev/null"
  case $case in
    spawn_*)
      local how=${case#spawn_}
      case $mode in
        native) CMD=("$BUILD/bench/$arch/spawn" "$how" "$SPAWNS" "$hbb" -a true) ;;
        qemu) CMD=("$q" "$BUILD/bench/$arch/spawn" "$how" "$SPAWNS" "$q" -a "qemu-$arch" "$hbb" true) ;;
        vmrun) CMD=("$VMRUN" --arch "$arch" --mount "$BUILD/bench/$arch:/b" /b/spawn "$how" "$SPAWNS" /bin/busybox -a true) ;;
      esac ;;
    pipeline) CMD=("${sh[@]}" -c "$pipe") ;;
    script) CMD=("${sh[@]}" -c "$SCRIPT_TEXT" script "$bb") ;;
  esac
}
PROC_CASES=(spawn_fork spawn_vfork spawn_posix_spawn pipeline script)
if want procs; then
  declare -A P=()
  for arch in "${ARCHES[@]}"; do
    if [ ! -x "$BUILD/bench/$arch/spawn" ] || [ ! -x "$ROOT/.deps/rootfs/$arch/bin/busybox" ]; then
      echo "($arch: no spawn workload or no .deps/rootfs/$arch/bin/busybox; process benchmarks skipped)"; continue
    fi
    pmodes=()
    [ "$arch" = x86_64 ] && [ "$(uname -m)" = x86_64 ] && pmodes+=(native)
    command -v "qemu-$arch" >/dev/null && pmodes+=(qemu)
    pmodes+=(vmrun)
    for c in "${PROC_CASES[@]}"; do
      printf '%-8s %-18s' "$arch" "$c" >&2
      for ((rep = 1; rep <= REPS; rep++)); do
        for mode in "${pmodes[@]}"; do
          proc_cmd "$mode" "$arch" "$c"
          out=$TMP/proc.$arch.$c.$mode.$rep
          t0=$(now)
          "${CMD[@]}" >"$out.out" 2>"$out.err"
          rc=$?
          t1=$(now)
          if [ $rc != 0 ]; then
            echo >&2; echo "FAIL: $arch $c $mode exited $rc" >&2; head -5 "$out.err" >&2; FAIL=1
          fi
          secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b-a}')
          echo "$arch $c $mode $rep $secs" >>"$TMP/times.txt"
          case $c in
            spawn_*) v=$(awk '/^us_per_spawn/ {print $2}' "$out.err") ;;
            pipeline) v=$(awk -v t="$secs" -v n="$PIPE_BLOCKS" 'BEGIN {printf "%.1f", n * 65536 / 1e6 / t}') ;;
            script) v=$secs ;;
          esac
          P[$arch.$c.$mode]+="${v:-nan} "
          printf '.' >&2
        done
      done
      echo >&2
      same=ok
      ref=$TMP/proc.$arch.$c.${pmodes[0]}.1.out
      for f in "$TMP/proc.$arch.$c".*.out; do
        cmp -s "$ref" "$f" || { same=DIFF; echo "output differs: $(basename "$f") vs $(basename "$ref")" >&2; FAIL=1; }
      done
      P[$arch.$c.check]=$same
    done
  done
  echo
  echo "Processes, median of $REPS runs: spawn = microseconds per spawn of \`busybox true\` ($SPAWNS in a loop, timed inside the driver; lower is better; target fork+exec+wait <= 2000 us); pipeline = MB/s through \`dd bs=64k count=$PIPE_BLOCKS | cat\` (higher is better); script = seconds for the 50-command script. qemu: every child process is a fresh qemu-ARCH."
  echo
  echo "| arch | benchmark | unit | native | qemu | vmrun | vmrun/qemu | vmrun/native | output |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
  for arch in "${ARCHES[@]}"; do
    for c in "${PROC_CASES[@]}"; do
      [ -n "${P[$arch.$c.check]:-}" ] || continue
      declare -A M=()
      for mode in native qemu vmrun; do
        if [ -n "${P[$arch.$c.$mode]:-}" ]; then M[$mode]=$(tr ' ' '\n' <<<"${P[$arch.$c.$mode]}" | grep . | median); else M[$mode]=-; fi
      done
      case $c in spawn_*) unit="us/spawn" ;; pipeline) unit="MB/s" ;; script) unit="s" ;; esac
      f2() { awk -v a="$1" 'BEGIN {if (a=="" || a=="-") print "-"; else if (a+0 >= 100) printf "%.0f", a; else printf "%.3g", a}'; }
      echo "| $arch | ${c/spawn_/spawn } | $unit | $(f2 "${M[native]}") | $(f2 "${M[qemu]}") | $(f2 "${M[vmrun]}") | $(ratio "${M[vmrun]}" "${M[qemu]}") | $(ratio "${M[vmrun]}" "${M[native]}") | ${P[$arch.$c.check]} |"
      unset M
    done
  done
fi
# ---- python3 ----------------------------------------------------------------
# PYCMD=(...) running the rootfs's python3 with ARGS in MODE on ARCH.
PY_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
py_cmd() {
  local mode=$1 arch=$2; shift 2
  local r=$ROOT/.deps/rootfs/$arch
  case $mode in
    native) PYCMD=("${PY_ENV[@]}" chroot "$r" python3 "$@") ;;
    qemu) PYCMD=("${PY_ENV[@]}" "qemu-$arch" -L "$r" "$r/usr/bin/$(readlink "$r/usr/bin/python3")" "$@") ;;
    vmrun) PYCMD=("$VMRUN" --arch "$arch" python3 "$@") ;;
    budget) PYCMD=("$VMRUN" --arch "$arch" --max-insns "$BUDGET" python3 "$@") ;;
    nocontain) PYCMD=("$VMRUN" --arch "$arch" --no-contain python3 "$@") ;;
  esac
}
if want python; then
  PRIMES_TEXT=$(cat "$ROOT/bench/workloads/primes.py")
  declare -A PS=() PT=() PI=()
  for arch in "${ARCHES[@]}"; do
    if [ ! -x "$ROOT/.deps/rootfs/$arch/usr/bin/python3" ]; then
      echo "($arch: no .deps/rootfs/$arch/usr/bin/python3; python benchmarks skipped)"; continue
    fi
    pmodes=()
    [ "$arch" = x86_64 ] && [ "$(uname -m)" = x86_64 ] && [ "$(id -u)" = 0 ] && pmodes+=(native)
    command -v "qemu-$arch" >/dev/null && pmodes+=(qemu)
    pmodes+=(vmrun budget)
    printf '%-8s %-18s' "$arch" "python start-up" >&2
    for ((rep = 1; rep <= REPS; rep++)); do
      for mode in "${pmodes[@]}" nocontain; do
        py_cmd "$mode" "$arch" -c pass
        PS[$arch.$mode]+="$(STARTS=$PY_STARTS startup "${PYCMD[@]}") "
        printf '.' >&2
      done
    done
    echo >&2
    printf '%-8s %-18s' "$arch" "python primes" >&2
    for ((rep = 1; rep <= REPS; rep++)); do
      for mode in "${pmodes[@]}"; do
        py_cmd "$mode" "$arch" -c "$PRIMES_TEXT" "$PY_PRIMES"
        out=$TMP/py.$arch.primes.$mode.$rep
        if [ "$mode" = budget ] && [ "$rep" = 1 ]; then PYCMD=("${PYCMD[0]}" --report "$out.json" "${PYCMD[@]:1}"); fi
        t0=$(now)
        "${PYCMD[@]}" >"$out.out" 2>"$out.err"
        rc=$?
        t1=$(now)
        if [ $rc != 0 ]; then
          echo >&2; echo "FAIL: $arch python primes $mode exited $rc" >&2; head -5 "$out.err" >&2; FAIL=1
        fi
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b-a}')
        echo "$arch python_primes $mode $rep $secs" >>"$TMP/times.txt"
        PT[$arch.$mode]+="$secs "
        printf '.' >&2
      done
    done
    echo >&2
    same=ok
    ref=$TMP/py.$arch.primes.${pmodes[0]}.1.out
    for f in "$TMP/py.$arch.primes".*.out; do
      cmp -s "$ref" "$f" || { same=DIFF; echo "output differs: $(basename "$f") vs $(basename "$ref")" >&2; FAIL=1; }
    done
    PT[$arch.check]=$same
    PI[$arch]=$(grep -o '"instructions"[^,}]*' "$TMP/py.$arch.primes.budget.1.json" 2>/dev/null | grep -o '[0-9]*' | head -1)
  done
  echo
  echo "python3 (rootfs: 3.11 x86-64, 3.13 riscv64), median of $REPS samples: start-up = ms per \`python3 -c pass\` ($PY_STARTS back to back per sample; target: vmrun no slower than qemu-user); primes = seconds for \`python3 -c \"\$(cat bench/workloads/primes.py)\" $PY_PRIMES\`. native = chroot into .deps/rootfs/x86_64."
  echo
  echo "vmrun = no budget (no counting hook: turns end from a timer); vmrun --max-insns = with a budget of 10^15 (every block counted); guest insns from the budget run."
  echo
  echo "| arch | benchmark | unit | native | qemu | vmrun (no budget) | vmrun --max-insns | vmrun --no-contain | vmrun/qemu | vmrun/native | budget/no-budget | guest insns | vmrun MIPS | output |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  for arch in "${ARCHES[@]}"; do
    [ -n "${PT[$arch.check]:-}" ] || continue
    declare -A M=()
    for mode in native qemu vmrun budget nocontain; do
      v=${PS[$arch.$mode]:-}
      if [ -z "$v" ]; then M[$mode]=-; elif grep -q fail <<<"$v"; then M[$mode]=FAIL; FAIL=1; else M[$mode]=$(tr ' ' '\n' <<<"$v" | grep . | median); fi
    done
    echo "| $arch | python3 -c pass | ms | ${M[native]} | ${M[qemu]} | ${M[vmrun]} | ${M[budget]} | ${M[nocontain]} | $(ratio "${M[vmrun]}" "${M[qemu]}") | $(ratio "${M[vmrun]}" "${M[native]}") | $(ratio "${M[budget]}" "${M[vmrun]}") | - | - | - |"
    for mode in native qemu vmrun budget; do
      if [ -n "${PT[$arch.$mode]:-}" ]; then M[$mode]=$(tr ' ' '\n' <<<"${PT[$arch.$mode]}" | grep . | median); else M[$mode]=-; fi
    done
    ins=${PI[$arch]:-}
    mips=$( [ -n "$ins" ] && awk -v i="$ins" -v t="${M[vmrun]}" 'BEGIN {printf "%.0f", i/t/1e6}' || echo -)
    echo "| $arch | primes $PY_PRIMES | s | $(fmt "${M[native]}") | $(fmt "${M[qemu]}") | $(fmt "${M[vmrun]}") | $(fmt "${M[budget]}") | - | $(ratio "${M[vmrun]}" "${M[qemu]}") | $(ratio "${M[vmrun]}" "${M[native]}") | $(ratio "${M[budget]}" "${M[vmrun]}") | ${ins:--} | $mips | ${PT[$arch.check]} |"
    unset M
  done
fi
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "all runs (arch workload mode rep seconds):"
[ -f "$TMP/times.txt" ] && sed 's/^/  /' "$TMP/times.txt"
[ $KEEP = 1 ] && echo "raw outputs kept in $TMP"
if [ $FAIL != 0 ]; then echo "SOME RUNS FAILED OR DIFFERED (see above)"; exit 1; fi
exit 0
