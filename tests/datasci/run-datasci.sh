#!/usr/bin/env bash
# Data-science tests: pandas on an uploaded CSV and a matplotlib PNG, run
# with the root filesystem's python3 under vmrun and under a reference, and
# compared.
#
#   tests/datasci/run-datasci.sh [--build DIR] [--vmrun PATH] [--keep] ARCH CASE
#
# ARCH: x86_64 or riscv64.  CASE:
#   pandas  tests/datasci/pandas_groupby.py on tests/datasci/data/sales.csv,
#           which vmrun shows read-only at /data (--mount DATA:/data):
#           group-bys, a pivot table, time zones, numpy.linalg.  Checks:
#           stdout, stderr and exit status identical to the reference's,
#           exit status 0, the last line "total revenue ...", and the host's
#           data directory unchanged.
#   plot    tests/datasci/plot_png.py writes a 640x480 PNG into a host
#           directory shown read-write at /out (--mount OUT:/out:rw); it
#           checks in the guest that the title's text was rendered, and logs
#           a rebuild of matplotlib's font cache if there is one.  Checks:
#           stdout, stderr and exit status identical to the reference's,
#           exit status 0, and on the host: the PNG's signature, its IHDR
#           (640 x 480), a size between 10 KB and 1 MB, and the PNG byte for
#           byte equal to the one the reference wrote.
# Reference (same rootfs, same python, same script; only the paths differ):
#   x86_64   env -i PATH=... HOME=/root LANG=C.UTF-8 chroot .deps/rootfs/x86_64
#              python3 /tmp/.w/SCRIPT ARGS
#            in a private mount namespace (unshare -m) with a fresh tmpfs on
#            the rootfs's /tmp (the script and the CSV are copied into
#            /tmp/.w; the PNG is written there and copied out), a tmpfs /dev
#            with null, zero, full, random and urandom bound from the host,
#            and proc on /proc.  Needs root.
#   riscv64  env -i PATH=... HOME=WORK/home LANG=C.UTF-8 qemu-riscv64
#              -L .deps/rootfs/riscv64 .deps/rootfs/riscv64/usr/bin/python3
#              tests/datasci/SCRIPT HOST-PATHS
#            (the host paths of the CSV and the output are outside the
#            rootfs, so qemu-user opens them on the host; WORK/home is a
#            copy of the rootfs's /root: -L does not apply to mkdir, so
#            matplotlib would make its directories in the host's /root).
#   vmrun    $VMRUN --arch ARCH --rootfs .deps/rootfs/ARCH --report R.json
#              --mount tests/datasci:/w --mount tests/datasci/data:/data
#              [--mount OUT:/out:rw] python3 /w/SCRIPT /data/sales.csv | /out/plot.png
# stdin is /dev/null for all.  VMRUN defaults to BUILD/vmrun, BUILD to
# ./build, the rootfs base to .deps/rootfs (VMRUN_ROOTFS_DIR=DIR overrides).
# VMRUN_FLAGS: extra vmrun options (word-split).  VMRUN_DATASCI_TIMEOUT:
# seconds per run (default 900; riscv64 pandas imports take long under
# emulation).  Exit status: 0 pass, 1 fail.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/driver.sh"
driver_options "run-datasci.sh [--build DIR] [--vmrun PATH] [--keep] ARCH CASE" "$@"
set -- "${driver_args[@]}"
[ $# = 2 ] || driver_usage_error
arch=$1 case=$2
driver_paths "$arch"
timeout_s=${VMRUN_DATASCI_TIMEOUT:-900}
label=datasci.$arch.$case

fail() { echo "FAIL $label: $*"; exit 1; }

case "$arch" in x86_64|riscv64) ;; *) fail "unknown arch '$arch'" ;; esac
case "$case" in
  pandas) script=pandas_groupby.py ;;
  plot) script=plot_png.py ;;
  *) fail "unknown case '$case' (pandas or plot)" ;;
