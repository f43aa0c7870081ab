#!/usr/bin/env python3
# What vmrun serve adds around a warm python spawn: N Piston executes of
# print(1) (after a first one that makes the template), each printed with
# its total time, the spawn's own wall_time and CPU time, its guest
# instructions and syscalls (bench/RESULTS.md).
#   python3 bench/serve_overhead_probe.py VMRUN [N]
import subprocess, re, json, http.client, time, sys, os
vm = sys.argv[1]
srv = subprocess.Popen([vm, "serve", "--listen", "127.0.0.1:0", "--jobs", "2", "--log-level", "warn"], stdout=subprocess.PIPE, text=True)
port = int(re.search(r"127\.0\.0\.1:(\d+)", srv.stdout.readline()).group(1))
def ex():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps({"language": "python", "version": "*", "files": [{"content": "print(1)"}], "run_timeout": 60000})
    t = time.perf_counter(); c.request("POST", "/api/v2/execute", body, {"Content-Type": "application/json"})
    a = json.loads(c.getresponse().read()); dt = time.perf_counter() - t
    r = a["run"]; return dt, r["wall_time"], r["cpu_time"], r["instructions"], r.get("syscalls")
try:
    ex()
    for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 6):
        print("%.0f ms total, wall %s ms, cpu %s ms, insns %s, syscalls %s" % ((lambda x: (x[0]*1000,)+x[1:])(ex())))
finally:
    srv.terminate(); srv.wait(30)
