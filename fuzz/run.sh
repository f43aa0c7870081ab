#!/usr/bin/env bash
# Runs every vmrun fuzzer for SECONDS each, one after the other, and prints
# executions, speed and findings per fuzzer (fuzz/README.md).
#
#   fuzz/run.sh [SECONDS_PER_FUZZER] [FUZZER...]      default: 300 s, all five
#
# Configures and builds build-fuzz (clang-14, -DVMRUN_FUZZ=ON) if needed,
# with `nice -n 19` and -j${VMRUN_FUZZ_JOBS:-1}. Each fuzzer starts from a
# copy of its seed corpus (fuzz/corpus/NAME) in a scratch directory, so the
# committed seeds are never modified; crashes/leaks/timeouts land in
# SCRATCH/NAME/artifacts, the log in SCRATCH/NAME/log. The campaign runs
# under `nice -n 19`.
#
# Environment:
#   VMRUN_FUZZ_BUILD     build directory (default: build-fuzz next to fuzz/)
#   VMRUN_FUZZ_SCRATCH   scratch directory (default: a new one under /dev/shm or /tmp)
#   VMRUN_FUZZ_JOBS      build parallelism (default 1)
#   VMRUN_FUZZ_KEEP_GOING=1  libFuzzer fork mode: go on after a crash
#   VMRUN_FUZZ_ARGS      extra libFuzzer arguments for every fuzzer
set -uo pipefail

secs=${1:-300}
shift || true
src=$(cd "$(dirname "$0")/.." && pwd)
build=${VMRUN_FUZZ_BUILD:-$src/build-fuzz}
jobs=${VMRUN_FUZZ_JOBS:-1}
all=(fuzz_elf_loader fuzz_vfs_path fuzz_syscalls fuzz_guest_code_x86_64 fuzz_guest_code_riscv64)
if [ $# -gt 0 ]; then fuzzers=("$@"); else fuzzers=("${all[@]}"); fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 nice -n 19 cmake -S "$src" -B "$build" -DVMRUN_FUZZ=ON -DCMAKE_BUILD_TYPE=Release \
    >/dev/null || exit 1
fi
if ! nice -n 19 cmake --build "$build" -j"$jobs" >"$build/fuzz-build.log" 2>&1; then
  tail -30 "$build/fuzz-build.log" >&2
  echo "build failed (log: $build/fuzz-build.log)" >&2
  exit 1
fi

if [ -n "${VMRUN_FUZZ_SCRATCH:-}" ]; then
  scratch=$VMRUN_FUZZ_SCRATCH
  mkdir -p "$scratch"
elif [ -d /dev/shm ] && [ -w /dev/shm ]; then
  scratch=$(mktemp -d /dev/shm/vmrun-fuzz-XXXXXX)
else
  scratch=$(mktemp -d /tmp/vmrun-fuzz-XXXXXX)
fi
echo "scratch: $scratch"

# Per-fuzzer libFuzzer options: input size caps, the path dictionary.
opts_for() {
  case $1 in
    fuzz_elf_loader) echo "-max_len=16384" ;;
    fuzz_vfs_path) echo "-max_len=2048 -dict=$src/fuzz/vfs_path.dict" ;;
    fuzz_syscalls) echo "-max_len=2048" ;;
    fuzz_guest_code_*) echo "-max_len=1024" ;;
  esac
}

summary=()
for f in "${fuzzers[@]}"; do
  bin=$build/fuzz/$f
  [ -x "$bin" ] || { echo "no fuzzer $bin" >&2; exit 1; }
  dir=$scratch/$f
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/tmp"
  cp "$src/fuzz/corpus/$f/"* "$dir/corpus/" 2>/dev/null
  mode=()
  if [ "${VMRUN_FUZZ_KEEP_GOING:-0}" = 1 ]; then
    mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  echo "== $f: ${secs}s"
  # shellcheck disable=SC2046
  TMPDIR=$dir/tmp \
  LSAN_OPTIONS=suppressions=$src/fuzz/lsan.supp:print_suppressions=0 \
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0} \
    nice -n 19 "$bin" "$dir/corpus" -max_total_time="$secs" -print_final_stats=1 \
      -artifact_prefix="$dir/artifacts/" -timeout=25 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      $(opts_for "$f") "${mode[@]}" ${VMRUN_FUZZ_ARGS:-} >"$dir/log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  if [ -z "$execs" ]; then  # fork mode prints no final stats
    execs=$(grep -o '^#[0-9]*' "$dir/log" | tail -1 | tr -d '#')
    speed=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
  fi
  cov=$(grep -E '^#[0-9]+' "$dir/log" | tail -1 | grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*')
  findings=$(find "$dir/artifacts" -type f | wc -l)
  line=$(printf '%-26s %6ss %10s execs %7s/s  %s  findings: %s  (exit %s)' "$f" "$secs" "${execs:-?}" \
    "${speed:-?}" "${cov:-}" "$findings" "$rc")
  echo "$line"
  for a in "$dir/artifacts"/*; do
    [ -e "$a" ] && echo "   finding: $a"
  done
  if [ "$findings" -gt 0 ]; then
    grep -m3 -E 'ERROR: |FUZZ HARNESS FINDING|SUMMARY: ' "$dir/log" | sed 's/^/   /'
  fi
  summary+=("$line")
done

echo
echo "== summary (logs and artifacts in $scratch)"
printf '%s\n' "${summary[@]}"
