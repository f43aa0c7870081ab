#!/usr/bin/env bash
# Build vmrun's default root filesystem for one guest architecture.
#
#   rootfs/build-rootfs.sh [--force] [--with PKG[,PKG...]]... ARCH [DEST]
#
# ARCH is x86_64 (Debian 12 bookworm, amd64) or riscv64 (Debian 13 trixie,
# riscv64).  DEST defaults to .deps/rootfs/ARCH.  Packages come from Debian's
# archive through scripts/debian-fetch.sh, with a private apt state under
# .deps/apt-SUITE-DEBARCH (the system's apt state is never touched).
#
# Contents: busybox (the shell and core utilities, with an applet link for
# each), python3 with its standard library, tzdata, and the data-science
# packages python3-numpy, python3-pandas and python3-matplotlib, with their
# dependencies (the lists and what is left out: PACKAGES and EXCLUDE below).
# matplotlib draws with the Agg backend (/etc/matplotlibrc says `backend:
# Agg`; PNG output, no display needed) and its DejaVu fonts.  All Python
# modules are byte-compiled (rootfs/compile-python.py) and matplotlib's font
# list cache is pre-built for HOME=/root (rootfs/matplotlib-fontcache.py),
# so a guest run does not redo either in its throw-away upper layer.  The
# largest test suites (pandas', matplotlib's, mpl_toolkits') are removed:
# nothing else imports them and pytest is not in the rootfs.  Packages are
# unpacked, not installed (dpkg -x: no maintainer script runs); what their
# scripts would do that matters here is done below: the BLAS and LAPACK
# alternative links, the byte-compiling.
#
# Adding other Debian packages: --with PKG (repeatable, or comma-separated),
# e.g. `rootfs/build-rootfs.sh --with python3-sympy riscv64`, or the
# environment variable VMRUN_ROOTFS_WITH="PKG PKG..." (joins --with's).
# scripts/setup.sh runs this script without options, so export
# VMRUN_ROOTFS_WITH for it to keep the packages; otherwise it rebuilds the
# default rootfs.  PKG is a binary package of the arch's suite (look it up
# with `apt-cache -c .deps/apt-SUITE-DEBARCH/apt.conf show PKG`).  Its
# dependencies come along, except those EXCLUDE names (GUI toolkits,
# maintainer-script tools, fonttools' optional helpers): name such a
# package with --with too if it is needed, e.g. `--with
# python3-openpyxl,python3-lxml`.  Modules under
# /usr/lib/python3/dist-packages are byte-compiled like the rest.  A package
# that needs its maintainer scripts to work needs a step of its own here.
# The extra packages are part of the recipe (the stamp), so changing them
# rebuilds the tree.
#
# The tree is built in a temporary directory beside DEST and renamed into
# place, so an interrupted run never leaves a half-built rootfs.  A stamp file
# (DEST's parent/.ARCH.stamp) records the recipe (a hash of this script and
# its helpers, and the package lists); a second run with the same recipe
# does nothing.
set -euo pipefail

# Bump to force a rebuild even when nothing else in the recipe changed.
RECIPE_VERSION=4

usage() {
  echo "usage: $0 [--force] [--with PKG[,PKG...]]... x86_64|riscv64 [DEST]" >&2
  exit 2
}
force=0
extra=()
# add_extra LIST: package names separated by commas or blanks.
add_extra() {
  local p
  for p in ${1//,/ }; do
    [[ $p =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || { echo "build-rootfs: '$p' is not a Debian package name" >&2; exit 2; }
    [[ " ${extra[*]} " == *" $p "* ]] || extra+=("$p")
  done
}
add_extra "${VMRUN_ROOTFS_WITH:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1; shift ;;
    --with) [ $# -ge 2 ] || usage; add_extra "$2"; shift 2 ;;
    --with=*) add_extra "${1#--with=}"; shift ;;
    --) shift; break ;;
    -*) echo "build-rootfs: unknown option '$1'" >&2; usage ;;
    *) break ;;
  esac
done
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
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
# (debian-fetch.sh --with-depends): a dependency group (`a | b`) naming a
# package of EXCLUDE is left out; a package named here or with --with is
# fetched even if EXCLUDE lists it.
PACKAGES=(
  busybox-static   # the shell and core utilities (statically linked)
  base-files       # /etc/os-release, /etc/debian_version, base directories
  tzdata           # /usr/share/zoneinfo (zoneinfo, pandas, dateutil)
  netbase          # /etc/services, /etc/protocols, /etc/rpc (getservbyname, getaddrinfo with a service name)
  libc-bin         # ldconfig and /etc/ld.so.conf (the cache below; ctypes.util.find_library), getent, getconf, locale
)
# Python 3 with its standard library: python3 is Debian's default version
# (3.11 in bookworm, 3.13 in trixie) and provides the /usr/bin/python3 link;
# the shared libraries (libc6, libssl3, libffi8, ...) come as dependencies.
case "$arch" in
  x86_64)  pyver=3.11 ;;
  riscv64) pyver=3.13 ;;
