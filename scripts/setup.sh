#!/usr/bin/env bash
# Set up everything vmrun needs on a Debian 12 machine, build it, and run a
# demo job in the sandbox.  Run as root (for apt); idempotent, and a second
# run only rebuilds what changed.
#
#   bash scripts/setup.sh [--no-demo]
#
# Steps: Debian packages (apt, skipped when all are installed), Unicorn 2.1.1
# from Debian 13 (.deps/unicorn), the default root filesystems
# (.deps/rootfs/x86_64 and .deps/rootfs/riscv64, rootfs/build-rootfs.sh:
# busybox, python3 and the libraries it needs), the build (build/), and the
# demo (a python one-liner on x86_64, busybox on riscv64).
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

# ---- 2. Unicorn 2.1.1 from Debian 13 ------------------------------------
unicorn_lib=.deps/unicorn/usr/lib/x86_64-linux-gnu/libunicorn.so.2
if [ -f "$unicorn_lib" ]; then
  step "unicorn 2.1.1: present (.deps/unicorn)"
else
  step "unicorn 2.1.1: fetching libunicorn2t64 libunicorn-dev from Debian trixie"
  bash scripts/debian-fetch.sh trixie amd64 .deps/apt-trixie-amd64 .deps/unicorn libunicorn2t64 libunicorn-dev \
    || die "could not download Unicorn from Debian trixie (scripts/debian-fetch.sh)"
  [ -f "$unicorn_lib" ] || die "$unicorn_lib missing after the download"
fi

# ---- 3. Default root filesystems ----------------------------------------
for arch in x86_64 riscv64; do
  step "rootfs $arch"
  bash rootfs/build-rootfs.sh "$arch" || die "building the $arch root filesystem failed"
  bash scripts/fetch-cpython-tests.sh "$arch" || die "fetching CPython's $arch test suite failed (scripts/fetch-cpython-tests.sh)"
done

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
