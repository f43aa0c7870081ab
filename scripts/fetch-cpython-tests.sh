#!/usr/bin/env bash
# Download CPython's own regression test suite for one guest architecture,
# matching the python3 of the default root filesystem, for tests/cpython.
#
#   scripts/fetch-cpython-tests.sh [--force] ARCH [DEST]
#
# ARCH is x86_64 (Debian 12 bookworm amd64, python 3.11) or riscv64
# (Debian 13 trixie riscv64, python 3.13).  DEST defaults to
# .deps/cpython-tests/ARCH.  The packages come through
# scripts/debian-fetch.sh with the same private apt state as
# rootfs/build-rootfs.sh (.deps/apt-SUITE-DEBARCH), so their version is the
# rootfs's one and a second download is rarely needed.
#
# Result: DEST/usr/lib/python3.X/test, the complete `test` package:
# Debian's libpython3.X-testsuite (the test modules and their data) merged
# with the few files of it that libpython3.X-stdlib ships (test/__init__.py,
# test/support, test/libregrtest, ...; the rootfs has only these).  It is
# shown to the guest at run time, so the default rootfs stays small:
#
#   vmrun --mount DEST/usr/lib/python3.X/test:/usr/lib/python3.X/test python3 -m test ...
#
# The C test modules (_testcapi, ...) are already in the rootfs's
# lib-dynload (libpython3.X-stdlib).  The tree is built beside DEST and
# renamed into place (an interrupted run leaves no half tree); a stamp file
# (DEST's parent/.ARCH.stamp) records the recipe, and a second run with the
# same recipe does nothing.
set -euo pipefail

RECIPE_VERSION=1

force=0
if [ "${1:-}" = --force ]; then force=1; shift; fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 [--force] x86_64|riscv64 [DEST]" >&2
  exit 2
fi
arch=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
dest=${2:-$top/.deps/cpython-tests/$arch}

case "$arch" in
  x86_64)  suite=bookworm debarch=amd64   pyver=3.11 ;;
  riscv64) suite=trixie   debarch=riscv64 pyver=3.13 ;;
  *) echo "fetch-cpython-tests: unknown arch '$arch' (want x86_64 or riscv64)" >&2; exit 2 ;;
esac
packages=("libpython$pyver-testsuite" "libpython$pyver-stdlib")
recipe="recipe=$RECIPE_VERSION arch=$arch suite=$suite debarch=$debarch packages=${packages[*]} script=$(sha256sum "$0" | cut -d' ' -f1)"

parent=$(dirname "$dest")
name=$(basename "$dest")
mkdir -p "$parent"
parent=$(cd "$parent" && pwd)
dest=$parent/$name
stamp=$parent/.$name.stamp
testdir=usr/lib/python$pyver/test

if [ $force = 0 ] && [ -d "$dest/$testdir" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ]; then
  echo "cpython tests $arch: up to date ($dest/$testdir)"
  exit 0
fi
echo "cpython tests $arch: fetching ${packages[*]} from Debian $suite/$debarch into $dest"

rm -rf "$parent/.$name.tmp."* "$parent/.$name.old."*
tmp=$parent/.$name.tmp.$$
old=$parent/.$name.old.$$
cleanup() { rm -rf "$tmp" "$old"; }
trap cleanup EXIT
mkdir -p "$tmp/unpack"

bash "$here/debian-fetch.sh" "$suite" "$debarch" "$top/.deps/apt-$suite-$debarch" "$tmp/unpack" "${packages[@]}"
[ -f "$tmp/unpack/$testdir/__init__.py" ] && [ -d "$tmp/unpack/$testdir/libregrtest" ] \
  && [ -f "$tmp/unpack/$testdir/test_json/__init__.py" ] \
  || { echo "fetch-cpython-tests: $testdir incomplete after unpacking ${packages[*]}" >&2; exit 1; }

# Keep the test package only (the rest of the stdlib is in the rootfs).
mkdir -p "$tmp/tree/$(dirname "$testdir")"
mv "$tmp/unpack/$testdir" "$tmp/tree/$testdir"
rm -rf "$tmp/unpack"
# Precompiled bytecode is not shipped and the mount is read-only in the
# guest: nothing else to prepare.

rm -f "$stamp"
if [ -e "$dest" ]; then mv "$dest" "$old"; fi
mv "$tmp/tree" "$dest"
echo "$recipe" > "$stamp"
echo "cpython tests $arch: $(find "$dest/$testdir" -name 'test_*.py' | wc -l) test files in $dest/$testdir"
