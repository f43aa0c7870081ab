#!/usr/bin/env bash
# Download Debian binary packages of one suite/architecture and unpack them
# with dpkg -x.  The system's apt state is never touched: everything lives
# in STATE_DIR.
#
#   debian-fetch.sh [--with-depends] [--exclude PKG[,PKG...]] SUITE ARCH STATE_DIR DEST_DIR PKG...
#   debian-fetch.sh --print-versions SUITE ARCH STATE_DIR PKG...
#
# SUITE is e.g. bookworm or trixie; ARCH amd64 or riscv64.  Without
# --with-depends there is no dependency resolution: name every package.
# With it, the Depends and Pre-Depends of the named packages are followed
# recursively through the package index: of an alternative `a | b` the first
# one that exists is taken (unless one is already taken), a virtual package
# is replaced by its first provider, `:any`/`:ARCH` qualifiers and version
# constraints are ignored, and a dependency group that names a package of
# the --exclude list (which can be given more than once) is left out -- for
# packages only needed by dpkg's maintainer scripts (dpkg, debconf,
# perl-base, ...).  A named package on the list is still fetched.  The
# packages are unpacked in order: the named ones in the order given, then
# their dependencies.  Exit status 0 when every package was unpacked into
# DEST_DIR, 1 otherwise (the message names the package), 2 for a usage
# error.
#
# The package index is refreshed at most once a day with `apt-get update` on
# a private state (STATE_DIR/lists).  Some mirrors serve a Packages index
# that does not match their InRelease ("File has unexpected size ... Mirror
# sync in progress?") and apt then rejects it; in that case the Packages.xz
# is downloaded directly into STATE_DIR/fallback and used as it is (it cannot
# be checked against InRelease).  Either way the pool path and SHA256 of
# each package come from the index, and apt-helper downloads the .deb into
# STATE_DIR/cache/archives and checks that SHA256.  A cached .deb whose
# SHA256 matches is reused, so a second run needs no network.  If a package
# cannot be found or downloaded with an index more than an hour old, the
# index is refreshed once and the lookup retried.
#
# --print-versions downloads nothing: it prints "PKG VERSION" for each named
# package the suite's index has (the highest version if it lists several)
# and exits 0 if it found them all, 1 otherwise.
#
# VMRUN_DEBIAN_MIRROR overrides the mirror (default http://deb.debian.org/debian).
set -euo pipefail
me=debian-fetch
usage() {
  echo "usage: $me.sh [--with-depends] [--exclude PKG[,PKG...]] SUITE ARCH STATE_DIR DEST_DIR PKG..." >&2
  exit 2
}
with_depends=0
print_versions=0
excludes=""
while [ $# -gt 0 ]; do
  case "$1" in
    --with-depends) with_depends=1; shift ;;
    --print-versions) print_versions=1; shift ;;
    --exclude) [ $# -ge 2 ] || usage; excludes="$excludes ${2//,/ }"; shift 2 ;;
    --exclude=*) excludes="$excludes ${1#--exclude=}"; excludes=${excludes//,/ }; shift ;;
    --) shift; break ;;
    -*) echo "$me: unknown option '$1'" >&2; usage ;;
    *) break ;;
  esac