esac
data=$here/data
[ -x "$vmrun" ] || fail "vmrun not found at $vmrun (build it, or set VMRUN)"
[ -d "$rootfs" ] || fail "rootfs $rootfs missing (run scripts/setup.sh)"
[ -d "$rootfs/usr/lib/python3/dist-packages/pandas" ] \
  || fail "no pandas in $rootfs (an older rootfs: run scripts/setup.sh)"

work=$(mktemp -d "${TMPDIR:-/tmp}/vmrun-datasci.XXXXXX")
if [ $keep = 0 ]; then trap 'rm -rf "$work"' EXIT; fi
mkdir "$work/ref-out" "$work/vm-out"
env_clean=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)

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

# ---- the reference ---------------------------------------------------------
if [ "$arch" = x86_64 ]; then
  [ "$(id -u)" = 0 ] || fail "the x86_64 reference needs chroot and unshare, i.e. root -- counted as a failure on purpose"
  # In the namespace: $1 rootfs, $2 script, $3 CSV, $4 host output dir,
  # then the command; the PNG (if any) is copied out after it ran.
  ref_setup='
r=$1 s=$2 csv=$3 out=$4; shift 4
ulimit -c 0
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp" || exit 125
mount -t tmpfs -o mode=755 tmpfs "$r/dev" || exit 125
for d in null zero full random urandom; do
  : > "$r/dev/$d" && mount --bind "/dev/$d" "$r/dev/$d" || exit 125
done
ln -s /proc/self/fd "$r/dev/fd"; ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
mkdir "$r/dev/pts" "$r/dev/shm"
mount -t proc proc "$r/proc" 2>/dev/null || true
mkdir "$r/tmp/.w" && cp "$s" "$csv" "$r/tmp/.w/" || exit 125
"$@"
rc=$?
if [ -f "$r/tmp/.w/plot.png" ]; then cp "$r/tmp/.w/plot.png" "$out/" || exit 125; fi
exit $rc'
  case "$case" in
    pandas) args=(/tmp/.w/sales.csv) ;;
    plot) args=(/tmp/.w/plot.png) ;;
  esac
  run ref unshare -m --propagation private sh -c "$ref_setup" ref-setup \
    "$ref_rootfs" "$here/$script" "$data/sales.csv" "$work/ref-out" \
    "${env_clean[@]}" chroot "$ref_rootfs" python3 "/tmp/.w/$script" "${args[@]}"
  if [ "$(cat "$work/ref.rc")" = 125 ]; then
    cat "$work/ref.err"
    fail "could not set up the reference's mount namespace (needs root with CAP_SYS_ADMIN)"
  fi
  ref_desc="chroot $ref_rootfs python3 /tmp/.w/$script ${args[*]} (private /tmp, /dev, /proc)"
else
  q=$(command -v qemu-riscv64) || fail "no qemu-riscv64 for the reference (apt-get install qemu-user)"
  py=$(readlink "$rootfs/usr/bin/python3")
  case "$case" in
    pandas) args=("$data/sales.csv") ;;
    plot) args=("$work/ref-out/plot.png") ;;
  esac
  # HOME: a copy of the rootfs's /root (matplotlib's pre-built font cache
  # and config directory), because qemu-user makes directories on the host
  # (mkdir is not redirected into -L) and matplotlib makes its own in HOME.
  cp -a "$rootfs/root" "$work/home" || fail "cannot copy $rootfs/root"
  run ref "${env_clean[@]}" HOME="$work/home" "$q" -L "$rootfs" "$rootfs/usr/bin/$py" "$here/$script" "${args[@]}"
  ref_desc="HOME=$work/home qemu-riscv64 -L $rootfs $rootfs/usr/bin/$py $here/$script ${args[*]}"
fi

# ---- vmrun -----------------------------------------------------------------
data_sum=$(cd "$data" && find . -type f -exec sha256sum {} + | sort | sha256sum)
vm_cmd=("$vmrun" ${VMRUN_FLAGS:-} --arch "$arch" --rootfs "$rootfs" --report "$work/vm.json"
  --mount "$here:/w" --mount "$data:/data")
