#!/usr/bin/env bash
# Set up everything vmrun needs on a Debian 12 machine, build it, and run a
# demo job in the sandbox.  Run as root (for apt); idempotent, and a second
# run only rebuilds what changed.
#
#   bash scripts/setup.sh [--no-demo]
#
# Steps: Debian packages (apt, skipped when all are installed), Unicorn
# 2.1.x >= 2.1.4 from Debian forky or sid (.deps/unicorn), the default root
# filesystems (.deps/rootfs/x86_64 and .deps/rootfs/riscv64,
# rootfs/build-rootfs.sh: busybox, python3 and the libraries it needs), the
# build (build/), piston-client from npm for the serve tests (.deps/npm),
# and the demo (a python one-liner on x86_64, busybox on
# riscv64).
#
# For the setup script's own testing only: VMRUN_SETUP_ALLOW_BUILD_FAILURE=1
# turns a failing build into a warning (and skips the demo).
set -euo pipefail
cd "$(dirname "$0")/.."

demo=1
for arg in "$@"; do
  case "$arg" in
    --no-demo) demo=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown argument '$arg' (usage: setup.sh [--no-demo])" >&2; exit 2 ;;
  esac
done

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
step() { echo "==> $*"; }
die() { echo "setup: FAILED: $*" >&2; exit 1; }
trap 'rc=$?; [ $rc = 0 ] || echo "setup: FAILED (exit $rc) after $(( $(date +%s) - start ))s; see the messages above" >&2' EXIT

# ---- 1. Debian packages -------------------------------------------------
PACKAGES=(
  build-essential cmake pkg-config
  libcli11-dev libspdlog-dev catch2 nlohmann-json3-dev libseccomp-dev
  qemu-user                                   # riscv64 references and applet lists
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross  # riscv64 guest test programs
  clang-14 libfuzzer-14-dev                   # fuzzing
  busybox-static                              # host busybox, handy for tests
  xz-utils                                    # Packages.xz in debian-fetch.sh's fallback
  tmux                                        # tests/interactive drives a terminal through it
  libboost-dev zlib1g-dev                     # vmrun serve: Boost.Beast (headers), zlib
  haproxy                                     # tests/scale: two servers behind a load balancer
)
pkgs=()
for p in "${PACKAGES[@]}"; do
  case "$p" in '#'*) continue ;; esac
  pkgs+=("$p")
done
missing=()
for p in "${pkgs[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" != "ii " ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} = 0 ]; then
  step "apt packages: all ${#pkgs[@]} installed"
else
  step "apt packages: installing ${missing[*]}"
  [ "$(id -u)" = 0 ] || die "installing packages needs root (missing: ${missing[*]})"
  apt-get update -q < /dev/null || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends "${missing[@]}" < /dev/null \
    || die "apt-get install failed"
fi

# Node.js and npm for the serve tests (tests/serve: the npm package
# piston-client against vmrun serve). A node that is already there (from
# Debian or elsewhere, npm included) is kept; otherwise Debian's.
if command -v node > /dev/null && command -v npm > /dev/null; then
  step "node $(node --version), npm $(npm --version): present"
else
  step "apt packages: installing nodejs npm"
  [ "$(id -u)" = 0 ] || die "installing nodejs and npm needs root"
  apt-get update -q < /dev/null || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends nodejs npm < /dev/null || die "apt-get install nodejs npm failed"
fi

# ---- 2. Unicorn 2.1.x (>= 2.1.4) from Debian forky or sid ---------------
# The newest 2.1.x at or above 2.1.4 that forky or sid serves (testing
# suites move on: no version is pinned), unpacked into .deps/unicorn. An
# acceptable one already there is kept (no network); an older one (2.1.1
# from an earlier setup) is replaced. A newer release can be taken with
# `rm -rf .deps/unicorn` and another setup run.
unicorn_dir=.deps/unicorn
unicorn_lib=$unicorn_dir/usr/lib/x86_64-linux-gnu/libunicorn.so.2
unicorn_header=$unicorn_dir/usr/include/unicorn/unicorn.h
unicorn_packages=(libunicorn2t64 libunicorn-dev)
# header_version FILE: MAJOR.MINOR.PATCH from unicorn.h's UC_API_* macros.
header_version() {
  awk '$1 == "#define" && $2 ~ /^UC_API_(MAJOR|MINOR|PATCH)$/ { v[$2] = $3 }
       END { if (length(v) == 3) print v["UC_API_MAJOR"] "." v["UC_API_MINOR"] "." v["UC_API_PATCH"] }' "$1" 2>/dev/null
}
# usable VERSION: a 2.1.x release with x >= 4 (what the build accepts).
usable() {
  local major minor patch
  IFS=. read -r major minor patch <<< "$1"
  [ "$major" = 2 ] && [ "$minor" = 1 ] && [[ "$patch" =~ ^[0-9]+$ ]] && [ "$patch" -ge 4 ]
}
have=""
[ -f "$unicorn_lib" ] && have=$(header_version "$unicorn_header")
if [ -n "$have" ] && usable "$have"; then
  step "unicorn $have: present ($unicorn_dir)"
