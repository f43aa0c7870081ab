#!/usr/bin/env bash
# Download Debian binary packages for a given suite/architecture into a
# private apt state (the system's apt configuration is never touched) and
# unpack them with dpkg -x.
#
#   debian-fetch.sh SUITE ARCH STATE_DIR DEST_DIR PKG...
#
# SUITE is e.g. bookworm or trixie; ARCH amd64 or riscv64.  STATE_DIR keeps
# the package lists and downloaded .debs so a second run is fast.
set -euo pipefail
suite=$1 arch=$2; shift 2
mkdir -p "$1" "$2"
state=$(cd "$1" && pwd) dest=$(cd "$2" && pwd); shift 2
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$dest"
src="$state/sources.list"
mirror=${VMRUN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
echo "deb [arch=$arch trusted=yes] $mirror $suite main" > "$src"
opts=(-oAPT::Architecture="$arch" -oAPT::Architectures="$arch"
      -oDir::State::Lists="$state/lists" -oDir::Etc::SourceList="$src"
      -oDir::Etc::SourceParts=/dev/null -oDir::State::status=/dev/null
      -oDir::Cache="$state/cache" -oDebug::NoLocking=1 -qq)
# Refresh the lists at most once a day.
stamp="$state/lists/.updated"
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
  apt-get "${opts[@]}" update
  touch "$stamp"
fi
cd "$state/cache/archives"
for p in "$@"; do
  if ! ls "${p}"_*_"$arch".deb "${p}"_*_all.deb >/dev/null 2>&1; then
    apt-get "${opts[@]}" download "$p:$arch" 2>/dev/null || apt-get "${opts[@]}" download "$p"
  fi
  for deb in "${p}"_*_"$arch".deb "${p}"_*_all.deb; do
    [ -f "$deb" ] && dpkg -x "$deb" "$dest"
  done
done