esac
PYTHON_PACKAGES=(python3 "python$pyver" "python$pyver-minimal" "libpython$pyver-minimal" "libpython$pyver-stdlib")
# What a code interpreter is expected to have: numpy (bookworm 1.24, trixie
# 2.2; reference BLAS/LAPACK: libblas3, liblapack3), pandas (1.5 / 2.2) and
# matplotlib (3.6 / 3.10) with Pillow, FreeType, fonts-dejavu-core and
# fonts-lyx (mathtext).
DATASCI_PACKAGES=(python3-numpy python3-pandas python3-matplotlib)
EXCLUDE=(
  # only dpkg's maintainer scripts need these (busybox provides awk)
  dpkg debconf debconf-2.0 perl-base init-system-helpers install-info awk
  # GUI toolkits: matplotlib's TkAgg backend (python3-pil.imagetk pulls in
  # Tk, X11 and fontconfig) and its WebAgg backend's JavaScript
  python3-pil.imagetk python3-tk libjs-jquery libjs-jquery-ui
  # fonttools' optional helpers (WOFF compression, UFO, the scipy/sympy
  # based pen tools); matplotlib uses fonttools to subset fonts for PDF and
  # PS output, which works without them.  (bookworm's python3-scipy would
  # also bring a C++ toolchain, through python3-pythran.)
  python3-brotli python3-fs python3-lxml python3-lz4 python3-scipy
  python3-sympy python3-ufolib2 python3-unicodedata2 python3-zopfli unicode-data
)
# Removed after unpacking (paths under /usr/lib/python3/dist-packages): the
# largest test suites (pandas 14-15 MB, matplotlib 2-42 MB, mpl_toolkits
# 4-5 MB), which need pytest (not in the rootfs) and which nothing but
# pandas.test() and matplotlib.test() imports.  numpy's stay:
# numpy.testing imports from numpy/_core/tests.
TEST_SUITES=(pandas/tests matplotlib/tests mpl_toolkits/tests 'mpl_toolkits/*/tests')

all_packages=("${PACKAGES[@]}" "${PYTHON_PACKAGES[@]}" "${DATASCI_PACKAGES[@]}" "${extra[@]}")
helpers=$(cat "$here/compile-python.py" "$here/matplotlib-fontcache.py" | sha256sum | cut -d' ' -f1)
recipe="recipe=$RECIPE_VERSION arch=$arch suite=$suite debarch=$debarch packages=${all_packages[*]} exclude=${EXCLUDE[*]} script=$(sha256sum "$0" | cut -d' ' -f1) helpers=$helpers"

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
rm -rf "$parent/.$name.tmp."* "$parent/.$name.old."* "$parent/.$name.mpl."*
tmp=$parent/.$name.tmp.$$
old=$parent/.$name.old.$$
scratch=$parent/.$name.mpl.$$
cleanup() { rm -rf "$tmp" "$old" "$scratch"; }
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

# Python modules that are absolute symlinks (sitecustomize.py ->
# /etc/python3.X/sitecustomize.py) become relative ones: the same file for
# the guest, but qemu-user (the tests' and benchmarks' references) has the
# host resolve an absolute link, to the host's own file, which (x86-64) has
# another mtime: a qemu-user python run rewrote the .pyc in the tree, and
# the next vmrun run found it stale and compiled the module again.
while IFS= read -r l; do
  t=$(readlink "$l")
  ln -sfn "$(realpath -s -m --relative-to="/$(dirname "$l")" "$t")" "$l"
  echo "rootfs $arch: /$l -> $(readlink "$l")"
done < <(find usr/lib/python3* -type l -name '*.py' -lname '/*')

