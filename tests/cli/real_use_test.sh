#!/usr/bin/env bash
# vmrun as a new user meets it: the failures found by trying it for real
# (issue "Robust in real use"), each checked on what a user sees: exit
# statuses, files on the host, processes left behind, the report.
#   real_use_test.sh VMRUN ROOTFS_BASE GUEST_PROGRAMS_DIR
set -u
vmrun=$1 base=$2 guests=$3
pass=0 fail=0
work=$(mktemp -d)
bg_pids=()
cleanup() {
  for p in "${bg_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
status_is() {  # status_is NAME WANT -- command...
  local name=$1 want=$2; shift 3
  "$@" >"$work/out" 2>"$work/err" </dev/null
  local rc=$?
  if [ "$rc" = "$want" ]; then ok "$name"; else bad "$name" "exit $rc, expected $want ($(head -c 300 "$work/err"))"; fi
}
# A process that is gone, or dead and waiting to be reaped, is no longer running.
not_running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
  case "$state" in Z*) return 0 ;; *) return 1 ;; esac
}
wait_gone() {  # wait_gone PID SECONDS
  local i
  for i in $(seq $(($2 * 20))); do not_running "$1" && return 0; sleep 0.05; done
  not_running "$1"
}
emu_gone() { [ -n "$1" ] && wait_gone "$1" 5; }
# The emulator process of a vmrun run: its child.
emulator_of() {
  local i c
  for i in $(seq 100); do
    c=$(pgrep -P "$1" | head -1)
    [ -n "$c" ] && { echo "$c"; return 0; }
    sleep 0.05
  done
  return 1
}

for arch in x86_64 riscv64; do
  root=$base/$arch
  v=("$vmrun" --rootfs "$root" --arch "$arch")

  # 1. chmod into a :rw mount (glibc emulates fchmodat(AT_SYMLINK_NOFOLLOW)
  #    with a path-based chmod the emulator's seccomp filter refuses).
  out=$work/out-$arch
  mkdir -p "$out"
  status_is "rw-mount-shutil-copy-$arch" 0 -- "${v[@]}" --mount "$out:/o:rw" python3 -c \
    'import shutil; shutil.copy("/etc/passwd", "/o/q")'
  check "rw-mount-shutil-copy-content-$arch" cmp -s "$out/q" "$root/etc/passwd"
  status_is "rw-mount-cp-p-$arch" 0 -- "${v[@]}" --mount "$out:/o:rw" /bin/busybox cp -p /etc/passwd /o/p
  check "rw-mount-cp-p-content-$arch" cmp -s "$out/p" "$root/etc/passwd"
  status_is "rw-mount-fchmod-$arch" 0 -- "${v[@]}" --mount "$out:/o:rw" python3 -c \
    'import os; fd = os.open("/o/m", os.O_CREAT | os.O_WRONLY, 0o644); os.fchmod(fd, 0o600); os.chmod("/o/p", 0o640)'
  check "rw-mount-fchmod-mode-$arch" [ "$(stat -c %a "$out/m")" = 600 -a "$(stat -c %a "$out/p")" = 640 ]
  status_is "rw-mount-tar-x-$arch" 0 -- "${v[@]}" --mount "$out:/o:rw" /bin/busybox sh -c \
    'mkdir -p /tmp/t/d && echo data > /tmp/t/d/f && chmod 751 /tmp/t/d && chmod 604 /tmp/t/d/f &&
     cd /tmp/t && tar -cf /tmp/a.tar d && mkdir /o/x && cd /o/x && tar -xf /tmp/a.tar'
  check "rw-mount-tar-x-modes-$arch" [ "$(stat -c %a "$out/x/d")" = 751 -a "$(stat -c %a "$out/x/d/f")" = 604 ]
  ln -sf p "$out/link"
  "${v[@]}" --mount "$out:/o:rw" python3 -c \
    'import os
try:
    os.chmod("/o/link", 0o600, follow_symlinks=False)