done
if [ $print_versions = 1 ]; then
  [ $# -ge 4 ] || usage
  suite=$1 arch=$2; shift 2
  mkdir -p "$1"
  state=$(cd "$1" && pwd) dest=""; shift 1
else
  [ $# -ge 5 ] || usage
  suite=$1 arch=$2; shift 2
  mkdir -p "$1" "$2"
  state=$(cd "$1" && pwd) dest=$(cd "$2" && pwd); shift 2
fi
mirror=${VMRUN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mirror=${mirror%/}
archives=$state/cache/archives
fallback=$state/fallback
stamp=$state/index     # "apt" or "fallback": which index is in use; mtime = its age
mkdir -p "$state/lists/partial" "$archives/partial" "$fallback"

die() { echo "$me: $suite/$arch: $*" >&2; exit 1; }

# Private apt configuration.  It is read after the system's (-c), so the
# system's proxy settings still apply, but apt's state, cache, sources and
# preferences are all in STATE_DIR, and the system's `apt update` hooks
# (packagekit, appstream) are not run.
src=$state/sources.list
line="deb [arch=$arch trusted=yes] $mirror $suite main"
[ "$(cat "$src" 2>/dev/null)" = "$line" ] || echo "$line" > "$src"
conf=$state/apt.conf
cat > "$conf.new" <<EOF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Sandbox::User "$(id -un)";
Dir::State "$state";
Dir::State::Lists "$state/lists";
Dir::State::status "/dev/null";
Dir::Cache "$state/cache";
Dir::Cache::pkgcache "pkgcache.bin";
Dir::Cache::srcpkgcache "srcpkgcache.bin";
Dir::Etc::SourceList "$src";
Dir::Etc::SourceParts "/dev/null";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "/dev/null";
Debug::NoLocking "true";
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
EOF
if cmp -s "$conf.new" "$conf"; then rm -f "$conf.new"; else mv "$conf.new" "$conf"; fi
apt_get=(apt-get -qq -c "$conf")
# download URL FILE [SHA256]: to FILE.part, renamed to FILE when complete
# (and, given SHA256, verified by apt-helper).
download() {
  rm -f "$2.part"
  /usr/lib/apt/apt-helper -qq -c "$conf" download-file "$1" "$2.part" ${3:+"SHA256:$3"} \
    > /dev/null 2> "$state/download.err" && mv "$2.part" "$2"
}
first_error() { grep -m1 -E '^(E|Err|W):' "$1" | sed 's/ *\[IP: [^]]*\]//' | cut -c1-200; }

# refresh_index: apt-get update, or the Packages.xz fallback.
refresh_index() {
  rm -f "$stamp"
  if "${apt_get[@]}" --error-on=any update > /dev/null 2> "$state/update.err" && ! grep -q "^[EW]:" "$state/update.err"; then
    echo apt > "$stamp"
    return 0
  fi
  echo "$me: $suite/$arch: apt-get update failed ($(first_error "$state/update.err"))" >&2
  echo "$me: $suite/$arch: using the mirror's Packages.xz directly" >&2
  download "$mirror/dists/$suite/main/binary-$arch/Packages.xz" "$fallback/Packages.xz" || {
    echo "$me: $suite/$arch: downloading Packages.xz failed: $(first_error "$state/download.err")" >&2
    return 1
  }
  xz -dc "$fallback/Packages.xz" > "$fallback/Packages.part" && mv "$fallback/Packages.part" "$fallback/Packages" \
    || { echo "$me: $suite/$arch: cannot decompress Packages.xz" >&2; return 1; }
  rm -f "$fallback/Packages.xz"
  echo fallback > "$stamp"
}

# resolve PKG...: "PKG URL SHA256" lines for the packages found in the index.
resolve() {
  if [ "$(cat "$stamp")" = apt ]; then
    # Lines: 'URL' NAME_VERSION_ARCH.deb SIZE SHA256:HASH (apt names each
    # package it cannot locate on stderr and prints the others).
    "${apt_get[@]}" --print-uris download "$@" 2> /dev/null |
      awk -v pkgs="$*" '
        BEGIN { n = split(pkgs, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
        { p = $2; sub(/_.*/, "", p); url = $1; gsub(/\047/, "", url); sha = $4
          if ((p in want) && sha ~ /^SHA256:/) { sub(/^SHA256:/, "", sha); print p, url, sha } }'
  else
    awk -v pkgs="$*" -v arch="$arch" -v mirror="$mirror" '
      function emit() {
        if ((pkg in want) && !(pkg in done) && (ar == arch || ar == "all") && file != "" && sha != "") {
          print pkg, mirror "/" file, sha; done[pkg] = 1
        }
        pkg = ""
      }
      BEGIN { n = split(pkgs, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
      /^Package: / { pkg = $2; ar = ""; file = ""; sha = "" }
      /^Architecture: / { ar = $2 }
      /^Filename: / { file = $2 }
      /^SHA256: / { sha = $2 }
      /^$/ { emit() }
      END { emit() }' "$fallback/Packages"
  fi
}

# index: the package index in use, as Packages records.
index() {
  if [ "$(cat "$stamp")" = apt ]; then
    apt-cache -c "$conf" dumpavail
  else
    cat "$fallback/Packages"
  fi
}

# expand PKG...: the packages and, recursively, their Depends and
# Pre-Depends (see the header), one a line, the named packages first.  A
# dependency that is not in the index is reported as a line "! PKG NEEDS".
expand() {
  index | awk -v pkgs="$*" -v excl="$excludes" -v arch="$arch" '
    BEGIN { RS = ""; FS = "\n" }
    {
      pkg = ""; ar = ""; dep = ""; pre = ""; prov = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^Package: /) pkg = substr($i, 10)
        else if ($i ~ /^Architecture: /) ar = substr($i, 15)
        else if ($i ~ /^Depends: /) dep = substr($i, 10)
        else if ($i ~ /^Pre-Depends: /) pre = substr($i, 14)
        else if ($i ~ /^Provides: /) prov = substr($i, 11)
      }
      if (pkg == "" || (pkg in real) || (ar != arch && ar != "all")) next
      real[pkg] = 1
      deps[pkg] = pre (pre != "" && dep != "" ? ", " : "") dep
      n = split(prov, pv, ",")
      for (i = 1; i <= n; i++) {
        v = pv[i]; sub(/\(.*/, "", v); gsub(/[ \t]/, "", v)
        if (v != "" && !(v in provider)) provider[v] = pkg
      }
    }
    function name(s) { sub(/\(.*/, "", s); sub(/\[.*/, "", s); sub(/<.*/, "", s); gsub(/[ \t]/, "", s); sub(/:.*/, "", s); return s }
    # real package for NAME ("" if none)
    function pick(nm) { if (nm in real) return nm; if (nm in provider) return provider[nm]; return "" }
    function add(p) { if (!(p in taken)) { taken[p] = 1; queue[++qn] = p } }
    END {
      n = split(excl, a, " "); for (i = 1; i <= n; i++) excluded[a[i]] = 1
      n = split(pkgs, a, " "); for (i = 1; i <= n; i++) { p = pick(a[i]); add(p != "" ? p : a[i]) }
      for (qi = 1; qi <= qn; qi++) {
        p = queue[qi]; print p
        ng = split(deps[p], groups, ",")
        for (g = 1; g <= ng; g++) {
          na = split(groups[g], alts, "|"); choice = ""; skip = 0
          for (j = 1; j <= na; j++) {
            nm = name(alts[j]); r = pick(nm)
            if ((nm in excluded) || (r in excluded)) { skip = 1; break }
            if (r != "" && (r in taken)) { skip = 1; break }
          }
          if (skip) continue
          for (j = 1; j <= na && choice == ""; j++) choice = pick(name(alts[j]))
          if (choice == "") { g2 = groups[g]; gsub(/^ +| +$/, "", g2); print "! " p " " g2; continue }
          add(choice)
        }
      }
    }'
}

# fetch PKG...: resolve and download every package into $archives and list
# the .debs in $debs; on failure, set $error and return 1.
fetch() {
  local p url sha name deb line
  declare -A urls=() shas=()
  if [ $with_depends = 1 ]; then
    local all=()
    while read -r line; do
      case "$line" in
        '! '*) line=${line#! }; error="package ${line%% *} depends on ${line#* }, which is not in the index"; return 1 ;;
        *) all+=("$line") ;;
      esac
    done < <(expand "$@")
    [ ${#all[@]} -gt 0 ] || { error="no packages"; return 1; }
    set -- "${all[@]}"
    echo "$me: $suite/$arch: $# packages with dependencies: $*" >&2
  fi
  while read -r p url sha; do urls[$p]=$url shas[$p]=$sha; done < <(resolve "$@")
  debs=()
  for p in "$@"; do
    [ -n "${urls[$p]:-}" ] || { error="package $p not found"; return 1; }
    url=${urls[$p]} sha=${shas[$p]}
    name=${url##*/}
    name=$(printf '%b' "${name//%/\\x}")   # URL-decode (%2b -> +)
    deb=$archives/$name
    if [ ! -f "$deb" ] || [ "$(sha256sum < "$deb" | cut -d' ' -f1)" != "$sha" ]; then
      download "$url" "$deb" "$sha" \
        || { error="downloading $p failed: $(first_error "$state/download.err")"; return 1; }
    fi
    debs+=("$deb")
  done
}

# versions PKG...: "PKG VERSION" for each named package in the index (the
# highest one when it lists several); status 1 if one is missing.
versions() {
  local p v best missing=0
  local -A found=()
  while read -r p v; do
    best=${found[$p]:-}
    if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then found[$p]=$v; fi
  done < <(index | awk -v pkgs="$*" -v arch="$arch" '
    BEGIN { RS = ""; FS = "\n"; n = split(pkgs, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
    { pkg = ""; ar = ""; ver = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^Package: /) pkg = substr($i, 10)
        else if ($i ~ /^Architecture: /) ar = substr($i, 15)
        else if ($i ~ /^Version: /) ver = substr($i, 10)
      }
      if ((pkg in want) && ver != "" && (ar == arch || ar == "all")) print pkg, ver }')
  for p in "$@"; do
    if [ -n "${found[$p]:-}" ]; then echo "$p ${found[$p]}"; else missing=1; fi
  done
  return $missing
}

refreshed=0
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
  refresh_index || die "cannot get the package index"
  refreshed=1
fi
if [ $print_versions = 1 ]; then
  versions "$@" && exit 0
  [ $refreshed = 0 ] && [ -n "$(find "$stamp" -mmin +60)" ] || exit 1
  refresh_index || die "cannot get the package index"
  versions "$@"
  exit
fi
error=""
if ! fetch "$@"; then
  # Retry with a new index unless it is less than an hour old.
  [ $refreshed = 0 ] && [ -n "$(find "$stamp" -mmin +60)" ] || die "$error"
  echo "$me: $suite/$arch: $error; refreshing the package index" >&2
  refresh_index || die "cannot get the package index"
  fetch "$@" || die "$error"
fi
for deb in "${debs[@]}"; do
  dpkg -x "$deb" "$dest" || die "dpkg -x $deb failed"
done
