# AF_UNIX sockets from Python: a path socket with a forked client, the
# socketserver and multiprocessing.connection servers, descriptor passing
# (socket.send_fds/recv_fds), SO_PEERCRED, the abstract namespace,
# datagrams, and asyncio's unix server.  Prints only what is the same on
# Linux and under vmrun (no pids, no paths outside a fresh directory).
import asyncio
import multiprocessing
import multiprocessing.connection
import os
import socket
import socketserver
import stat
import struct
import tempfile
import threading

workdir = tempfile.mkdtemp(prefix="unix-", dir="/tmp")
os.chdir(workdir)


def show(label, value):
    print(f"{label}: {value}", flush=True)


def errno_of(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return type(e).__name__


# --- a path socket, a forked client, SO_PEERCRED and SCM_RIGHTS
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind("plain.sock")
srv.listen(1)
st = os.stat("plain.sock")
show("is socket", stat.S_ISSOCK(st.st_mode))
show("sockname", srv.getsockname())
show("bind taken", errno_of(lambda: socket.socket(socket.AF_UNIX).bind("plain.sock")))
show("connect missing", errno_of(lambda: socket.socket(socket.AF_UNIX).connect("nope.sock")))

pid = os.fork()
if pid == 0:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect("plain.sock")
    cred = c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    peer_pid, uid, gid = struct.unpack("3i", cred)
    ok = peer_pid == os.getppid() and uid == os.getuid() and gid == os.getgid()
    c.sendall(b"cred ok" if ok else b"cred bad")
    msg, fds, flags, addr = socket.recv_fds(c, 100, 4)
    data = os.read(fds[0], 100) if fds else b""
    c.sendall(b"got %d fd(s): %s" % (len(fds), data))
    c.shutdown(socket.SHUT_WR)
    c.recv(10)
    os._exit(0)
conn, addr = srv.accept()
show("accepted from", repr(addr))
show("client says", conn.recv(100).decode())
r, w = os.pipe()
os.write(w, b"through a pipe")
os.close(w)
socket.send_fds(conn, [b"here"], [r])
os.close(r)
chunks = []
while True:
    b = conn.recv(100)
    if not b:
        break
    chunks.append(b)
show("client reply", b"".join(chunks).decode())
conn.close()
_, status = os.waitpid(pid, 0)
show("child exit", os.waitstatus_to_exitcode(status))
srv.close()
os.unlink("plain.sock")


# --- socketserver.UnixStreamServer in a thread
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line.upper())


server = socketserver.UnixStreamServer("ss.sock", Echo)
t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
t.start()
with socket.socket(socket.AF_UNIX) as c:
    c.connect("ss.sock")
    f = c.makefile("rwb")
    for word in (b"alpha\n", b"beta\n"):
        f.write(word)
        f.flush()
        show("echo", f.readline().decode().strip())
    f.close()
server.shutdown()
server.server_close()
t.join()
os.unlink("ss.sock")


# --- multiprocessing.connection with a unix address, a child process
def child(address):
    with multiprocessing.connection.Client(address, family="AF_UNIX", authkey=b"k") as c:
        job = c.recv()
        c.send(sum(job))


ctx = multiprocessing.get_context("fork")
with multiprocessing.connection.Listener("mp.sock", family="AF_UNIX", authkey=b"k") as listener:
    p = ctx.Process(target=child, args=(listener.address,))
    p.start()
    with listener.accept() as c:
        c.send(list(range(100)))
        show("multiprocessing sum", c.recv())
    p.join()
    show("multiprocessing exit", p.exitcode)

# --- abstract namespace and datagrams
name = b"\0vmrun-py-%d" % os.getpid()
a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
a.bind(name)
show("abstract sockname ok", a.getsockname() == name)
show("abstract taken", errno_of(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(name)))
b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
b.bind("b.sock")
b.sendto(b"first", name)
b.sendto(b"second datagram", name)
data, frm = a.recvfrom(100)
show("datagram", (data, frm))
data, anc, flags, frm = a.recvmsg(6)
show("truncated", (data, bool(flags & socket.MSG_TRUNC)))
a.setblocking(False)
show("empty queue", errno_of(lambda: a.recv(10)))
a.close()
show("sendto closed", errno_of(lambda: b.sendto(b"x", name)))
b.close()
os.unlink("b.sock")

x, y = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
x.send(b"one")
x.send(b"two!")
show("records", (y.recv(100), y.recv(100)))
x.close()
show("seqpacket eof", y.recv(100))
y.close()


# --- asyncio's unix server
async def main():
    async def handle(reader, writer):
        data = await reader.readline()
        writer.write(b"echo " + data)
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(handle, "aio.sock")
    reader, writer = await asyncio.open_unix_connection("aio.sock")
    writer.write(b"hello asyncio\n")
    show("asyncio", (await reader.readline()).decode().strip())
    show("asyncio eof", await reader.read())
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()


asyncio.run(main())
if os.path.exists("aio.sock"):
    os.unlink("aio.sock")
os.chdir("/")
os.rmdir(workdir)
show("done", True)
