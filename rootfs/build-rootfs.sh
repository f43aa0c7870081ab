#!/usr/bin/env bash
# Build vmrun's default root filesystem for one guest architecture.
#
#   rootfs/build-rootfs.sh [--force] ARCH [DEST]
#
# ARCH is x86_64 (Debian 12 bookworm, amd64) or riscv64 (Debian 13 trixie,
# riscv64).  DEST defaults to .deps/rootfs/ARCH.  Packages come from Debian's
# archive through scripts/debian-fetch.sh, with a private apt state under
# .deps/apt-SUITE-DEBARCH (the system's apt state is never touched).
#
# The tree is built in a temporary directory beside DEST and renamed into
# place, so an interrupted run never leaves a half-built rootfs.  A stamp file
# (DEST's parent/.ARCH.stamp) records the recipe (a hash of this script and
# the package list); a second run with the same recipe does nothing.
set -euo pipefail

# Bump to force a rebuild even when nothing else in the recipe changed.
RECIPE_VERSION=2

force=0
if [ "${1:-}" = --force ]; then force=1; shift; fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 [--force] x86_64|riscv64 [DEST]" >&2
  exit 2
fi
arch=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
dest=${2:-$top/.deps/rootfs/$arch}

case "$arch" in
  x86_64)  suite=bookworm debarch=amd64;   runner=() ;;
  riscv64) suite=trixie   debarch=riscv64; runner=(qemu-riscv64) ;;
  *) echo "build-rootfs: unknown arch '$arch' (want x86_64 or riscv64)" >&2; exit 2 ;;
esac

# The Debian packages unpacked into the rootfs, with their dependencies
# (debian-fetch.sh --with-depends), except those of EXCLUDE, which only
# dpkg's maintainer scripts need (busybox provides awk).
PACKAGES=(
  busybox-static   # the shell and core utilities (statically linked)
  base-files       # /etc/os-release, /etc/debian_version, base directories
)
# Python 3 with its standard library: python3 is Debian's default version
# (3.11 in bookworm, 3.13 in trixie) and provides the /usr/bin/python3 link;
# the shared libraries (libc6, libssl3, libffi8, ...) come as dependencies.
case "$arch" in
  x86_64)  pyver=3.11 ;;
  riscv64) pyver=3.13 ;;
esac
PYTHON_PACKAGES=(python3 "python$pyver" "python$pyver-minimal" "libpython$pyver-minimal" "libpython$pyver-stdlib")
EXCLUDE=(dpkg debconf debconf-2.0 perl-base init-system-helpers install-info awk)

all_packages=("${PACKAGES[@]}" "${PYTHON_PACKAGES[@]}")
recipe="recipe=$RECIPE_VERSION arch=$arch suite=$suite debarch=$debarch packages=${all_packages[*]} exclude=${EXCLUDE[*]} script=$(sha256sum "$0" | cut -d' ' -f1) compile=$(sha256sum "$here/compile-python.py" | cut -d' ' -f1)"

parent=$(dirname "$dest")
name=$(basename "$dest")
mkdir -p "$parent"
parent=$(cd "$parent" && pwd)
dest=$parent/$name
stamp=$parent/.$name.stamp

if [ $force = 0 ] && [ -d "$dest" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ]; then
  echo "rootfs $arch: up to date ($dest)"
  exit 0
fi

echo "rootfs $arch: building $dest from Debian $suite/$debarch (${all_packages[*]})"

# Leftovers of interrupted runs.
rm -rf "$parent/.$name.tmp."* "$parent/.$name.old."*
tmp=$parent/.$name.tmp.$$
old=$parent/.$name.old.$$
cleanup() { rm -rf "$tmp" "$old"; }
trap cleanup EXIT
mkdir -p "$tmp"

state=$top/.deps/apt-$suite-$debarch
exclude_list=${EXCLUDE[*]}
bash "$top/scripts/debian-fetch.sh" --with-depends --exclude "${exclude_list// /,}" \
  "$suite" "$debarch" "$state" "$tmp" "${all_packages[@]}" \
  || { echo "build-rootfs: downloading the $arch packages failed" >&2; exit 1; }
cd "$tmp"

# Merged /usr, created here for both suites so the layout is the same
# (bookworm's packages still ship files under /bin, /sbin, /lib).
merge_dirs=(bin sbin lib)
[ "$arch" = x86_64 ] && merge_dirs+=(lib64)
for d in "${merge_dirs[@]}"; do
  mkdir -p "usr/$d"
  if [ -d "$d" ] && [ ! -L "$d" ]; then
    # Move the contents into usr/$d (a file already there wins).
    cp -an "$d/." "usr/$d/"
    rm -rf "$d"
  fi
  if [ ! -L "$d" ]; then
    ln -s "usr/$d" "$d"
  fi