case "$case" in
  pandas) vm_cmd+=(python3 "/w/$script" /data/sales.csv) ;;
  plot) vm_cmd+=(--mount "$work/vm-out:/out:rw" python3 "/w/$script" /out/plot.png) ;;
esac
run vm "${vm_cmd[@]}"

# ---- checks ----------------------------------------------------------------
status=0
problem() { echo "--- $*"; status=1; }
for part in out err rc; do
  if ! cmp -s "$work/ref.$part" "$work/vm.$part"; then
    case $part in out) what=stdout ;; err) what=stderr ;; rc) what="exit status" ;; esac
    problem "$what differs (reference vs vmrun):"
    diff -u --label "reference $what" --label "vmrun $what" "$work/ref.$part" "$work/vm.$part" | head -n 100
  fi
done
[ "$(cat "$work/ref.rc")" = 0 ] || { problem "the reference exited $(cat "$work/ref.rc"):"; head -n 20 "$work/ref.err"; }
[ "$(cat "$work/vm.rc")" = 0 ] || { problem "vmrun exited $(cat "$work/vm.rc"):"; head -n 20 "$work/vm.err"; }
[ "$(cd "$data" && find . -type f -exec sha256sum {} + | sort | sha256sum)" = "$data_sum" ] \
  || problem "the read-only data directory $data changed"

# png_check FILE WHO: signature, IHDR size, file size.
png_check() {
  local f=$1 who=$2 sig w h size
  [ -f "$f" ] || { problem "$who wrote no PNG ($f)"; return; }
  sig=$(od -An -tx1 -N8 "$f" | tr -d ' \n')
  [ "$sig" = 89504e470d0a1a0a ] || problem "$who's file does not start with the PNG signature ($sig)"
  # The first chunk: length 13, "IHDR", width, height (big-endian).
  [ "$(od -An -tx1 -j12 -N4 "$f" | tr -d ' \n')" = 49484452 ] || problem "$who's PNG does not start with IHDR"
  w=$(od -An -tu4 --endian=big -j16 -N4 "$f" | tr -d ' ')
  h=$(od -An -tu4 --endian=big -j20 -N4 "$f" | tr -d ' ')
  [ "$w" = 640 ] && [ "$h" = 480 ] || problem "$who's PNG is ${w}x${h}, not 640x480"
  size=$(stat -c %s "$f")
  [ "$size" -ge 10000 ] && [ "$size" -le 1000000 ] || problem "$who's PNG has $size bytes"
  png_desc="${w}x${h}, $size bytes"
}
case "$case" in
  pandas)
    [ "$(tail -n 1 "$work/vm.out" | cut -d' ' -f1-2)" = "total revenue" ] \
      || problem "vmrun's output does not end with the total revenue"
    ;;
  plot)
    png_check "$work/ref-out/plot.png" reference
    png_check "$work/vm-out/plot.png" vmrun
    if [ -f "$work/ref-out/plot.png" ] && [ -f "$work/vm-out/plot.png" ]; then
      cmp -s "$work/ref-out/plot.png" "$work/vm-out/plot.png" \
        || problem "the PNG vmrun wrote differs from the reference's ($(cmp "$work/ref-out/plot.png" "$work/vm-out/plot.png" 2>&1 | head -1))"
    fi
    ;;
esac

insns=$(sed -n 's/^ *"instructions": *\([0-9]*\).*/\1/p' "$work/vm.json" 2>/dev/null | head -1)
[ $keep = 1 ] && echo "outputs kept in $work"
if [ $status = 0 ]; then
  extra=""
  [ "$case" = plot ] && extra=", PNG $png_desc identical"
  echo "PASS $label ($(wc -l < "$work/vm.out") lines stdout$extra, ${insns:-?} guest instructions)"
else
  echo "reference: $ref_desc"
  echo "vmrun:     ${vm_cmd[*]}"
  echo "FAIL $label"
fi
exit $status
