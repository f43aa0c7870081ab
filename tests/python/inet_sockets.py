# AF_INET and AF_INET6 sockets from Python on the loopback: socketserver
# (TCP and UDP, threading), http.server answering urllib, asyncio's
# start_server/open_connection on 127.0.0.1, localhost and ::1, and the
# errors.  Prints only what is the same on Linux and under vmrun (never a
# port number).
import asyncio
import errno
import http.server
import os
import socket
import socketserver
import threading
import urllib.request


def show(label, value):
    print(f"{label}: {value}", flush=True)


def errno_of(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, type(e).__name__)


# A plain TCP exchange with a forked client.
srv = socket.create_server(("127.0.0.1", 0))
host, port = srv.getsockname()
show("server", (host, port != 0))
pid = os.fork()
if pid == 0:
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(b"ping " * 1000)
        c.shutdown(socket.SHUT_WR)
        c.recv(1)
    os._exit(0)
conn, peer = srv.accept()
data = b""
while chunk := conn.recv(4096):
    data += chunk
show("received", (len(data), peer[0]))
conn.sendall(b"!")
conn.close()
show("child", os.waitpid(pid, 0)[1])
srv.close()
show("refused", errno_of(lambda: socket.create_connection(("127.0.0.1", port))))


# socketserver, TCP and UDP.
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(self.rfile.readline().upper())


class UdpEcho(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data[::-1], self.client_address)


for family, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    class Server(socketserver.ThreadingTCPServer):
        address_family = family
        allow_reuse_address = True

    with Server((addr, 0), Echo) as server:
        t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        t.start()
        with socket.create_connection(server.server_address[:2]) as c:
            c.sendall(b"hello tcp\n")
            show(f"tcp {addr}", c.makefile("rb").readline())
        server.shutdown()
        t.join()

    class UServer(socketserver.UDPServer):
        address_family = family

    with UServer((addr, 0), UdpEcho) as server:
        t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        t.start()
        with socket.socket(family, socket.SOCK_DGRAM) as c:
            c.settimeout(10)
            c.sendto(b"hello udp", server.server_address)
            data, frm = c.recvfrom(100)
            show(f"udp {addr}", (data, frm[0]))
        server.shutdown()
        t.join()


# http.server answering urllib.
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"path {self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as httpd:
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    t.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/hello?x=1"
    for _ in range(3):
        with urllib.request.urlopen(url, timeout=30) as r:
            show("http", (r.status, r.headers["Content-Type"], r.read()))
    httpd.shutdown()
    t.join()


# asyncio on the loopback, by address and by name.
async def handle(reader, writer):
    line = await reader.readline()
    writer.write(line[::-1].strip() + b"\n")
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main():
    for host in ("127.0.0.1", "localhost", "::1"):
        server = await asyncio.start_server(handle, host, 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"hello asyncio\n")
        show(f"asyncio {host}", (await reader.readline(), await reader.read()))
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
    try:
        await asyncio.open_connection("127.0.0.1", port)
        show("asyncio refused", "no")
    except ConnectionRefusedError:
        show("asyncio refused", "yes")


asyncio.run(main())

s = socket.socket()
show("bind non-local", errno_of(lambda: s.bind(("192.0.2.1", 0))))
a = socket.socket()
a.bind(("127.0.0.1", 0))
b = socket.socket()
show("bind in use", errno_of(lambda: b.bind(a.getsockname())))

# UDP-Lite: datagrams like UDP's, in a port space of their own.
lite = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDPLITE)
lite.bind(("127.0.0.1", 0))
lite_c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDPLITE)
lite_c.setsockopt(socket.IPPROTO_UDPLITE, 10, 8)  # UDPLITE_SEND_CSCOV
show("udplite coverage", lite_c.getsockopt(socket.IPPROTO_UDPLITE, 10))
show("udplite protocol", lite.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL) == socket.IPPROTO_UDPLITE)
lite_c.sendto(b"lite", lite.getsockname())
show("udplite datagram", lite.recvfrom(16)[0])
plain = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
show("udp on a udplite port", errno_of(lambda: plain.bind(lite.getsockname())))
show("done", True)