done

# in_root PATH: PATH (absolute, in the guest) with every symlink resolved
# against the guest root (the current directory), as the guest sees it;
# fails if it does not exist there.
in_root() {
  local path=${1#/} done="" comp link hops=0
  while [ -n "$path" ]; do
    comp=${path%%/*}
    if [ "$comp" = "$path" ]; then path=""; else path=${path#*/}; fi
    case "$comp" in
      ""|.) continue ;;
      ..) done=${done%/*}; continue ;;
    esac
    if [ -L ".$done/$comp" ]; then
      hops=$((hops + 1)); [ $hops -le 40 ] || return 1
      link=$(readlink ".$done/$comp")
      case "$link" in /*) done="" ;; esac
      path=${link#/}${path:+/$path}
    else
      [ -e ".$done/$comp" ] || return 1
      done=$done/$comp
    fi
  done
  echo "${done:-/}"
}
case "$arch" in
  x86_64)  interp=/lib64/ld-linux-x86-64.so.2 ;;
  riscv64) interp=/lib/ld-linux-riscv64-lp64d.so.1 ;;
esac
for f in "$interp" /usr/bin/python3 /bin/python3; do
  r=$(in_root "$f") && [ -f ".$r" ] \
    || { echo "build-rootfs: $f does not resolve to a file in the rootfs" >&2; exit 1; }
  echo "rootfs $arch: $f -> $r"
done

# Busybox applet links: every applet of the binary's own --list-full, as an
# absolute symlink to /bin/busybox (vmrun resolves it against the guest root).
bb=usr/bin/busybox
[ -f "$bb" ] || { echo "build-rootfs: no busybox binary in the packages" >&2; exit 1; }
applets=$("${runner[@]}" "./$bb" --list-full)
n=0
for a in $applets; do
  a=${a#/}
  if [ -e "$a" ] || [ -L "$a" ]; then continue; fi   # keep real files
  mkdir -p "$(dirname "$a")"
  ln -s /bin/busybox "$a"
  n=$((n + 1))
done
echo "rootfs $arch: $n busybox applet links"

# The standard library byte-compiled, as Debian's postinst would (why:
# rootfs/compile-python.py), by the guest's own python under qemu-user.
# -I: no environment variables, no user site; SOURCE_DATE_EPOCH would
# switch py_compile to hash-based pycs.
env -u SOURCE_DATE_EPOCH "qemu-$arch" -L "$tmp" "$tmp/usr/bin/python$pyver" -I \
  "$top/rootfs/compile-python.py" "$tmp" "/usr/lib/python$pyver" \
  | sed "s/^/rootfs $arch: python$pyver: /" \
  || { echo "build-rootfs: byte-compiling python$pyver's standard library failed" >&2; exit 1; }

# Users, groups and the basic /etc files.
mkdir -p etc
cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > etc/group <<'EOF'
root:x:0:
users:x:100:user
user:x:1000:
nogroup:x:65534:
EOF
echo vmrun > etc/hostname
cat > etc/hosts <<'EOF'
127.0.0.1	localhost
127.0.1.1	vmrun
::1		localhost ip6-localhost ip6-loopback
EOF
cat > etc/profile <<'EOF'
# /etc/profile: vmrun's default rootfs.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=${HOME:-/root}
if [ "$(id -u 2>/dev/null)" = 0 ]; then PS1='\h:\w# '; else PS1='\h:\w$ '; fi
export PATH HOME PS1
for i in /etc/profile.d/*.sh; do
  [ -r "$i" ] && . "$i"
done
unset i
EOF
chmod 0644 etc/passwd etc/group etc/hostname etc/hosts etc/profile

# Home directories, /tmp, and empty mount points for the synthetic /dev and
# /proc (vmrun provides their contents).
mkdir -p root home/user tmp dev proc
chmod 0700 root
chmod 0755 home/user
if [ "$(id -u)" = 0 ]; then chown 1000:1000 home/user; fi
chmod 1777 tmp
find dev proc tmp -mindepth 1 -delete

cd "$parent"
# Swap the new tree into place: rename(2) cannot replace a non-empty
# directory, so the old one is moved aside first; the stamp is written last,
# so an interruption between the renames just causes a rebuild next time.
rm -f "$stamp"
if [ -e "$dest" ] || [ -L "$dest" ]; then mv "$dest" "$old"; fi
mv "$tmp" "$dest"
printf '%s\n' "$recipe" > "$stamp"
echo "rootfs $arch: done ($dest)"
