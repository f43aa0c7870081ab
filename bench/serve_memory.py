#!/usr/bin/env python3
"""vmrun serve: memory of an idle server (before and after its python
template is made), the memory each idle session adds (PSS, so pages the
processes share are divided among them), and the latency of session cells
`x = 1` and then `print(x + 1)`.

    python3 bench/serve_memory.py [VMRUN]    (default build/vmrun)
"""
import http.client, json, os, re, subprocess, time, statistics, sys
vmrun = sys.argv[1] if len(sys.argv) > 1 else "build/vmrun"
srv = subprocess.Popen([vmrun, "serve", "--listen", "127.0.0.1:0", "--log-level", "warn"], stdout=subprocess.PIPE, text=True)
port = int(re.search(r"127\.0\.0\.1:(\d+)", srv.stdout.readline()).group(1))
def req(method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, json.dumps(body) if body is not None else None)
    r = c.getresponse(); d = r.read(); c.close()
    return r.status, json.loads(d)
def tree(pid):
    out, todo = [pid], [pid]
    while todo:
        p = todo.pop()
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                kids = [int(x) for x in open(f"/proc/{p}/task/{t}/children").read().split()]
                out += kids; todo += kids
        except OSError: pass
    return out
def pss(pids):
    tot = 0
    for p in pids:
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Pss:"): tot += int(line.split()[1])
        except OSError: pass
    return tot / 1024
def rss(pids):
    tot = 0
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"): tot += int(line.split()[1])
        except OSError: pass
    return tot / 1024
time.sleep(0.5)
print(f"load {open('/proc/loadavg').read().split()[0]}")
print(f"idle server, no template: processes {len(tree(srv.pid))}, PSS {pss(tree(srv.pid)):.1f} MiB, RSS sum {rss(tree(srv.pid)):.1f} MiB")
req("POST", "/api/v2/execute", {"language": "python", "version": "*", "files": [{"content": "print(1)"}]})
time.sleep(1)
print(f"idle server with the python template: processes {len(tree(srv.pid))}, PSS {pss(tree(srv.pid)):.1f} MiB, RSS sum {rss(tree(srv.pid)):.1f} MiB")
base = pss(tree(srv.pid))
ids = []
for i in range(4):
    st, b = req("POST", "/sessions", {}); ids.append(b["id"])
    req("POST", f"/sessions/{b['id']}/cells", {"code": "x = 1"})
time.sleep(1)
after = pss(tree(srv.pid))
print(f"4 idle sessions (one cell run each): PSS {after:.1f} MiB, added per session {(after - base) / 4:.1f} MiB")
lat1, lat2 = [], []
for i in range(20):
    sid = ids[i % 4]
    t = time.perf_counter(); req("POST", f"/sessions/{sid}/cells", {"code": "x = 1"}); lat1.append(time.perf_counter() - t)
    t = time.perf_counter(); st, b = req("POST", f"/sessions/{sid}/cells", {"code": "print(x + 1)"}); lat2.append(time.perf_counter() - t)
    assert b["stdout"] == "2\n", b
for name, l in (("x = 1", lat1), ("print(x + 1)", lat2)):
    l.sort(); print(f"cell {name!r}: median {statistics.median(l)*1000:.1f} ms, p99 {l[-1]*1000:.1f} ms, min {l[0]*1000:.1f} ms (20 each)")
srv.terminate(); srv.wait(30)
