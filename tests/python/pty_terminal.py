# Pseudo-terminals from Python: os.openpty with termios and tty.setraw,
# pty.fork (forkpty: setsid and the slave as controlling terminal) with a
# child that reads lines, catches SIGINT from ^C and SIGWINCH from a
# window-size change, and pty.spawn of a shell command, whose copy loop
# ends on the master's EIO once the child has gone. Prints only what is
# the same on Linux and under vmrun: the bytes each side saw, never
# timing or how they were split into reads.
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import tty


def show(label, value):
    print(f"{label}: {value}", flush=True)


def read_until(fd, token, limit=5.0):
    """Everything read from fd until `token` has arrived (or EOF/EIO, or
    `limit` seconds without a byte)."""
    data = b""
    while token not in data:
        ready, _, _ = select.select([fd], [], [], limit)
        if not ready:
            break
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


# --- os.openpty: both ends, termios, raw mode
master, slave = os.openpty()
show("isatty", (os.isatty(master), os.isatty(slave)))
show("ttyname", os.ttyname(slave).rstrip("0123456789"))
attrs = termios.tcgetattr(slave)
show("lflag ICANON ECHO ISIG", (bool(attrs[3] & termios.ICANON), bool(attrs[3] & termios.ECHO),
                                bool(attrs[3] & termios.ISIG)))
os.write(master, b"line one\r")
show("slave reads", os.read(slave, 100))
show("master echo", read_until(master, b"\n"))
os.write(slave, b"to\nmaster")
show("master reads (ONLCR)", read_until(master, b"master"))
tty.setraw(slave)
os.write(master, b"\x03raw\r")
show("raw slave reads", read_until(slave, b"\r"))
r, _, _ = select.select([master], [], [], 0.2)
show("raw: no echo", not r)
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 132, 0, 0))
show("window size via slave", os.get_terminal_size(slave))
os.close(slave)
try:
    os.read(master, 10)
    show("master after slave close", "data")
except OSError as e:
    show("master after slave close", type(e).__name__ + " " + str(e.errno == 5))
os.close(master)

# --- pty.fork: a child session on the slave
pid, fd = pty.fork()
if pid == 0:
    got = []
    signal.signal(signal.SIGINT, lambda *a: os.write(1, b"[SIGINT]\n"))
    signal.signal(signal.SIGWINCH,
                  lambda *a: os.write(1, b"[SIGWINCH %dx%d]\n" % tuple(os.get_terminal_size(0))))
    print("sid is pid", os.getsid(0) == os.getpid(), "isatty", os.isatty(0), flush=True)
    print("fg group is mine", os.tcgetpgrp(0) == os.getpgrp(), flush=True)
    print("ready", flush=True)
    line = sys.stdin.readline()
    print("child read", repr(line), flush=True)
    line = sys.stdin.readline()
    print("child read", repr(line), flush=True)
    os._exit(3)
transcript = read_until(fd, b"ready\r\n")
os.write(fd, b"hello\n")
transcript += read_until(fd, b"'hello\\n'\r\n")
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))
transcript += read_until(fd, b"SIGWINCH 77x33]\r\n")
os.write(fd, b"\x03")
transcript += read_until(fd, b"[SIGINT]\r\n")
os.write(fd, b"after\n")
transcript += read_until(fd, b"'after\\n'\r\n")
_, status = os.waitpid(pid, 0)
transcript += read_until(fd, b"never")
# The two handlers' lines may come in either order, on Linux too: a
# signal that lands after CPython's last check and before the child's
# read(2) leaves its Python handler waiting until that read returns, and
# when the ^C then comes the handlers run in signal-number order (SIGINT
# first). vmrun's turns, which end at any instruction, make that window
# wider than a native run does (a syscall trace of such a run: the
# child's rt_sigreturn from SIGWINCH's C handler, then its read(0) blocks
# until ^C). The lines between the two reads are printed sorted; that
# both handlers ran, with the new size, still shows.
lines = transcript.split(b"\r\n")
first = next((i for i, l in enumerate(lines) if l.startswith(b"child read 'hello")), None)
last = next((i for i, l in enumerate(lines) if l == b"after"), None)
if first is not None and last is not None and first < last:
    lines[first + 1:last] = sorted(lines[first + 1:last])
for line in lines:
    show("fork", line)
show("fork child exit", os.waitstatus_to_exitcode(status))
try:
    os.read(fd, 10)
except OSError as e:
    show("master read after exit", e.errno == 5)
os.close(fd)

# --- pty.spawn of a shell command
captured = []


def master_read(fd):
    data = os.read(fd, 1024)
    captured.append(data)
    return data


status = pty.spawn(["sh", "-c", "tty | sed 's/[0-9]*$/N/'; stty rows 24 cols 80; stty size; echo spawned; exit 4"], master_read)
sys.stdout.flush()
print(flush=True)
for line in b"".join(captured).split(b"\r\n"):
    show("spawn", line)
show("spawn status", os.waitstatus_to_exitcode(status))
