#!/usr/bin/env bash
# The vmrun CLI as a user meets it: exit statuses (timeout(1)/env(1)
# conventions), errors on bad input, the JSON report, mounts, env, stdin.
#   cli_test.sh VMRUN ROOTFS_BASE
set -u
vmrun=$1 base=$2
pass=0 fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

expect() {  # expect NAME STATUS [STDOUT] -- command...
  local name=$1 want=$2 want_out=$3; shift 4
  local out rc
  out=$("$@" 2>"$work/err" </dev/null); rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"; sed 's/^/  stderr: /' "$work/err" | head -5; fail=$((fail + 1)); return
  fi
  if [ "$want_out" != "*" ] && [ "$out" != "$want_out" ]; then
    echo "FAIL $name: stdout [$out], expected [$want_out]"; fail=$((fail + 1)); return
  fi
  echo "ok   $name"; pass=$((pass + 1))
}
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; pass=$((pass + 1)); else echo "FAIL $name"; fail=$((fail + 1)); fi
}

x86=$base/x86_64 rv=$base/riscv64
expect unknown-option 125 "*" -- "$vmrun" --bogus /bin/true
expect no-program 125 "*" -- "$vmrun"
expect bad-arch 125 "*" -- "$vmrun" --arch sparc /bin/busybox true
expect missing-rootfs 125 "*" -- "$vmrun" --rootfs /nonexistent/rootfs /bin/busybox true
expect bad-mount 125 "*" -- "$vmrun" --rootfs "$x86" --mount nocolon /bin/busybox true
expect bad-size 125 "*" -- "$vmrun" --rootfs "$x86" --max-memory lots /bin/busybox true
expect not-found 127 "" -- "$vmrun" --rootfs "$x86" /no/such/program
expect not-executable 126 "" -- "$vmrun" --rootfs "$x86" /etc/passwd
expect directory 126 "" -- "$vmrun" --rootfs "$x86" /etc
expect guest-status 1 "" -- "$vmrun" --rootfs "$x86" /bin/busybox false
expect guest-exit-42 42 "" -- "$vmrun" --rootfs "$x86" /bin/busybox sh -c 'exit 42'
expect path-lookup 0 "hi" -- "$vmrun" --rootfs "$x86" echo hi
# ps(1) sees the sandbox's own processes (/proc/<pid>), with their state.
for a in x86_64 riscv64; do
  expect "ps-$a" 0 "1 S
2 S sleep 5
4 R" -- "$vmrun" --rootfs "$base/$a" /bin/busybox sh -c \
    'sleep 5 & sleep 0.1; ps -o pid,stat,args > /tmp/ps; kill $!
     awk '"'"'NR > 1 { if ($1 == 2) print $1, $2, $3, $4; else print $1, $2 }'"'"' /tmp/ps'
done
# A fault kills even PID 1 (a signal it sends itself would not: it is its
# namespace's init, tests/cli/real_use_test.sh).
expect signal-128+n 139 "" -- "$vmrun" --rootfs "$x86" python3 -c 'import ctypes; ctypes.string_at(0)'
expect signal-128+n-child 139 "" -- "$vmrun" --rootfs "$x86" /bin/busybox sh -c 'sh -c "kill -SEGV \$\$"; exit $?'
expect insn-limit 124 "" -- "$vmrun" --rootfs "$x86" --max-insns 1000 /bin/busybox true
expect time-limit 124 "" -- "$vmrun" --rootfs "$rv" --timeout 0.5 /bin/busybox sleep 10
expect arch-from-elf 0 "riscv64" -- "$vmrun" --rootfs "$rv" /bin/busybox uname -m
expect arch-mismatch 126 "" -- "$vmrun" --rootfs "$rv" --arch x86_64 /bin/busybox true
expect env 0 "FOO=bar baz" -- "$vmrun" --rootfs "$x86" --env "FOO=bar baz" /bin/busybox sh -c 'echo FOO=$FOO'

# stdin is passed through.
out=$(printf 'one\ntwo\n' | "$vmrun" --rootfs "$x86" /bin/busybox wc -l 2>/dev/null)
check stdin [ "$out" = "2" ]

# The issue's mount example.
mkdir -p "$work/uploads"; printf 'a\nb\nc\n' > "$work/uploads/input.txt"
expect mount-cwd 0 "3 input.txt" -- "$vmrun" --rootfs "$x86" --mount "$work/uploads:/mnt/data" --cwd /mnt/data /bin/busybox wc -l input.txt
expect mount-ro 1 "*" -- "$vmrun" --rootfs "$x86" --mount "$work/uploads:/mnt/data" /bin/busybox touch /mnt/data/new
check mount-ro-untouched [ ! -e "$work/uploads/new" ]
expect mount-rw 0 "" -- "$vmrun" --rootfs "$x86" --mount "$work/uploads:/mnt/data:rw" /bin/busybox touch /mnt/data/new
check mount-rw-reaches-host [ -e "$work/uploads/new" ]

