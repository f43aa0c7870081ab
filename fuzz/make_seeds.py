#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/ (committed; rerun after changing
an input format). Usage: python3 fuzz/make_seeds.py [BUILD_DIR]

BUILD_DIR (default: build) is where the normal build put the guest
programs; its tiny loop_1000 executables become real-ELF seeds of
fuzz_elf_loader when present. Everything else is built here.
"""
import os
import re
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")

EM_X86_64, EM_RISCV = 62, 243
PT_LOAD, PT_INTERP, PT_GNU_STACK = 1, 3, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4


def write(fuzzer, name, data):
    d = os.path.join(CORPUS, fuzzer)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- ELF files -------------------------------------------------------------

def elf(machine, etype, entry, phdrs, body=b"", flags=0):
    """phdrs: (type, flags, offset, vaddr, filesz, memsz)"""
    ehsize, phentsize = 64, 56
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", etype, machine, 1, entry, ehsize, 0, flags, ehsize, phentsize,
                      len(phdrs), 0, 0, 0)
    ph = b"".join(struct.pack("<IIQQQQQQ", t, f, off, va, va, fs, ms, 0x1000) for t, f, off, va, fs, ms in phdrs)
    head = eh + ph
    out = bytearray(max(len(head), 0x1000) + len(body))
    out[: len(head)] = head
    out[0x1000 : 0x1000 + len(body)] = body
    return bytes(out)


def elf_seeds():
    hlt = b"\xf4"
    ecall_exit = struct.pack("<III", 0x05D00893, 0x00000513, 0x00000073)
    # Static x86-64: code + data + stack note.
    write("fuzz_elf_loader", "static_x86_64", elf(EM_X86_64, 2, 0x401000, [
        (PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1001, 0x1001),
        (PT_LOAD, PF_R | PF_W, 0, 0x600000, 0, 0x10000),
        (PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0)], hlt))
    # riscv64 PIE (ET_DYN) with an interpreter and an executable stack.
    interp = b"/lib/ld-linux-riscv64-lp64d.so.1\0"
    body = ecall_exit + bytes(0x100 - len(ecall_exit)) + interp
    write("fuzz_elf_loader", "pie_interp_riscv64", elf(EM_RISCV, 3, 0x1000, [
        (PT_INTERP, PF_R, 0x1100, 0x1100, len(interp), len(interp)),
        (PT_LOAD, PF_R | PF_X, 0, 0, 0x1000 + len(body), 0x1000 + len(body)),
        (PT_LOAD, PF_R | PF_W, 0x1000, 0x11000, 0x10, 0x3000),
        (PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0)], body, flags=5))
    # Segments sharing pages with different protections, out of order.
    write("fuzz_elf_loader", "overlapping_x86_64", elf(EM_X86_64, 2, 0x401800, [
        (PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x800, 0x800),
        (PT_LOAD, PF_R | PF_X, 0x1800, 0x401800, 0x10, 0x2000),
        (PT_LOAD, PF_R, 0, 0x400000, 0x1000, 0x1000),
        (PT_LOAD, 0, 0, 0x500000, 0, 0x1000)], bytes(0x800) + hlt * 0x10))
    # A big bss near the span limit, and many segments.
    write("fuzz_elf_loader", "big_bss_x86_64", elf(EM_X86_64, 2, 0x401000, [
        (PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1001, 0x1001),
        (PT_LOAD, PF_R | PF_W, 0, 0x800000, 0, (1 << 36) - 0x800000)], hlt))
    many = [(PT_LOAD, PF_R | (PF_X if i == 0 else PF_W), 0, 0x400000 + 0x2000 * i, 0x1001 if i == 0 else 0, 0x1001)
            for i in range(64)]
    write("fuzz_elf_loader", "many_segments_riscv64", elf(EM_RISCV, 2, 0x401000, many, ecall_exit, flags=5))
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build")
    for arch in ("x86_64", "riscv64"):
        p = os.path.join(build, "guest", arch, "loop_1000")
        if os.path.exists(p):
            shutil.copyfile(p, os.path.join(CORPUS, "fuzz_elf_loader", "loop_1000_" + arch))


# --- VFS operations ---------------------------------------------------------

def vfs_seeds():
    seeds = {
        "read_passwd": "o\x00/etc/passwd\ns\x00/etc/pw\nr\x00/etc/pw\nw\x01/etc/passwd\n",
        "escapes": "o\x00/../../../secret.txt\no\x00/etc/up/secret.txt\no\x00/etc/hostsecret\n"
                   "o\x00/etc/hosttmp/secret.txt\ns\x00/etc/evil/../outside/secret.txt\n"
                   "D\x00/proc/self/root/../..\no\x00/proc/self/cwd/../../../../w/secret.txt\n",
        "loops": "s\x00/etc/loop1\ns\x01/etc/loop1\no\x00/etc/self\no\x00/etc/chain39\no\x00/etc/chain45\n"
                 "s\x00/etc/d/d/d/d/d/d/d/d/passwd\nr\x00/etc/deep\no\x00/etc/viaproc/etc/passwd\n",
        "create_write": "m\x00/tmp/d\no\x06/tmp/d/f\tcontent\ny\x00/tmp/d/l\t../../etc/up/etc/passwd\n"
                        "o\x02/tmp/d/l\tappended\nR\x00/tmp/d/f\t/tmp/g\nl\x00/tmp/g\t/tmp/h\nu\x00/tmp/g\n"
                        "T\x45/tmp/h\nc\x0f/tmp/h\nt\x02/tmp/h\nd\x00/tmp/d\n",
        "copy_up": "o\x02/etc/hostname\tnew name\no\x46/home/user/file.txt\tX\nu\x00/etc/pw\ns\x01/etc/pw\n"
                   "o\x05/etc/pw\tcreated again\nR\x01/etc/passwd\t/etc/passwd.hard\nR\x02/etc/hostname\t/etc/passwd\n",
        "mounts": "o\x00/mnt/rw/existing\no\x02/mnt/rw/existing\tmore\no\x04/mnt/rw/escape/x\tdata\n"
                  "o\x04/mnt/rw/escape_rel/x\tdata\ny\x00/mnt/rw/l\t/etc/passwd\nm\x00/mnt/rw/up/newdir\n"
                  "R\x00/mnt/rw/existing\t/mnt/rw/d/moved\no\x01/data/ro/readme\nr\x00/data/ro/escape\n"
                  "o\x00/data/ro/sub/link\nn\x00/mnt/rw/fifo2\no\x00/mnt/rw/fifo\n",
        "proc_dev": "o\x00/proc/self/fd/0\no\x00/etc/passwd\no\x00/proc/self/fd/0\nr\x00/proc/self/exe\n"
                    "w\x01/proc/self/maps\no\x00/dev/null\no\x02/dev/zero\tabc\no\x00/dev/urandom\n"
                    "s\x00/proc/7/root/etc/up\nD\x00/dev/fd/..\nf\x00/proc\nf\x00/dev/shm\n",
        "relative": "h\x00/usr/share/doc\no\x00a.txt\no\x00../../../../../etc/passwd\nD\x00../../..\n"
                    "o\x10.\no\x00a.txt\t\t/usr/share\nh\x00/home/user\no\x00up/etc/passwd\nh\x00tmplink\n",
        "uid1000": "!\x01\no\x00/secret/key\no\x00/etc/shadow\nm\x00/readonly/x\no\x04/tmp/mine\tx\n"
                   "C\x05/tmp/mine\nc\x80/etc/passwd\na\x02/etc/passwd\na\x01/bin/sh\nu\x00/tmp\n",
        "fd_base": "o\x10/etc\ns\x00passwd\t\t#0\no\x00up/etc/hostname\t\t#0\nm\x00newdir\t\t#0\n",
    }
    for name, text in seeds.items():
        write("fuzz_vfs_path", name, text)


# --- syscall sequences -----------------------------------------------------

def numbers(arch):
    out = {}
    with open(os.path.join(SRC, "syscalls", "numbers_%s.inc" % arch)) as f:
        for m in re.finditer(r"SYSCALL_NUMBER\((\w+), (\d+)\)", f.read()):
            out[m.group(1)] = int(m.group(2))
    return out


SCRATCH_SLOT = 1  # argument kind 1: kScratch + 16 * byte
SPECIAL = {"-1": 0, "AT_FDCWD": 1, "0": 2, "hole": 4, "ro": 5, "lowaddr": 7, "kernel": 8}


class Seq:
    def __init__(self, arch, uid1000=False):
        self.arch = arch
        self.nr = numbers(arch)
        self.head = bytes([(1 if arch == "riscv64" else 0) | (2 if uid1000 else 0)])
        self.scratch = bytearray()
        self.calls = bytearray()

    def string(self, s):
        """Puts s (NUL-terminated) in scratch at a 16-byte slot; returns the slot."""
        while len(self.scratch) % 16:
            self.scratch.append(0)
        slot = len(self.scratch) // 16
        self.scratch += s.encode() + b"\0"
        return slot

    def blob(self, data):
        while len(self.scratch) % 16:
            self.scratch.append(0)
        slot = len(self.scratch) // 16
        self.scratch += data
        return slot

    def call(self, name, *args):
        nr = self.nr[name]
        if nr < 0xF0:
            self.calls.append(nr)
        else:
            self.calls += bytes([0xF0 + (nr >> 8), nr & 0xFF])
        self.calls.append(len(args))
        for a in args:
            kind, val = a
            if kind == "imm":  # small value
                assert 0 <= val < 32
                self.calls.append(val << 3)
            elif kind == "ptr":  # scratch slot
                self.calls += bytes([1, val])
            elif kind == "u64":
                self.calls.append(2)
                self.calls += struct.pack("<Q", val & 0xFFFFFFFFFFFFFFFF)
            elif kind == "special":
                self.calls.append(3 | (SPECIAL[val] << 3))
            elif kind == "result":  # result of call #val
                self.calls.append(4 | (val << 3))
            elif kind == "u32":
                self.calls.append(5)
                self.calls += struct.pack("<I", val)
            else:
                raise ValueError(kind)

    def bytes(self):
        while len(self.scratch) % 16:
            self.scratch.append(0)
        assert len(self.scratch) <= 255 * 16
        return self.head + bytes([len(self.scratch) // 16]) + bytes(self.scratch) + bytes(self.calls)


def imm(v): return ("imm", v)
def ptr(s): return ("ptr", s)
def u64(v): return ("u64", v)
def u32(v): return ("u32", v)
def sp(n): return ("special", n)
def res(i): return ("result", i)


def syscall_seeds():
    for arch in ("x86_64", "riscv64"):
        # open/read/close of a rootfs file
        s = Seq(arch)
        p = s.string("/etc/passwd")
        buf = s.blob(bytes(256))
        s.call("openat", sp("AT_FDCWD"), ptr(p), imm(0))
        s.call("read", res(0), ptr(buf), u32(256))
        s.call("lseek", res(0), imm(0), imm(0))
        s.call("fstat", res(0), ptr(buf)) if "fstat" in s.nr else s.call("newfstatat", res(0), ptr(p), ptr(buf), imm(0))
        s.call("close", res(0))
        s.call("read", res(0), sp("hole"), imm(8))
        write("fuzz_syscalls", "open_read_" + arch, s.bytes())
        # memory: mmap, mprotect, mremap, munmap, brk
        s = Seq(arch)
        s.call("mmap", imm(0), u32(0x3000), imm(3), u32(0x22), sp("-1"), imm(0))
        s.call("mprotect", res(0), u32(0x1000), imm(1))
        s.call("mremap", res(0), u32(0x3000), u32(0x10000), imm(1), imm(0))
        s.call("madvise", res(2), u32(0x10000), imm(4))
        s.call("munmap", res(2), u32(0x10000))
        s.call("brk", imm(0))
        s.call("brk", u64(0x1000000))
        write("fuzz_syscalls", "memory_" + arch, s.bytes())
        # pipes, dup, poll, write
        s = Seq(arch)
        fds = s.blob(bytes(8))
        msg = s.string("hello through a pipe")
        s.call("pipe2", ptr(fds), imm(0))
        s.call("write", imm(1), ptr(msg), imm(20))
        s.call("dup3", imm(1), imm(9), imm(0))
        s.call("write", imm(9), ptr(msg), imm(5))
        s.call("ppoll", ptr(fds), imm(1), imm(0), imm(0))
        s.call("close_range", imm(3), u32(100), imm(0))
        write("fuzz_syscalls", "pipe_" + arch, s.bytes())
        # directories and paths
        s = Seq(arch)
        root = s.string("/")
        d = s.string("/tmp/fz")
        lnk = s.string("/tmp/fz/up")
        tgt = s.string("../../../..")
        buf = s.blob(bytes(512))
        s.call("openat", sp("AT_FDCWD"), ptr(root), u32(0o200000))  # O_DIRECTORY
        s.call("getdents64", res(0), ptr(buf), u32(512))
        s.call("mkdirat", sp("AT_FDCWD"), ptr(d), u32(0o755))
        s.call("symlinkat", ptr(tgt), sp("AT_FDCWD"), ptr(lnk))
        s.call("readlinkat", sp("AT_FDCWD"), ptr(lnk), ptr(buf), u32(512))
        s.call("chdir", ptr(lnk))
        s.call("getcwd", ptr(buf), u32(512))
        s.call("unlinkat", sp("AT_FDCWD"), ptr(lnk), imm(0))
        write("fuzz_syscalls", "dirs_" + arch, s.bytes())
        # processes and signals
        s = Seq(arch, uid1000=(arch == "riscv64"))
        act = s.blob(struct.pack("<QQQQ", 1, 0, 0, 0))  # SIG_IGN
        s.call("rt_sigaction", imm(10), ptr(act), imm(0), imm(8))
        s.call("getpid")
        s.call("kill", res(1), imm(10))
        s.call("clone", imm(17), imm(0), imm(0), imm(0), imm(0))
        s.call("wait4", sp("-1"), imm(0), imm(1), imm(0))
        s.call("kill", res(3), imm(9))
        s.call("wait4", sp("-1"), imm(0), imm(0), imm(0))
        s.call("exit_group", imm(3))
        write("fuzz_syscalls", "process_" + arch, s.bytes())
        # exec busybox, then keep going in the new image
        s = Seq(arch)
        path = s.string("/bin/busybox")
        argv = s.blob(struct.pack("<QQ", 0x10000000 + 16 * path, 0))
        s.call("execve", ptr(path), ptr(argv), imm(0))
        s.call("getpid")
        s.call("uname", sp("ro"))
        write("fuzz_syscalls", "execve_" + arch, s.bytes())
        # time, identity, futex, bad pointers
        s = Seq(arch)
        ts = s.blob(struct.pack("<qq", 0, 1000))
        s.call("clock_gettime", imm(1), ptr(ts))
        s.call("nanosleep", ptr(ts), imm(0))
        s.call("futex", ptr(ts), imm(0), imm(0), ptr(ts), imm(0), imm(0))
        s.call("getrandom", sp("kernel"), u32(16), imm(0))
        s.call("uname", sp("lowaddr"))
        s.call("setresuid", u32(1000), u32(1000), u32(1000))
        s.call("getuid")
        write("fuzz_syscalls", "misc_" + arch, s.bytes())
    # Unknown and out-of-range numbers.
    write("fuzz_syscalls", "unknown_numbers", bytes([0, 0]) + bytes([0xFF, 0xFF, 0, 0xF1, 0xB3, 0, 0xEF, 0]))


# --- guest code --------------------------------------------------------------

def code_seeds():
    x86 = {
        "exit0": "b83c00000031ff0f05",
        "write_exit": "b801000000bf01000000488d3500000000ba100000000f05b83c00000031ff0f05",
        "hlt": "f4",
        "int3": "cc",
        "ud2": "0f0b",
        "wrmsr": "31c931c031d20f30",
        "lgdt": "0f0110",
        "iretq": "48cf",
        "cpuid": "31c00fa2b8010000000fa2",
        "rdtsc": "0f31",
        "syscall_bad_nr": "48c7c0ffffffff0f05",
        "int80": "cd80",
        "fork_loop": "b8390000000f05ebf7",
        "spin": "ebfe",
        "div_zero": "31c9f7f1",
        "null_load": "8a042500000000",
        "mov_cr0": "0f22c0",
        "in_out": "eceefa",
        "sysenter_sysret": "0f34480f07",
        "ff_slash3_reg": "ffd8",
        "lock_cmp": "f039c0",
        "rt_sigreturn": "b80f0000000f05",
        "sse": "660f6fc10f28c8660f3a0fc108",
    }
    # Reproducer of the thread-group exit bug (docs/FUZZING.md): clone with
    # every flag (a CLONE_THREAD|CLONE_VFORK child), then a fault.
    x86["bug_clone_all_flags"] = "b83800000048c7c7ffffffff0f050f0b"
    for name, hexs in x86.items():
        write("fuzz_guest_code_x86_64", name, bytes.fromhex(hexs))
    rv = {
        "exit0": [0x05D00893, 0x00000513, 0x00000073],
        "write_exit": [0x04000893, 0x00100513, 0x00000597, 0x01000613, 0x00000073,
                       0x05D00893, 0x00000513, 0x00000073],
        "ecall": [0x00000073],
        "ebreak": [0x00100073],
        "wfi": [0x10500073],
        "csrw_mstatus": [0x30051073],
        "mret_sret": [0x30200073, 0x10200073],
        "counters": [0xC0002573, 0xC0102573, 0xC0202573],
        "illegal": [0x00000000],
        "fence_sfence": [0x0000100F, 0x12000073],
        "amo_float": [0x1001252F, 0x02007053],
        "clone_loop": [0x0DC00893, 0x01100513, 0x00000073, 0xFF5FF06F],
        "spin": [0x0000006F],
    }
    # The input fuzz_guest_code_riscv64 found (thread-group exit bug):
    # clone(-1, ...), then a jump into unmapped memory.
    rv["bug_clone_all_flags"] = [0x0DC00893, 0xFFF00513, 0x00000073, 0xFF5F6FF0]
    for name, words in rv.items():
        write("fuzz_guest_code_riscv64", name, b"".join(struct.pack("<I", w) for w in words))
    # Compressed encodings: c.li a0,1; c.ebreak / c.j 0 / c.unimp.
    write("fuzz_guest_code_riscv64", "compressed", bytes.fromhex("05450290"))
    write("fuzz_guest_code_riscv64", "compressed_spin", bytes.fromhex("01a0"))
    write("fuzz_guest_code_riscv64", "compressed_unimp", bytes.fromhex("05450000"))


if __name__ == "__main__":
    elf_seeds()
    vfs_seeds()
    syscall_seeds()
    code_seeds()
    for d in sorted(os.listdir(CORPUS)):
        print("%-26s %d files" % (d, len(os.listdir(os.path.join(CORPUS, d)))))
