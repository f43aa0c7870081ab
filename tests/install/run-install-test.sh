#!/usr/bin/env bash
# vmrun used from outside its build, the ways docs/LIBRARY.md shows.
#
#   run-install-test.sh --build BUILD --unicorn-dir DIR [--cmake CMAKE] [--cxx CXX] [--bundled] MODE
#
# BUILD is a configured and built vmrun build directory, DIR the directory
# of the libunicorn.so.2 it was built with; --bundled says it was
# configured with VMRUN_BUNDLE_UNICORN=ON (the default: the install has its
# own copy; without, the installed files point at DIR). MODE:
#
#   prefix            cmake --install BUILD --prefix BUILD/install-test/prefix;
#                     checks the installed tree (public headers only, the
#                     library, package files, Unicorn) and runs the
#                     installed CLI against the default rootfs
#   find_package      configures tests/install/consumer with
#                     CMAKE_PREFIX_PATH=the prefix (find_package(vmrun)) and
#                     builds examples/embed.cpp
#   pkg_config        builds examples/embed.cpp with CXX and
#                     `pkg-config --cflags --libs vmrun` (PKG_CONFIG_PATH)
#   add_subdirectory  configures tests/install/consumer, which does
#                     add_subdirectory(vmrun); builds the library, the CLI
#                     and embed
#
# find_package and pkg_config need the prefix that `prefix` installs. The
# embed programs built are run on .deps/rootfs/x86_64 and their output
# checked; nothing they use may come from the source or build tree except
# examples/embed.cpp itself, the rootfs (data) and, without --bundled,
# Unicorn. Builds use VMRUN_INSTALL_TEST_JOBS jobs (default 2).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build="" unicorn_dir="" cmake=cmake cxx=c++ bundled=0
while [ $# -gt 1 ]; do
  case "$1" in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --unicorn-dir) unicorn_dir=$2; shift 2 ;;
    --cmake) cmake=$2; shift 2 ;;
    --cxx) cxx=$2; shift 2 ;;
    --bundled) bundled=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mode=${1:?usage: run-install-test.sh --build BUILD --unicorn-dir DIR [--cmake CMAKE] [--cxx CXX] [--bundled] MODE}
[ -n "$build" ] && [ -n "$unicorn_dir" ] || { echo "--build and --unicorn-dir are required" >&2; exit 2; }

work=$build/install-test
prefix=$work/prefix
rootfs=$src/.deps/rootfs
embed_src=$src/examples/embed.cpp
jobs=${VMRUN_INSTALL_TEST_JOBS:-2}
# Where installed programs must find Unicorn, and the paths of the source
# or build tree the installed files may name.
if [ $bundled = 1 ]; then
  installed_unicorn=$prefix/lib/vmrun
  tree_paths_allowed=()
else
  installed_unicorn=$unicorn_dir
  tree_paths_allowed=("$unicorn_dir")
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "==> $*"; }

# The library the program loads for Unicorn must be the one in the prefix
# (or, for add_subdirectory, the build's own Unicorn).
check_unicorn_from() {  # BINARY DIR
  local line path
  line=$(ldd "$1" | grep 'libunicorn\.so' || true)
  echo "$1: $line"
  path=$(sed -n 's/.*=> \(.*\) (0x[0-9a-f]*)$/\1/p' <<<"$line")
  [ -n "$path" ] && [ "$(realpath "$path")" = "$(realpath "$2/libunicorn.so.2")" ] ||
    fail "$1 does not load libunicorn.so.2 from $2"
}

# examples/embed.cpp sorts three lines with busybox in the sandbox.
check_embed() {  # BINARY
  local out status=0
  step "run $1 $rootfs/x86_64"
  out=$("$1" "$rootfs/x86_64" 2>&1) || status=$?
  printf '%s\n' "$out"
  [ $status = 0 ] || fail "embed exited with status $status"
  grep -q '^stop reason: exited, exit status 0, ' <<<"$out" || fail "embed: no clean exit reported"
  [ "$(sed -n '/^stdout:$/,$p' <<<"$out")" = $'stdout:\ncherry\nbanana\napple' ] ||
    fail "embed: wrong guest output"
}