# The mount table and statfs as guest tools read them: df and mount list
# the overlay (sized by --max-disk, used = what the guest wrote) and the
# operator's mounts, never their host paths.
out=$("$vmrun" --rootfs "$x86" --max-disk 8M --mount "$work/uploads:/mnt/data" /bin/busybox sh -c \
  'dd if=/dev/zero of=/tmp/f bs=1k count=1024 2>/dev/null; df -k / /mnt/data; mount; stat -f -c %T /proc /tmp' 2>&1)
check df-overlay-size-used grep -Eq '^overlay +8192 +1024 +7168 +13% /$' <<<"$out"
check df-mount grep -Eq '^host +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+% /mnt/data$' <<<"$out"
check mount-lists-proc grep -q '^proc on /proc type proc (rw,nosuid,nodev,noexec,relatime)$' <<<"$out"
check mount-ro-flag grep -Eq '^host on /mnt/data type [a-z0-9]+ \(ro,' <<<"$out"
check mount-no-host-path bash -c '! grep -qF "$1" <<<"$2"' _ "$work" "$out"
check statfs-types grep -Pzq 'proc\ntmpfs\n' <<<"$out"

# Sparse files in the overlay: a 3 GiB file with one byte written past
# 2 GiB costs one page of the 8 MiB quota (du and df agree), while real
# data still meets the quota.
out=$("$vmrun" --rootfs "$x86" --max-disk 8M /bin/busybox sh -c \
  'truncate -s 3G /tmp/s && printf x | dd of=/tmp/s bs=1 seek=2147483648 conv=notrunc 2>/dev/null; ls -l /tmp/s; du -k /tmp/s; df -k /; dd if=/dev/zero of=/tmp/d bs=1M count=20; echo "dd $?"' 2>&1)
check sparse-size grep -Eq ' 3221225472 .* /tmp/s$' <<<"$out"
check sparse-du grep -Eq '^4\s+/tmp/s$' <<<"$out"
check sparse-df grep -Eq '^overlay +8192 +4 +8188 +0% /$' <<<"$out"
check sparse-quota-holds grep -q '^dd 1$' <<<"$out"

# A malformed executable is refused with a message, not run.
head -c 200 /dev/urandom > "$work/uploads/garbage"; printf '\177ELF' | dd of="$work/uploads/garbage" conv=notrunc 2>/dev/null
chmod +x "$work/uploads/garbage"
expect malformed-elf 126 "" -- "$vmrun" --rootfs "$x86" --mount "$work/uploads:/u" /u/garbage
check malformed-elf-message grep -q "cannot execute" "$work/err"

# The JSON report.
"$vmrun" --rootfs "$x86" --max-insns 5000 --report "$work/r.json" /bin/busybox true 2>/dev/null
for key in exit_code signal stop_reason instructions wall_seconds syscalls peak_guest_memory; do
  check "report-has-$key" grep -q "\"$key\"" "$work/r.json"
done
check report-stop-reason grep -q '"stop_reason": "instruction_limit"' "$work/r.json"
check report-instructions grep -q '"instructions": 5000,' "$work/r.json"

# --strace logs syscalls by name to stderr, with flags by name as strace(1)
# shows them.
"$vmrun" --rootfs "$x86" --strace /bin/busybox true 2>"$work/trace" >/dev/null
check strace grep -q '^\[1\] exit_group(0)' "$work/trace"
for a in x86_64 riscv64; do
  "$vmrun" --rootfs "$base/$a" --arch "$a" --strace /bin/busybox cat /etc/hostname 2>"$work/trace" >/dev/null
  check "strace-openat-$a" grep -q '^\[1\] openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3$' "$work/trace"
  check "strace-mprotect-$a" grep -Eq '^\[1\] mprotect\(0x[0-9a-f]+, [0-9]+, PROT_READ\) = 0$' "$work/trace"
  check "strace-brk-$a" grep -q '^\[1\] brk(NULL) = 0x' "$work/trace"
  "$vmrun" --rootfs "$base/$a" --arch "$a" --strace /bin/busybox sh -c '/bin/busybox true; exit 0' 2>"$work/trace" >/dev/null
  check "strace-clone-$a" grep -Eq '^\[1\] clone\(CLONE_CHILD_CLEARTID\|CLONE_CHILD_SETTID\|SIGCHLD, ' "$work/trace"
  check "strace-wait4-$a" grep -Eq '^\[1\] wait4\(-1, 0x[0-9a-f]+, 0, NULL\) = 2$' "$work/trace"
done
check strace-arch-prctl grep -q '^\[1\] arch_prctl(ARCH_SET_FS, 0x' <("$vmrun" --rootfs "$x86" --strace /bin/busybox true 2>&1 >/dev/null)

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
