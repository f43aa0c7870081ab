#!/usr/bin/env python3
"""The floor a warm spawn meets on this machine, without any emulation:
a native python3 that has imported what a job needs answers `print(1)`
jobs from copies of itself, the way a vmrun template does.

    python3 bench/native_fork_floor.py [--reps 40] [--gap-ms 50]

- "fork per job": fork at the request, the child runs the job.
- "pre-forked": a child is forked ahead and waits on a pipe for its job
  (vmrun's standby); the latency counts from the request.

Latency is from the request to the job's output having ended; CPU time
and minor faults are the child's (getrusage of the waited child; for
pre-forked children they include the time spent before the request,
which is small: the child only blocks). Every job's output is checked.
"""
import argparse, gc, json, os, runpy, statistics, sys, time, traceback  # what the server's driver imports

ap = argparse.ArgumentParser()
ap.add_argument("--reps", type=int, default=40)
ap.add_argument("--gap-ms", type=int, default=50)
args = ap.parse_args()
gc.freeze()
JOB = "print(1)\n"


def run_job(src, out_fd):
    os.dup2(out_fd, 1)
    exec(compile(src, "<job>", "exec"), {"__name__": "__main__"})
    sys.stdout.flush()
    os._exit(0)


def read_all(fd):
    out = b""
    while True:
        b = os.read(fd, 4096)
        if not b:
            return out
        out += b


def fork_per_job():
    r, w = os.pipe()
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        run_job(JOB, w)
    os.close(w)
    return finish(pid, r, t)


def finish(pid, r, t):
    """The job's output (read to its end), the seconds since `t`, the child's usage."""
    out = read_all(r)
    seconds = time.perf_counter() - t
    os.close(r)
    _, _, ru = os.wait4(pid, 0)
    return seconds, out, ru


def pre_forked():
    jr, jw = os.pipe()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(jw)
        os.close(r)
        src = read_all(jr).decode()
        run_job(src, w)
    os.close(jr)
    os.close(w)
    time.sleep(args.gap_ms / 1000)  # the standby is ready well before its request
    t = time.perf_counter()
    os.write(jw, JOB.encode())
    os.close(jw)
    return finish(pid, r, t)


print(f"date {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, python {sys.version.split()[0]} ({sys.executable}), "
      f"load {os.getloadavg()[0]:.2f}, {args.reps} jobs per mode, interleaved")
print("| mode | median ms | min ms | child CPU ms (median) | child minor faults (median) |")
print("| --- | ---: | ---: | ---: | ---: |")
results = {"fork per job": [], "pre-forked": []}
for i in range(args.reps):
    for name, f in (("fork per job", fork_per_job), ("pre-forked", pre_forked)):
        time.sleep(args.gap_ms / 1000)
        seconds, out, ru = f()
        if out != b"1\n":
            sys.exit(f"{name}: unexpected output {out!r}")
        results[name].append((seconds * 1000, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_minflt))
for name, rows in results.items():
    ms = [r[0] for r in rows]
    print(f"| {name} | {statistics.median(ms):.2f} | {min(ms):.2f} | {statistics.median(r[1] for r in rows):.2f} | "
          f"{statistics.median(r[2] for r in rows):.0f} |")