except (NotImplementedError, OSError) as e:
    print(type(e).__name__)' >"$work/lchmod" 2>&1
  check "rw-mount-lchmod-refused-$arch" [ "$(stat -c %a "$out/p")" = 640 ]

  # 2. Killing vmrun ends its sandbox: a busy guest with no time limit.
  "${v[@]}" --report "$work/term-$arch.json" /bin/busybox sh -c 'while :; do :; done' </dev/null &
  vp=$!; bg_pids+=("$vp")
  emu=$(emulator_of "$vp") || emu=""
  sleep 0.5
  kill -TERM "$vp"
  wait "$vp"; rc=$?
  check "sigterm-status-143-$arch" [ "$rc" = 143 ]
  check "sigterm-report-$arch" grep -q '"stop_reason": "cancelled"' "$work/term-$arch.json"
  check "sigterm-report-signal-$arch" grep -q '"signal": 15' "$work/term-$arch.json"
  check "sigterm-no-orphan-$arch" emu_gone "$emu"

  for sig in INT HUP; do
    "${v[@]}" /bin/busybox sh -c 'while :; do :; done' </dev/null &
    vp=$!; bg_pids+=("$vp")
    emu=$(emulator_of "$vp") || emu=""
    sleep 0.3
    kill -"$sig" "$vp"
    wait "$vp"; rc=$?
    want=$((128 + $(kill -l "$sig")))
    check "sig$sig-status-$want-$arch" [ "$rc" = "$want" ]
    check "sig$sig-no-orphan-$arch" emu_gone "$emu"
  done

  "${v[@]}" /bin/busybox sh -c 'while :; do :; done' </dev/null &
  vp=$!; bg_pids+=("$vp")
  emu=$(emulator_of "$vp") || emu=""
  sleep 0.3
  kill -KILL "$vp"
  wait "$vp" 2>/dev/null
  check "sigkill-parent-kills-sandbox-$arch" emu_gone "$emu"

  # Python's subprocess.run(timeout=...) kills vmrun with SIGKILL.
  python3 - "$work/py-$arch.pid" "${v[@]}" /bin/busybox sh -c 'while :; do :; done' <<'EOF'
import subprocess, sys
pidfile, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
try:
    p.wait(timeout=1.5)
except subprocess.TimeoutExpired:
    import os, time
    kids = os.popen(f"pgrep -P {p.pid}").read().split()
    open(pidfile, "w").write(kids[0] if kids else "")
    p.kill()
    p.wait()
EOF
  emu=$(cat "$work/py-$arch.pid" 2>/dev/null)
  check "python-subprocess-timeout-no-orphan-$arch" emu_gone "$emu"
done

# 3. --timeout inf (or huge) is no limit, and vmrun exits when the guest does.
status_is timeout-inf 0 -- timeout 30 "$vmrun" --rootfs "$base/x86_64" --timeout inf /bin/busybox true
status_is timeout-1e20 0 -- timeout 30 "$vmrun" --rootfs "$base/x86_64" --timeout 1e20 /bin/busybox true
status_is timeout-inf-sleep 0 -- timeout 30 "$vmrun" --rootfs "$base/x86_64" --timeout inf /bin/busybox sleep 0.2

# 4. Invalid limits are refused with the accepted syntax named; the forms
#    people type are accepted.
x86=$base/x86_64
for bad in "--timeout -5" "--timeout nan" "--timeout 5x" "--max-insns -1" "--max-insns 99999999999999999999999" \
           "--max-memory inf" "--max-memory nan" "--max-memory -1" "--max-output lots" "--max-disk 1.5.5" \
           "--kill-after -1" "--log-level loud" "--user root" "--user 1:x"; do
  # shellcheck disable=SC2086
  "$vmrun" --rootfs "$x86" $bad /bin/busybox true >/dev/null 2>"$work/err" </dev/null
  rc=$?
  check "refused: $bad" [ "$rc" = 125 ]
  case "$bad" in
    --timeout*|--kill-after*) check "refused-names-syntax: $bad" grep -q '500ms' "$work/err" ;;
    --max-memory*|--max-output*|--max-disk*) check "refused-names-syntax: $bad" grep -q '256M' "$work/err" ;;
  esac
