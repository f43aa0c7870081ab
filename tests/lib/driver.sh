# Shared by the test drivers (tests/*/run-*.sh): their common options,
# paths and skip lists. A driver sets `here` (its own directory) and
# sources this file:
#
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/../lib/driver.sh"
#   driver_options "USAGE" "$@"; set -- "${driver_args[@]}"
#
# Sets `top` (the source tree) now; driver_options sets build, vmrun,
# keep, det and the remaining arguments; driver_paths sets the rootfs.

top=$(cd "$here/../.." && pwd)

# driver_options USAGE [--allow-deterministic] ARGS...: parses --build
# DIR, --vmrun PATH (default $VMRUN, else BUILD/vmrun), --keep,
# --deterministic (only with --allow-deterministic) and -h/--help (the
# driver's header comment, up to its `set -uo` line). The other
# arguments are left in the array driver_args.
driver_options() {
  local usage=$1 allow_det=0
  shift
  if [ "${1:-}" = --allow-deterministic ]; then allow_det=1; shift; fi
  build=$top/build
  vmrun=${VMRUN:-}
  keep=0
  det=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --build) build=$2; shift 2 ;;
      --vmrun) vmrun=$2; shift 2 ;;
      --keep) keep=1; shift ;;
      --deterministic)
        [ $allow_det = 1 ] || { echo "$(basename "$0"): unknown option $1" >&2; exit 1; }
        det=1; shift ;;
      -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      --) shift; break ;;
      -*) echo "$(basename "$0"): unknown option $1" >&2; exit 1 ;;
      *) break ;;
    esac
  done
  driver_args=("$@")
  driver_usage=$usage
  [ -d "$build" ] && build=$(cd "$build" && pwd)
  vmrun=${vmrun:-$build/vmrun}
}

# driver_usage_error: the usage line on stderr, exit 1.
driver_usage_error() {
  echo "usage: $driver_usage" >&2
  exit 1
}

# driver_paths ARCH: rootfs_base (VMRUN_ROOTFS_DIR, else .deps/rootfs),
# rootfs (its ARCH/) and ref_rootfs (its x86_64/, the native reference).
driver_paths() {
  rootfs_base=${VMRUN_ROOTFS_DIR:-$top/.deps/rootfs}
  rootfs=$rootfs_base/$1
  ref_rootfs=$rootfs_base/x86_64
}

# driver_skip_listed LABEL FILE ALL_VAR: exit 77 (ctest: skipped) when
# LABEL matches a line of FILE (an extended regex; `#` starts a comment),
# unless the environment variable named ALL_VAR is 1.
driver_skip_listed() {
  local label=$1 file=$2 all_var=$3 re
  [ "${!all_var:-0}" = 1 ] && return 0
  [ -f "$file" ] || return 0
  while IFS= read -r re || [ -n "$re" ]; do
    re=${re%%#*}; re=${re//[[:space:]]/}
    [ -n "$re" ] || continue
    if [[ $label =~ ^($re)$ ]]; then
      echo "SKIP $label: listed in ${file#$top/} ('$re'); $all_var=1 runs it"
      exit 77
    fi
  done < "$file"
}

# driver_no_private_expectations LABEL REF_STDOUT: with
# VMRUN_NO_UNICORN_PRIVATE set (non-empty, not 0), vmrun uses none of
# Unicorn's private state and is, by design, less precise in a few
# documented ways (docs/UNICORN.md, "Unicorn's private state"). Each line of
# tests/no-private-differences.txt, "LABEL-REGEX | SED-EXPRESSION", rewrites
# the reference stdout of matching tests into what vmrun prints then; every
# other byte is still compared. Nothing happens without the switch.
driver_no_private_expectations() {
  local label=$1 ref=$2 file=$top/tests/no-private-differences.txt line re expr
  case "${VMRUN_NO_UNICORN_PRIVATE:-}" in ''|0) return 0 ;; esac
  [ -f "$file" ] && [ -f "$ref" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '#'*|'') continue ;; esac
    re=${line%%|*}; re=${re//[[:space:]]/}
    expr=${line#*|}; expr=${expr# }
    if [[ $label =~ ^($re)$ ]]; then
      sed -i -e "$expr" "$ref"
      echo "note: $label: reference rewritten for VMRUN_NO_UNICORN_PRIVATE ($expr)"
    fi
  done < "$file"
}
