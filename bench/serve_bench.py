#!/usr/bin/env python3
"""`vmrun serve` on loopback: latency of one Piston execute at a time
(median, p99) for python `print(1)` and sh `echo hi`, and throughput with
CLIENTS concurrent clients against the same work done natively (a python3
or sh process per job) and by cold vmrun CLI runs (a vmrun process per
job). Every job's output is checked.

    python3 bench/serve_bench.py [--vmrun build/vmrun] [--jobs N] [--clients 8]
                                 [--latency-runs 20] [--throughput-jobs 32]

The server is started here on a free loopback port with --jobs N (default:
the host's cores) and stopped at the end. Python jobs start from the
server's warm template (made at its first python job, which this script
sends before measuring); --cold starts the server with VMRUN_SERVE_COLD=1,
where every job boots cold.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import re
import statistics
import subprocess
import time

ap = argparse.ArgumentParser()
ap.add_argument("--vmrun", default="build/vmrun")
ap.add_argument("--jobs", type=int, default=os.cpu_count())
ap.add_argument("--clients", type=int, default=8)
ap.add_argument("--latency-runs", type=int, default=20)
ap.add_argument("--throughput-jobs", type=int, default=32)
ap.add_argument("--cold", action="store_true", help="every job boots cold (VMRUN_SERVE_COLD=1)")
args = ap.parse_args()

WORK = {
    "python print(1)": {"piston": ("python", "print(1)"), "native": ["/usr/bin/python3", "-c", "print(1)"],
                        "cli": [args.vmrun, "python3", "-c", "print(1)"], "expect": "1\n"},
    "sh echo hi": {"piston": ("bash", "echo hi"), "native": ["/usr/bin/busybox", "sh", "-c", "echo hi"],
                   "cli": [args.vmrun, "/bin/busybox", "sh", "-c", "echo hi"], "expect": "hi\n"},
}

server = subprocess.Popen([args.vmrun, "serve", "--listen", "127.0.0.1:0", "--jobs", str(args.jobs),
                           "--max-queue", "256", "--log-level", "warn"], stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "VMRUN_SERVE_COLD": "1" if args.cold else "0"})
port = int(re.search(r"127\.0\.0\.1:(\d+)", server.stdout.readline()).group(1))


def execute(language, code):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps({"language": language, "version": "*", "files": [{"content": code}], "run_timeout": 60000})
    t = time.perf_counter()
    conn.request("POST", "/api/v2/execute", body, {"Content-Type": "application/json"})
    res = conn.getresponse()
    answer = json.loads(res.read())
    seconds = time.perf_counter() - t
    conn.close()
    if res.status != 200:
        raise RuntimeError(f"{res.status}: {answer}")
    return seconds, answer["run"]["stdout"]


def process(argv):
    t = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout
    return time.perf_counter() - t, out


def ms(x):
    return f"{x * 1000:.0f}"


def load():
    return open("/proc/loadavg").read().split()[0]


print(f"date {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, nproc {os.cpu_count()}, "
      f"server --jobs {args.jobs}{' (cold)' if args.cold else ''}, load {load()}")
try:
    for w in WORK.values():  # the first job of a runtime makes its template
        execute(*w["piston"])
    print("\n| job | sequential executes | median ms | p99 ms | min ms |\n| --- | --- | --- | --- | --- |")
    for name, w in WORK.items():
        times = []
        for _ in range(args.latency_runs):
            seconds, out = execute(*w["piston"])
            assert out == w["expect"], out
            times.append(seconds)
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"| {name} | {len(times)} | {ms(statistics.median(times))} | {ms(p99)} | {ms(times[0])} |")

    print(f"\n| job | mode | jobs | clients | jobs/s | median latency ms | load before |\n"
          "| --- | --- | --- | --- | --- | --- | --- |")
    for name, w in WORK.items():
        modes = {"vmrun serve (Piston execute)": lambda w=w: execute(*w["piston"]),
                 "native process": lambda w=w: process(w["native"]),
                 "vmrun CLI, cold": lambda w=w: process(w["cli"])}
        for mode, fn in modes.items():
            before = load()
            t = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                results = list(pool.map(lambda _: fn(), range(args.throughput_jobs)))
            elapsed = time.perf_counter() - t
            assert all(out == w["expect"] for _, out in results), results[:3]
            lat = statistics.median(s for s, _ in results)
            print(f"| {name} | {mode} | {len(results)} | {args.clients} | {len(results) / elapsed:.2f} | {ms(lat)} | {before} |")
finally:
    server.terminate()
    server.wait(30)
