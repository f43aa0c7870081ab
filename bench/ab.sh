#!/usr/bin/env bash
# bench/ab.sh — interleaved A/B timing of two vmrun builds on one command.
#
#   bash bench/ab.sh [-n N] OLD_VMRUN NEW_VMRUN VMRUN-ARGS...
#
# Runs `OLD_VMRUN VMRUN-ARGS...` and `NEW_VMRUN VMRUN-ARGS...` alternately,
# N times each (default 5), and prints the minimum and the median wall
# time of each and their ratio. Interleaving matters: this machine's speed
# drifts by ±25 % within minutes, so timings taken one build after the
# other compare the drift, not the builds. Both must exit with the same
# status and print the same stdout in every run, or the script says so
# and fails. Example (a build of the previous commit in build-old):
#   bash bench/ab.sh build-old/vmrun build/vmrun python3 -c pass
set -euo pipefail

n=5
if [ "${1:-}" = "-n" ]; then n=$2; shift 2; fi
if [ $# -lt 3 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
fi
old=$1 new=$2
shift 2
for v in "$old" "$new"; do
  [ -x "$v" ] || { echo "ab.sh: $v is not an executable" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/vmrun-ab.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/old.times"
: >"$tmp/new.times"

one() {  # which binary
  local start end rc=0
  start=$(date +%s.%N)
  "$2" "${@:3}" >"$tmp/$1.out" 2>/dev/null || rc=$?
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.6f\n", b - a}' >>"$tmp/$1.times"
  echo "$rc" >"$tmp/$1.rc"
}

for ((i = 0; i < n; i++)); do
  one old "$old" "$@"
  one new "$new" "$@"
  if ! cmp -s "$tmp/old.out" "$tmp/new.out" || ! cmp -s "$tmp/old.rc" "$tmp/new.rc"; then
    echo "ab.sh: the two builds differ in output or exit status (run $((i + 1)))" >&2
    exit 1
  fi
done

stats() {  # min median
  sort -n "$1" | awk '{v[NR] = $1} END {printf "%.3f %.3f", v[1], v[int((NR + 1) / 2)]}'
}
read -r omin omed <<<"$(stats "$tmp/old.times")"
read -r nmin nmed <<<"$(stats "$tmp/new.times")"
printf '%-48s old min %.3f med %.3f s | new min %.3f med %.3f s | new/old (median) %.2f\n' \
  "$*" "$omin" "$omed" "$nmin" "$nmed" "$(awk -v a="$nmed" -v b="$omed" 'BEGIN {print a / b}')"