# BLAS and LAPACK: libblas3's and liblapack3's postinst register
# libblas.so.3 and liblapack.so.3 with update-alternatives, which dpkg -x
# does not run.  Each link goes to the implementation in the tree with the
# highest priority of Debian's: OpenBLAS (libopenblas0-pthread, 100; only if
# added with --with) over the reference one (libblas3/liblapack3, 10).
triplet=$arch-linux-gnu
for lib in libblas.so.3:blas liblapack.so.3:lapack libopenblas.so.0:; do
  so=${lib%%:*} ref=${lib#*:}
  link=usr/lib/$triplet/$so
  if [ -e "$link" ] || [ -L "$link" ]; then continue; fi
  for impl in openblas-pthread $ref; do
    if [ -n "$impl" ] && [ -f "usr/lib/$triplet/$impl/$so" ]; then
      ln -s "$impl/$so" "$link"
      echo "rootfs $arch: /$link -> $impl/$so"
      break
    fi
  done
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

# The packages' largest test suites (TEST_SUITES above).
site=usr/lib/python3/dist-packages
for t in "${TEST_SUITES[@]}"; do
  for d in $site/$t; do
    if [ -d "$d" ]; then rm -rf "$d"; echo "rootfs $arch: removed /$d"; fi
  done
done

# bookworm's python3-matplotlib ships matplotlib-3.6.3-nspkg.pth, a
# setuptools namespace-package hook for mpl_toolkits that site.py runs at
# every interpreter start: each python3, matplotlib or not, imports
# importlib.util and with it contextlib, collections, functools, ...
# (x86-64 `python3 -c pass` under vmrun: 41.5 M guest instructions with it,
# 26.7 M without).  mpl_toolkits has an __init__.py, so it imports without
# the hook.
for f in $site/matplotlib-*-nspkg.pth; do
  if [ -f "$f" ] && [ -f "$site/mpl_toolkits/__init__.py" ]; then rm "$f"; echo "rootfs $arch: removed /$f"; fi
done

# matplotlib's backend: Agg (PNG files, no display).  Debian's
# /etc/matplotlibrc names TkAgg (bookworm) or none (trixie: matplotlib then
# tries the GUI toolkits one by one, none of which is here).
if [ -f etc/matplotlibrc ]; then
  sed -i -E 's/^#{0,2}backend[[:space:]]*:.*/backend: Agg/' etc/matplotlibrc
  [ "$(grep -cE '^backend[[:space:]]*:' etc/matplotlibrc)" = 1 ] && grep -qx 'backend: Agg' etc/matplotlibrc \
    || { echo "build-rootfs: cannot set the Agg backend in /etc/matplotlibrc" >&2; exit 1; }
  echo "rootfs $arch: /etc/matplotlibrc: backend: Agg"
fi

# Every Python module byte-compiled, as Debian's postinst would (why:
# rootfs/compile-python.py), by the guest's own python under qemu-user.
# -I: no environment variables, no user site; SOURCE_DATE_EPOCH would
# switch py_compile to hash-based pycs.
env -u SOURCE_DATE_EPOCH "qemu-$arch" -L "$tmp" "$tmp/usr/bin/python$pyver" -I \
  "$top/rootfs/compile-python.py" "$tmp" "/usr/lib/python$pyver" /usr/lib/python3/dist-packages \
  | sed "s/^/rootfs $arch: python$pyver: /" \
  || { echo "build-rootfs: byte-compiling the Python modules failed" >&2; exit 1; }

# matplotlib's font list cache for HOME=/root (why and how:
# rootfs/matplotlib-fontcache.py).  -B: the modules are compiled already,
# and a .pyc python wrote itself would record the host path of its source.
if [ -d "$site/matplotlib" ]; then
  mkdir -p "$scratch"
  qemu=$(command -v "qemu-$arch") || { echo "build-rootfs: no qemu-$arch" >&2; exit 1; }
  env -i PATH=/nonexistent HOME=/root MPLCONFIGDIR="$scratch" \
    "$qemu" -L "$tmp" "$tmp/usr/bin/python$pyver" -I -B \
    "$top/rootfs/matplotlib-fontcache.py" "$tmp" /root/.cache/matplotlib \
    | sed "s/^/rootfs $arch: matplotlib font cache: /" \
    || { echo "build-rootfs: building matplotlib's font cache failed" >&2; exit 1; }
  rm -rf "$scratch"
  # Its config directory too, which it creates if missing (in the upper
  # layer, on every run).
  mkdir -p root/.config/matplotlib
fi

# The dynamic linker's cache, /etc/ld.so.cache, which libc-bin's trigger
# writes on a Debian install: `ldconfig -p` lists it, and
# ctypes.util.find_library("c") parses that list. The rootfs's own ldconfig
# runs under qemu-user with the tree as its -L prefix, so it reads the
# rootfs's configuration and libraries. qemu sends an absolute path into
# the tree only when it exists there: -C puts the cache in the scratch
# directory (outside the tree), and the auxiliary cache ldconfig writes
# even with -i goes to files created in the tree first, never to the
# host's /var/cache/ldconfig. -X: the packages' symlinks stay as they are.
mkdir -p "$scratch" var/cache/ldconfig
: > var/cache/ldconfig/aux-cache
: > var/cache/ldconfig/aux-cache~
qemu=$(command -v "qemu-$arch") || { echo "build-rootfs: no qemu-$arch" >&2; exit 1; }
"$qemu" -L "$tmp" "$tmp/sbin/ldconfig" -i -X -C "$scratch/ld.so.cache" \
  || { echo "build-rootfs: ldconfig failed" >&2; exit 1; }
install -m 0644 "$scratch/ld.so.cache" etc/ld.so.cache
rm -f var/cache/ldconfig/aux-cache var/cache/ldconfig/aux-cache~
rm -rf "$scratch"
echo "rootfs $arch: /etc/ld.so.cache: $("$qemu" -L "$tmp" "$tmp/sbin/ldconfig" -p -C etc/ld.so.cache | head -n 1)"

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
# Name-service sources as on a Debian install (libc-bin writes this file in
# its maintainer script, which is not run here): files first, then DNS,
# which has no server in the sandbox.
cat > etc/nsswitch.conf <<'EOF'
passwd:         files
group:          files
shadow:         files
gshadow:        files
hosts:          files dns
networks:       files
protocols:      db files
services:       db files
ethers:         db files
rpc:            db files
netgroup:       nis
EOF
chmod 0644 etc/passwd etc/group etc/hostname etc/hosts etc/profile etc/nsswitch.conf

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