# Fails if TEXT names the source or build tree once the paths it may name
# (the prefix, the outside project's build directory, embed.cpp) are taken
# out. (The build tree, and so the prefix, may lie inside the source tree.)
check_no_tree_paths() {  # WHAT TEXT [ALLOWED_PATH...]
  local what=$1 text=$2 p
  shift 2
  for p in "$prefix" "${tree_paths_allowed[@]}" "$@"; do text=${text//"$p"/ALLOWED}; done
  if grep -F -e "$src" -e "$build" <<<"$text"; then
    fail "$what names the source or build tree"
  fi
}

need_prefix() {
  [ -f "$prefix/lib/cmake/vmrun/vmrunConfig.cmake" ] || fail "no installed prefix in $prefix (run mode prefix first)"
}

case "$mode" in
prefix)
  rm -rf "$prefix"
  mkdir -p "$work"
  step "cmake --install $build --prefix $prefix"
  "$cmake" --install "$build" --prefix "$prefix"

  step "installed files"
  for f in bin/vmrun lib/libvmrun.a lib/pkgconfig/vmrun.pc lib/cmake/vmrun/vmrunConfig.cmake \
           lib/cmake/vmrun/vmrunConfigVersion.cmake lib/cmake/vmrun/vmrunTargets.cmake; do
    [ -f "$prefix/$f" ] || fail "$f not installed"
  done
  # Exactly the public headers, nothing from emu/, syscalls/, rootfs/ ...
  want=$(cd "$src/include" && find vmrun -name '*.h' | sort)
  have=$(cd "$prefix/include" && find . -type f | sed 's|^\./||' | sort)
  [ "$want" = "$have" ] || fail "installed headers differ from include/vmrun: $(echo $have)"
  for h in $have; do
    echo "#include <$h>" | "$cxx" -std=c++17 -fsyntax-only -Wall -Wextra -x c++ -I"$prefix/include" - ||
      fail "$h does not compile on its own with the installed include directory"
  done
  # The package files name no path of the source or build tree.
  check_no_tree_paths "the installed package files" \
    "$(cat "$prefix"/lib/cmake/vmrun/*.cmake "$prefix/lib/pkgconfig/vmrun.pc")"
  readelf -d "$prefix/bin/vmrun" | grep -E 'RUNPATH|RPATH'
  if [ $bundled = 1 ]; then
    [ -f "$prefix/lib/vmrun/libunicorn.so.2" ] || fail "lib/vmrun/libunicorn.so.2 not installed"
    readelf -d "$prefix/bin/vmrun" | grep -qE '(RUNPATH|RPATH).*\$ORIGIN/\.\./lib/vmrun' ||
      fail "bin/vmrun has no \$ORIGIN-relative RUNPATH to lib/vmrun"
  else
    [ ! -e "$prefix/lib/vmrun" ] || fail "lib/vmrun installed without VMRUN_BUNDLE_UNICORN"
  fi
  check_unicorn_from "$prefix/bin/vmrun" "$installed_unicorn"
  sed -n '/^Libs:/p;/^Cflags:/p;/^Requires:/p' "$prefix/lib/pkgconfig/vmrun.pc"
  grep -qxF "prefix=$prefix" "$prefix/lib/pkgconfig/vmrun.pc" || fail "vmrun.pc does not name the install prefix"

  step "installed CLI, default rootfs (compiled in)"
  out=$("$prefix/bin/vmrun" /bin/busybox echo installed-cli) || fail "installed vmrun exited with status $?"
  [ "$out" = installed-cli ] || fail "installed vmrun printed '$out'"
  step "installed CLI, VMRUN_ROOTFS_BASE"
  out=$(VMRUN_ROOTFS_BASE=$rootfs "$prefix/bin/vmrun" /bin/busybox echo from-env) ||
    fail "installed vmrun with VMRUN_ROOTFS_BASE exited with status $?"
  [ "$out" = from-env ] || fail "installed vmrun printed '$out'"
  status=0
  VMRUN_ROOTFS_BASE=$work/no-such-rootfs "$prefix/bin/vmrun" /bin/busybox true 2>/dev/null || status=$?
  [ $status != 0 ] || fail "VMRUN_ROOTFS_BASE naming no directory was not used"
  echo "a missing VMRUN_ROOTFS_BASE gives exit status $status"
  ;;

