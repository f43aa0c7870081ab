#!/usr/bin/env python3
"""Runs a command where riscv64 programs start as if the machine ran them.

    foreign_exec.py QEMU_STATIC COMMAND [ARG ...]

COMMAND runs as root in new user, mount and PID namespaces (every uid and
gid mapped to itself, so chown and the like behave as for real root) with
a binfmt_misc instance of its own. That instance starts every riscv64 ELF
program under QEMU_STATIC, a static qemu-riscv64 opened once here ("F"),
so it keeps working inside a chroot that has no qemu, for children and
grandchildren alike ("P": argv[0] as given). Nothing is registered on the
host: since Linux 6.7 a binfmt_misc mounted in a user namespace is private
to it.

This is how tests/conformance/run.py gives riscv64 the oracle x86-64 has:
a chroot into the default root filesystem in which a test's child
`python3` or `sh` is the rootfs's riscv64 program, not a failed exec or a
host tool.
"""
import ctypes
import os
import sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
# ELF64, little-endian, version 1, ET_EXEC or ET_DYN (the mask lets the low
# bit of e_type vary), EM_RISCV (243): as Debian's qemu-user registers it.
MAGIC = rb"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00"
MASK = rb"\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff"

_libc = ctypes.CDLL(None, use_errno=True)


def unshare(flags):
    if _libc.unshare(flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"unshare: {os.strerror(e)}")


def child(qemu, argv, go, ready):
    unshare(CLONE_NEWUSER)
    os.write(ready, b"u")
    os.close(ready)
    if os.read(go, 1) != b"m":  # the parent wrote our uid and gid maps
        os._exit(125)
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)
    unshare(CLONE_NEWNS | CLONE_NEWPID)
    pid = os.fork()  # the new PID namespace's first process
    if pid == 0:
        try:
            _libc.mount(b"none", b"/", None, 0x40000 | 0x4000, None)  # MS_PRIVATE | MS_REC
            # Our own proc, so that the binfmt_misc below is a fresh one.
            if _libc.mount(b"proc", b"/proc", b"proc", 0, None) != 0:
                raise OSError(ctypes.get_errno(), "mount /proc")
            fs = b"/proc/sys/fs/binfmt_misc"
            if _libc.mount(b"binfmt_misc", fs, b"binfmt_misc", 0, None) != 0:
                raise OSError(ctypes.get_errno(), "mount binfmt_misc (Linux >= 6.7 is needed)")
            with open(fs + b"/register", "wb", buffering=0) as reg:
                reg.write(b":vmrun-riscv64:M::" + MAGIC + b":" + MASK + b":" + qemu.encode() + b":FP")
            os.execvp(argv[0], argv)
        except OSError as e:
            print(f"foreign_exec.py: {e}", file=sys.stderr)
            os._exit(126)
    _, status = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[1].strip())
    qemu = os.path.abspath(sys.argv[1])
    if not os.access(qemu, os.X_OK):
        sys.exit(f"foreign_exec.py: {qemu} is not an executable")
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        os.close(ready_r)
        try:
            child(qemu, sys.argv[2:], go_r, ready_w)
        except OSError as e:
            print(f"foreign_exec.py: {e}", file=sys.stderr)
        os._exit(126)
    os.close(go_r)
    os.close(ready_w)
    if os.read(ready_r, 1) == b"u":
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{pid}/{name}", "w") as f:
                f.write("0 0 4294967295\n")
        os.write(go_w, b"m")
    os.close(go_w)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


if __name__ == "__main__":
    sys.exit(main())
