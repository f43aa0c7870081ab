#!/usr/bin/env python3
"""Scale-out on an ordinary load balancer (docs/SCALING.md): two `vmrun
serve` processes behind HAProxy on loopback. Piston executes are spread
over both; a session's requests reach the server that holds it, routed by
the server id at the front of its session id.

    haproxy_test.py VMRUN HAPROXY
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from serve_harness import Server, check, finish  # noqa: E402

vmrun, haproxy = sys.argv[1], sys.argv[2]
CONFIG_TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "haproxy.cfg")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Front:
    """Requests through the balancer, with Server's request helper."""

    def __init__(self, port):
        self.port, self.token, self.socket_path = port, None, None

    connection = Server.connection
    request = Server.request
    execute = Server.execute


servers = {name: Server(vmrun, "--server-id", name, "--jobs", "2") for name in ("a", "b")}
tmp = tempfile.mkdtemp(prefix="vmrun-scale-test-")
front_port = free_port()
with open(CONFIG_TEMPLATE) as f:
    config = f.read()
config = (config.replace("127.0.0.1:8080", f"127.0.0.1:{front_port}")
          .replace("127.0.0.1:2001", f"127.0.0.1:{servers['a'].port}")
          .replace("127.0.0.1:2002", f"127.0.0.1:{servers['b'].port}"))
cfg = os.path.join(tmp, "haproxy.cfg")
with open(cfg, "w") as f:
    f.write(config)
check("the documented configuration is valid", subprocess.run([haproxy, "-c", "-q", "-f", cfg]).returncode == 0)
balancer = subprocess.Popen([haproxy, "-db", "-f", cfg], stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "haproxy.log"), "w"))
try:
    front = Front(front_port)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if front.request("GET", "/healthz", timeout=2)[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    check("the balancer answers", front.request("GET", "/healthz")[0] == 200)

    # Executes are spread over both servers.
    outputs = []
    for i in range(8):
        st, body = front.execute("bash", f"echo job {i}")
        outputs.append(st == 200 and body["run"]["stdout"] == f"job {i}\n")
    check("8 executes through the balancer", all(outputs), outputs)
    served = {}
    for name, s in servers.items():
        st, metrics = s.request("GET", "/metrics")
        m = re.findall(r'^vmrun_jobs_total\{[^}]*\} (\d+)', metrics, re.M)
        served[name] = sum(int(x) for x in m)
    check("both servers ran jobs", all(n >= 2 for n in served.values()) and sum(served.values()) == 8, served)

    # Two sessions, created through the balancer: each lives on one server,
    # and every later request reaches it (state kept between cells).
    ids = []
    for _ in range(2):
        st, body = front.request("POST", "/sessions", {})
        check("a session is created", st in (200, 201) and "id" in body, (st, body))
        ids.append(body.get("id", ""))
    check("the sessions went to different servers", sorted(i.split("-")[0] for i in ids) == ["a", "b"], ids)
    for n, sid in enumerate(ids):
        st1, c1 = front.request("POST", f"/sessions/{sid}/cells", {"code": f"x = {n + 1}"})
        st2, c2 = front.request("POST", f"/sessions/{sid}/cells", {"code": "print(x + 1)"})
        check(f"session {sid[:10]}: state kept between cells", st1 == st2 == 200 and c2.get("stdout") == f"{n + 2}\n",
              (st1, c1, st2, c2))
        st, _ = front.request("PUT", f"/sessions/{sid}/files/note.txt", raw_body=f"note {n}".encode())
        st2, text = front.request("GET", f"/sessions/{sid}/files/note.txt")
        check(f"session {sid[:10]}: a file kept between calls", st in (200, 201) and st2 == 200 and text == f"note {n}",
              (st, st2, text))
        owner = servers[sid.split("-")[0]]
        other = servers["b" if sid.startswith("a-") else "a"]
        check(f"session {sid[:10]}: held by its server alone",
              owner.request("GET", f"/sessions/{sid}")[0] == 200 and other.request("GET", f"/sessions/{sid}")[0] == 404)
    for sid in ids:
        check("a session is deleted through the balancer", front.request("DELETE", f"/sessions/{sid}")[0] in (200, 204))
finally:
    balancer.terminate()
    balancer.wait(10)
    for s in servers.values():
        s.stop()
        s.cleanup()
finish()