find_package)
  need_prefix
  w=$work/find_package
  rm -rf "$w"
  step "configure tests/install/consumer with find_package(vmrun), CMAKE_PREFIX_PATH=$prefix"
  "$cmake" -S "$src/tests/install/consumer" -B "$w" -DVMRUN_CONSUMER=find_package \
    -DCMAKE_PREFIX_PATH="$prefix" -DVMRUN_EMBED_SOURCE="$embed_src" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
  found=$(sed -n 's/^vmrun_DIR:PATH=//p' "$w/CMakeCache.txt")
  [ "$found" = "$prefix/lib/cmake/vmrun" ] || fail "find_package(vmrun) found '$found'"
  step "build"
  "$cmake" --build "$w" -j"$jobs" -- VERBOSE=1
  grep -qF "$prefix/include" "$w/compile_commands.json" || fail "embed.cpp was not compiled with $prefix/include"
  check_no_tree_paths "the compile command" "$(cat "$w/compile_commands.json")" "$w" "$embed_src"
  link=$(cat "$w/CMakeFiles/embed.dir/link.txt")
  echo "link: $link"
  grep -qF "$prefix/lib/libvmrun.a" <<<"$link" || fail "embed was not linked with $prefix/lib/libvmrun.a"
  check_no_tree_paths "the link command" "$link" "$w" "$embed_src"  # (the object is named after it)
  check_unicorn_from "$w/embed" "$installed_unicorn"
  check_embed "$w/embed"
  ;;

pkg_config)
  need_prefix
  w=$work/pkg_config
  rm -rf "$w" && mkdir -p "$w"
  export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
  step "pkg-config --cflags --libs vmrun (PKG_CONFIG_PATH=$PKG_CONFIG_PATH)"
  echo "version $(pkg-config --modversion vmrun)"
  flags=$(pkg-config --cflags --libs vmrun)
  echo "$flags"
  check_no_tree_paths "pkg-config's flags" "$flags"
  step "build"
  # shellcheck disable=SC2086  # the flags are words
  (set -x; "$cxx" -std=c++20 -O2 -o "$w/embed" "$embed_src" $flags)
  check_unicorn_from "$w/embed" "$installed_unicorn"
  check_embed "$w/embed"
  ;;

add_subdirectory)
  w=$work/add_subdirectory
  rm -rf "$w"
  step "configure tests/install/consumer with add_subdirectory($src vmrun-build)"
  "$cmake" -S "$src/tests/install/consumer" -B "$w" -DVMRUN_CONSUMER=add_subdirectory \
    -DVMRUN_SOURCE_DIR="$src" -DVMRUN_EMBED_SOURCE="$embed_src" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release
  # As a subproject vmrun adds no tests, test tools, benchmarks or install rules.
  targets=$("$cmake" --build "$w" --target help)
  for t in vmrun embed vmrun_lib; do
    grep -qE "^\.\.\. $t( |$)" <<<"$targets" || fail "target $t missing"
  done
  if grep -E '^\.\.\. (vmrun_tests|vmrun_vfs_tests|vmrun_syscall_doc|embed_example|guest_programs|bench_workloads)( |$)' <<<"$targets"; then
    fail "the subproject added test or benchmark targets"
  fi
  (cd "$w" && ctest -N) | tee "$w/ctest-N.txt"
  grep -q '^Total Tests: 0$' "$w/ctest-N.txt" || fail "the subproject registered tests"
  "$cmake" --install "$w" --prefix "$w/would-install"
  [ ! -e "$w/would-install" ] || fail "the subproject installs files: $(cd "$w/would-install" && find . -type f)"
  step "build (compiles the library)"
  "$cmake" --build "$w" -j"$jobs"
  check_unicorn_from "$w/embed" "$src/.deps/unicorn/usr/lib/x86_64-linux-gnu"
  check_embed "$w/embed"
  step "the subproject's CLI"
  out=$("$w/vmrun-build/vmrun" /bin/busybox echo subproject-cli) || fail "vmrun exited with status $?"
  [ "$out" = subproject-cli ] || fail "vmrun printed '$out'"
  rm -rf "$w"   # the objects of a whole library build
  ;;

*)
  echo "unknown mode $mode (prefix, find_package, pkg_config, add_subdirectory)" >&2
  exit 2
  ;;
esac
echo "PASS: install.$mode"
