#!/usr/bin/env python3
"""Latency of GET /healthz under a few concurrent loopback clients.

    load.py PORT [CLIENTS] [REQUESTS_PER_CLIENT] [keepalive|close]

Each client thread sends its requests one after another (a keep-alive
connection, or a new connection per request) and times each; prints the
median, p99 and requests per second over all of them.
"""
import http.client
import statistics
import sys
import threading
import time

port = int(sys.argv[1])
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 4
per_client = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
mode = sys.argv[4] if len(sys.argv) > 4 else "keepalive"
latencies = []
lock = threading.Lock()
errors = [0]


def client():
    mine = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(per_client):
        if mode == "close":
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        t = time.perf_counter()
        conn.request("GET", "/healthz")
        body = conn.getresponse().read()
        mine.append(time.perf_counter() - t)
        if b"ok" not in body:
            errors[0] += 1
        if mode == "close":
            conn.close()
    with lock:
        latencies.extend(mine)


start = time.perf_counter()
threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.perf_counter() - start
latencies.sort()
print(f"{mode}: {len(latencies)} requests, {clients} clients: median {statistics.median(latencies)*1e6:.0f} us, "
      f"p99 {latencies[int(len(latencies)*0.99)]*1e6:.0f} us, {len(latencies)/elapsed:.0f} req/s, errors {errors[0]}")