done
report_value() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(eval("v" + sys.argv[2]))' "$@"; }
for pair in "256m 268435456" "256M 268435456" "256MB 268435456" "1g 1073741824" "1GiB 1073741824" "4096 4096"; do
  set -- $pair
  "$vmrun" --rootfs "$x86" --max-memory "$1" --report "$work/r.json" /bin/busybox true </dev/null 2>/dev/null
  check "size $1" [ "$(report_value "$work/r.json" '["limits"]["max_memory"]')" = "$2" ]
done
for pair in "90 90" "1.5 1.5" "500ms 0.5" "2m 120" "1h 3600" "inf None" "0 None"; do
  set -- $pair
  "$vmrun" --rootfs "$x86" --timeout "$1" --report "$work/r.json" /bin/busybox true </dev/null 2>/dev/null
  got=$(report_value "$work/r.json" '["limits"]["timeout_seconds"]')
  check "duration $1" python3 -c "import sys; g, w = sys.argv[1:]; sys.exit(0 if (g == w == 'None') or (w != 'None' and g != 'None' and abs(float(g) - float(w)) < 1e-9) else 1)" "$got" "$2"
done

# 5. The default root filesystem and /proc/cpuinfo follow the program's
#    architecture (no --arch, no --rootfs): a riscv64 busybox from a mount.
mkdir -p "$work/rvbin"
cp "$base/riscv64/bin/busybox" "$work/rvbin/busybox"
VMRUN_ROOTFS_BASE=$base "$vmrun" --mount "$work/rvbin:/g" /g/busybox sh -c '/bin/busybox uname -m; grep -c ^isa /proc/cpuinfo' \
  >"$work/out" 2>"$work/err" </dev/null
check arch-detect-default-rootfs [ "$(cat "$work/out")" = "$(printf 'riscv64\n1')" ]
VMRUN_ROOTFS_BASE=$base "$vmrun" --mount "$guests/riscv64:/g" --report "$work/r.json" /g/hello >/dev/null 2>&1 </dev/null
check arch-detect-report [ "$(report_value "$work/r.json" '["arch"]')" = riscv64 ]
# With an explicit root, /proc/cpuinfo still follows the program.
"$vmrun" --rootfs "$base/x86_64" --mount "$work/rvbin:/g" /g/busybox grep -c ^isa /proc/cpuinfo >"$work/out" 2>/dev/null </dev/null
check arch-detect-cpuinfo-explicit-root [ "$(cat "$work/out")" = 1 ]
VMRUN_ROOTFS_BASE=$base "$vmrun" /bin/busybox grep -c ^vendor_id /proc/cpuinfo >"$work/out" 2>/dev/null </dev/null
check arch-default-x86 [ "$(cat "$work/out")" = 1 ]

# 6. A bare program name is looked up in the guest's PATH, as env(1) does.
status_is path-not-found 127 -- "$vmrun" --rootfs "$x86" curl
check path-not-found-message grep -q 'curl: not found in PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)' "$work/err"
mkdir -p "$work/bin"
printf '#!/bin/sh\necho from-opt\n' >"$work/bin/tool"; chmod 755 "$work/bin/tool"
printf 'not executable\n' >"$work/bin/plain"; chmod 644 "$work/bin/plain"
"$vmrun" --rootfs "$x86" --mount "$work/bin:/opt/bin" --env PATH=/opt/bin:/bin tool >"$work/out" 2>/dev/null </dev/null
check path-guest-path [ "$(cat "$work/out")" = from-opt ]
status_is path-guest-path-only 127 -- "$vmrun" --rootfs "$x86" --env PATH=/opt/bin busybox true
status_is path-not-executable 126 -- "$vmrun" --rootfs "$x86" --mount "$work/bin:/opt/bin" --env PATH=/opt/bin plain
status_is path-no-cwd-fallback 127 -- "$vmrun" --rootfs "$x86" --cwd /bin --env PATH=/usr/local/bin busybox true

# 7. An unwritable --report path is refused before the guest runs.
mkdir -p "$work/side"
status_is report-unwritable 125 -- "$vmrun" --rootfs "$x86" --mount "$work/side:/o:rw" --report /nonexistent/dir/r.json \
  /bin/busybox touch /o/effect