else
  [ -z "$have" ] || step "unicorn $have in $unicorn_dir is older than 2.1.4: replacing it"
  best_suite="" best_version=""
  for suite in forky sid; do
    state=.deps/apt-$suite-amd64
    if ! versions=$(bash scripts/debian-fetch.sh --print-versions "$suite" amd64 "$state" "${unicorn_packages[@]}"); then
      echo "setup: Debian $suite does not list ${unicorn_packages[*]}" >&2
      continue
    fi
    lib_version=$(awk '$1 == "libunicorn2t64" { print $2 }' <<< "$versions")
    dev_version=$(awk '$1 == "libunicorn-dev" { print $2 }' <<< "$versions")
    upstream=${lib_version#*:}; upstream=${upstream%%[-+~]*}
    if [ "$lib_version" != "$dev_version" ]; then
      echo "setup: Debian $suite has libunicorn2t64 $lib_version but libunicorn-dev $dev_version; skipping it" >&2
    elif ! usable "$upstream"; then
      echo "setup: Debian $suite serves Unicorn $lib_version, not a 2.1.x >= 2.1.4; skipping it" >&2
    elif [ -z "$best_version" ] || dpkg --compare-versions "$lib_version" gt "$best_version"; then
      best_suite=$suite best_version=$lib_version
    fi
  done
  [ -n "$best_suite" ] || die "neither Debian forky nor sid serves Unicorn 2.1.x >= 2.1.4 (libunicorn2t64, libunicorn-dev)"
  step "unicorn: fetching ${unicorn_packages[*]} $best_version from Debian $best_suite"
  staging=$unicorn_dir.new
  rm -rf "$staging"
  bash scripts/debian-fetch.sh "$best_suite" amd64 ".deps/apt-$best_suite-amd64" "$staging" "${unicorn_packages[@]}" \
    || die "could not download Unicorn from Debian $best_suite (scripts/debian-fetch.sh)"
  got=$(header_version "$staging/usr/include/unicorn/unicorn.h")
  [ -f "$staging/usr/lib/x86_64-linux-gnu/libunicorn.so.2" ] && usable "$got" \
    || die "the packages from Debian $best_suite do not hold Unicorn 2.1.x >= 2.1.4 (unicorn.h says '${got:-nothing}')"
  echo "debian $best_suite libunicorn2t64 $best_version" > "$staging/SOURCE"
  rm -rf "$unicorn_dir"
  mv "$staging" "$unicorn_dir"
  step "unicorn $got: installed ($unicorn_dir, Debian $best_suite $best_version)"
fi

# ---- 3. Default root filesystems ----------------------------------------
for arch in x86_64 riscv64; do
  step "rootfs $arch"
  bash rootfs/build-rootfs.sh "$arch" || die "building the $arch root filesystem failed"
  bash scripts/fetch-cpython-tests.sh "$arch" || die "fetching CPython's $arch test suite failed (scripts/fetch-cpython-tests.sh)"
done
# Debian 12's static qemu-riscv64: the riscv64 side of tests/conformance's
# native oracle (foreign_exec.py registers it in a private binfmt_misc).
qemu_static=.deps/qemu-user-static/usr/bin/qemu-riscv64-static
if [ ! -x "$qemu_static" ]; then
  step "qemu-user-static (riscv64's native conformance runs)"
  bash scripts/debian-fetch.sh bookworm amd64 .deps/apt-bookworm-amd64 .deps/qemu-user-static qemu-user-static \
    || die "fetching qemu-user-static from Debian bookworm failed (scripts/debian-fetch.sh)"
  [ -x "$qemu_static" ] || die "$qemu_static missing after unpacking qemu-user-static"
fi

# ---- 3b. piston-client, the serve tests' third-party client ---------------
# A pinned version from the npm registry into .deps/npm (project-local);
# kept when that version is there and loads.
piston_client_version=1.0.2
npm_dir=.deps/npm
loads_piston_client() {
  (cd "$npm_dir" && node --input-type=module -e "
    import { readFileSync } from 'node:fs';
    import piston from 'piston-client';
    const v = JSON.parse(readFileSync('node_modules/piston-client/package.json')).version;
    if (typeof piston !== 'function' || v !== '$piston_client_version') process.exit(1);" ) > /dev/null 2>&1
}
if loads_piston_client; then
  step "piston-client $piston_client_version: present ($npm_dir)"
else
  step "piston-client $piston_client_version: installing into $npm_dir (npm)"
  mkdir -p "$npm_dir"
  [ -f "$npm_dir/package.json" ] || echo '{"name": "vmrun-test-deps", "private": true}' > "$npm_dir/package.json"
  (cd "$npm_dir" && npm install --no-audit --no-fund --save-exact "piston-client@$piston_client_version") \
    || die "npm install piston-client@$piston_client_version failed"
  loads_piston_client || die "piston-client $piston_client_version does not load from $npm_dir"
fi

# ---- 4. Build ------------------------------------------------------------
step "build (cmake, Release, -j2)"
build_ok=1
configure_log=$(mktemp "${TMPDIR:-/tmp}/vmrun-configure.XXXXXX")
if ! cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > "$configure_log" 2>&1; then
  cat "$configure_log" >&2
  build_ok=0
elif ! cmake --build build -j2; then
  build_ok=0
fi
rm -f "$configure_log"
if [ $build_ok = 0 ]; then
  if [ "${VMRUN_SETUP_ALLOW_BUILD_FAILURE:-0}" = 1 ]; then
    echo "setup: WARNING: the build FAILED; continuing only because VMRUN_SETUP_ALLOW_BUILD_FAILURE=1" >&2
    demo=0
  else
    die "the build failed (cmake --build build)"
  fi
fi

# ---- 5. Demo -------------------------------------------------------------
if [ $demo = 1 ]; then
  step "demo: build/vmrun python3 -c 'import platform; print(\"hello from python\", ...)'"
  build/vmrun python3 -c 'import platform; print("hello from python", platform.python_version(), "in the vmrun sandbox")' \
    || die "the x86_64 python demo job failed (exit $?)"
  step "demo: build/vmrun --arch riscv64 /bin/busybox uname -m"
  build/vmrun --arch riscv64 /bin/busybox uname -m || die "the riscv64 demo job failed (exit $?)"
fi

step "setup done in $(( $(date +%s) - start ))s"
