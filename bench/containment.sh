#!/usr/bin/env bash
# bench/containment.sh — what containment and host hardening cost per run.
#
#   bash bench/containment.sh [VMRUN] [N] [ARCH]
#
# Start-up of `busybox true`, N runs per mode, modes interleaved so that
# load changes hit each alike; prints the median in microseconds for
#   hardened    the default: supervised child + Landlock + seccomp filter
#   no-seccomp  supervised child only (--no-seccomp)
#   no-contain  in-process (--no-contain)
# Guest instructions are unaffected by either layer (both act on the host
# process before the first guest instruction), so start-up shows all of it.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
V=${1:-$ROOT/build/vmrun}
N=${2:-30}
ARCH=${3:-x86_64}
declare -A t=([hardened]="" [no-seccomp]="" [no-contain]="")
for _ in $(seq 1 "$N"); do
  for m in hardened no-seccomp no-contain; do
    case $m in hardened) f=() ;; no-seccomp) f=(--no-seccomp) ;; no-contain) f=(--no-contain) ;; esac
    s=$(date +%s%N)
    "$V" --arch "$ARCH" "${f[@]}" /bin/busybox true || { echo "run failed ($m)" >&2; exit 1; }
    e=$(date +%s%N)
    t[$m]+="$(((e - s) / 1000)) "
  done
done
for m in hardened no-seccomp no-contain; do
  med=$(echo ${t[$m]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')
  printf '%s %-11s median %6d us\n' "$ARCH" "$m" "$med"
done