check report-unwritable-no-side-effect [ ! -e "$work/side/effect" ]

# 8. /proc/stat and /proc/loadavg (top), the sandbox's own uptime, PID 1.
for arch in x86_64 riscv64; do
  v=("$vmrun" --rootfs "$base/$arch" --arch "$arch")
  status_is "top-$arch" 0 -- "${v[@]}" /bin/busybox top -b -n 1
  check "top-output-$arch" grep -q '^CPU:' "$work/out"
  "${v[@]}" /bin/busybox sh -c 'grep -c "^btime " /proc/stat; cut -d" " -f1 /proc/uptime; uptime' >"$work/out" 2>&1 </dev/null
  check "proc-stat-$arch" [ "$(sed -n 1p "$work/out")" = 1 ]
  check "proc-uptime-own-$arch" python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 60 else 1)' "$(sed -n 2p "$work/out")"
  check "sysinfo-uptime-own-$arch" grep -q 'up 0 min' "$work/out"
  # Compared with Linux: the same script as PID 1 of a new PID namespace.
  pid1_script='kill -TERM $$; kill -KILL $$; kill -HUP $$; kill -USR1 $$; echo survived; kill -INT $$; echo not-reached'
  "${v[@]}" /bin/sh -c "$pid1_script" >"$work/out" 2>&1 </dev/null
  echo "status $?" >>"$work/out"
  unshare -fp "$base/x86_64/bin/busybox" sh -c "$pid1_script" >"$work/native" 2>&1 </dev/null
  echo "status $?" >>"$work/native"
  check "pid1-survives-own-signals-$arch" cmp -s "$work/out" "$work/native"
  check "pid1-survives-own-signals-native-$arch" [ "$(head -1 "$work/native")" = survived ]
  "${v[@]}" /bin/sh -c 'trap "echo handled; exit 7" TERM; kill -TERM $$; sleep 1' >"$work/out" 2>&1 </dev/null
  rc=$?
  check "pid1-handler-runs-$arch" [ "$rc" = 7 -a "$(cat "$work/out")" = handled ]
  "${v[@]}" /bin/sh -c 'sh -c "kill -TERM \$\$; echo not-reached"; echo "child status $?"' >"$work/out" 2>/dev/null </dev/null
  check "non-init-dies-$arch" [ "$(cat "$work/out")" = "child status 143" ]
done

# Inode numbers of pipes, sockets and anon-inode files are the run's own
# (not host addresses): the same in every run, unique, and each socket's
# /proc/self/fd name carries its inode number, as on Linux.
cat >"$work/ino.py" <<'EOF'
import os, socket, select
e = select.epoll(); a, b = socket.socketpair(); r, w = os.pipe()
ino = lambda fd: os.fstat(fd).st_ino
print(ino(e.fileno()), ino(a.fileno()), ino(b.fileno()), ino(r), ino(w))
print(os.readlink(f"/proc/self/fd/{a.fileno()}") == f"socket:[{ino(a.fileno())}]", ino(a.fileno()) != ino(b.fileno()), ino(r) == ino(w))
EOF
for arch in x86_64 riscv64; do
  "$vmrun" --rootfs "$base/$arch" --mount "$work:/w" python3 /w/ino.py >"$work/ino1" 2>&1 </dev/null
  "$vmrun" --rootfs "$base/$arch" --mount "$work:/w" python3 /w/ino.py >"$work/ino2" 2>&1 </dev/null
  check "inode-numbers-reproducible-$arch" cmp -s "$work/ino1" "$work/ino2"
  check "inode-numbers-consistent-$arch" [ "$(sed -n 2p "$work/ino1")" = "True True True" ]
done

# Conveniences: --env-file, --hostname, --user, --kill-after, --strace-file, --version.
printf '# comment\n\nA=1\nB=two words\n' >"$work/env"
"$vmrun" --rootfs "$x86" --env-file "$work/env" --env A=3 /bin/busybox sh -c 'echo "$A|$B|$PATH"' >"$work/out" 2>/dev/null </dev/null
check env-file [ "$(cat "$work/out")" = "3|two words|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ]
status_is env-file-missing 125 -- "$vmrun" --rootfs "$x86" --env-file "$work/no-such-env" /bin/busybox true
"$vmrun" --rootfs "$x86" --hostname box7 /bin/busybox sh -c 'hostname; cat /etc/hostname; grep -c "127.0.1.1	box7" /etc/hosts' \
  >"$work/out" 2>/dev/null </dev/null
check hostname [ "$(cat "$work/out")" = "$(printf 'box7\nbox7\n1')" ]
# What every Debian install has and ordinary programs look up: service and
# protocol names (netbase), host names through nsswitch, time zones, and
# libraries through the dynamic linker's cache (ctypes.util.find_library
# parses `ldconfig -p`).
for arch in x86_64 riscv64; do
  "$vmrun" --rootfs "$base/$arch" --hostname box7 python3 -c '
import socket, zoneinfo, datetime
print(socket.getservbyname("http", "tcp"), socket.getprotobyname("udp"))
print(sorted({a[4][:2] for a in socket.getaddrinfo("localhost", "https", socket.AF_INET, socket.SOCK_STREAM)}))
print(socket.gethostbyname("box7"))
print(datetime.datetime(2026, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin")).utcoffset())
import ctypes, ctypes.util, os
libc = ctypes.util.find_library("c")
print(libc, ctypes.util.find_library("m"), ctypes.CDLL(libc).getpid() == os.getpid())' >"$work/out" 2>&1 </dev/null
  check "debian-files-$arch" [ "$(cat "$work/out")" = "$(printf "80 17\n[('127.0.0.1', 443)]\n127.0.1.1\n2:00:00\nlibc.so.6 libm.so.6 True")" ]
done
"$vmrun" --rootfs "$x86" --user 1000:100 /bin/busybox sh -c 'id -u; id -g; echo $HOME' >"$work/out" 2>/dev/null </dev/null
check user [ "$(cat "$work/out")" = "$(printf '1000\n100\n/home/user')" ]
start=$(date +%s.%N)
"$vmrun" --rootfs "$x86" --timeout 0.5 --kill-after 0.5 /bin/busybox sh -c 'trap "echo cleanup; exit 3" TERM; while :; do :; done' \
  >"$work/out" 2>/dev/null </dev/null
rc=$?
check kill-after-term-handler [ "$rc" = 124 -a "$(cat "$work/out")" = cleanup ]
"$vmrun" --rootfs "$x86" --timeout 0.5 --kill-after 0.5 --report "$work/r.json" /bin/busybox sh -c 'trap "" TERM; while :; do :; done' \
  >/dev/null 2>&1 </dev/null
rc=$?
check kill-after-then-stop [ "$rc" = 124 ]
check kill-after-then-stop-report grep -q 'SIGTERM sent, still running' "$work/r.json"
"$vmrun" --rootfs "$x86" --strace-file "$work/trace" /bin/busybox sh -c 'echo out; echo err >&2' >"$work/out" 2>"$work/err" </dev/null
check strace-file-has-trace grep -q '^\[1\] exit_group(0)' "$work/trace"
check strace-file-keeps-stderr-clean [ "$(cat "$work/err")" = err -a "$(cat "$work/out")" = out ]
"$vmrun" --version >"$work/out" 2>&1
check version grep -Eq '^vmrun [0-9]+\.[0-9]+\.[0-9]+ \(Unicorn 2\.[0-9]+\.[0-9]+\)$' "$work/out"
"$vmrun" --rootfs "$x86" --report "$work/r.json" /bin/busybox true </dev/null
for key in schema_version vmrun_version unicorn_version argv program limits started_at host_cpu_seconds host_peak_rss vmrun_argv arch; do
  check "report-has-$key" python3 -c 'import json,sys; sys.exit(0 if sys.argv[2] in json.load(open(sys.argv[1])) else 1)' "$work/r.json" "$key"
done
check report-peak-rss-sane python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if 1<<20 < r["host_peak_rss"] < 1<<34 and r["host_cpu_seconds"] > 0 else 1)' "$work/r.json"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
