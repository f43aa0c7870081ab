#!/usr/bin/env python3
"""Hostile jobs through `vmrun serve`: a fork bomb, a memory bomb, an
output flood and an endless loop run at once; each ends with a classified
stop reason within its limits, while /healthz and another client's job are
answered; afterwards the server is healthy and left no process or job
directory behind.

    hostile_test.py VMRUN
"""
import sys
import threading
import time

from serve_harness import Server, alive, check, finish, wait_until

vmrun = sys.argv[1]
s = Server(vmrun, "--jobs", "3", "--max-queue", "8", "--max-output", "256K", "--max-procs", "32")

HOSTILE = {
    "fork bomb": ("bash", "bomb() { bomb & bomb; }; bomb", {"run_timeout": 3000}),
    "memory bomb": ("python", "x = []\nwhile True: x.append(bytearray(1 << 24))", {"run_memory_limit": 200 << 20}),
    "output flood": ("bash", "while :; do echo flood flood flood flood flood flood; done", {"run_timeout": 8000}),
    "endless loop": ("python", "while True: pass", {"run_timeout": 2000}),
}
results = {}


def run(name, language, code, fields):
    t = time.monotonic()
    results[name] = s.execute(language, code, **fields) + (time.monotonic() - t,)


try:
    # Python and sh jobs start from warm templates, each made at its
    # runtime's first job: their holders and the spawns they keep forked
    # ahead stay while the server runs. Every other process below the
    # server is a job's.
    st, body = s.execute("python", "print(6 * 7)")
    check("a first python job (the template is made)", st == 200 and body["run"]["stdout"] == "42\n", (st, body))
    st, body = s.execute("bash", "echo $((6 * 7))")
    check("a first sh job (the template is made)", st == 200 and body["run"]["stdout"] == "42\n", (st, body))
    time.sleep(0.5)
    baseline = sorted(s.descendants())
    threads = [threading.Thread(target=run, args=(name,) + spec) for name, spec in HOSTILE.items()]
    for t in threads:
        t.start()
    # While the bombs run: the health check answers at once and another
    # client's job waits for a slot and runs.
    time.sleep(0.5)
    t0 = time.monotonic()
    st, health = s.request("GET", "/healthz", timeout=5)
    check("healthz answers during the bombs", st == 200 and health["status"] == "ok", (st, health))
    check(f"healthz answered in {time.monotonic() - t0:.3f} s (< 1 s)", time.monotonic() - t0 < 1)
    check("jobs running at the same time", health.get("running", 0) + health.get("queued", 0) >= 2, health)
    st, body = s.execute("bash", "echo calm; echo $((6 * 7))")
    check("another client's job runs meanwhile", st == 200 and body["run"]["stdout"] == "calm\n42\n", (st, body))
    for t in threads:
        t.join(60)

    def run_of(name):
        st, body, seconds = results.get(name, (None, {}, 0))
        return st, body.get("run", {}), seconds

    st, run_, secs = run_of("fork bomb")
    check("fork bomb: classified (time_limit or exited), within ~3 s",
          st == 200 and run_.get("stop_reason") in ("time_limit", "exited") and secs < 20, (st, run_, secs))
    st, run_, secs = run_of("memory bomb")
    check("memory bomb: MemoryError inside the 200 MiB limit",
          st == 200 and run_.get("stop_reason") == "exited" and run_.get("code") == 1 and
          "MemoryError" in run_.get("stderr", "") and run_.get("memory", 1 << 40) <= 200 << 20, (st, run_))
    st, run_, secs = run_of("output flood")
    check("output flood: output_limit (status OL, SIGKILL), 256 KiB kept",
          st == 200 and run_.get("stop_reason") == "output_limit" and run_.get("status") == "OL" and
          run_.get("signal") == "SIGKILL" and 0 < len(run_.get("stdout", "")) <= 256 << 10, (st, {k: v for k, v in run_.items() if k != "stdout" and k != "output"}))
    st, run_, secs = run_of("endless loop")
    check("endless loop: time_limit after ~2 s (status TO)",
          st == 200 and run_.get("stop_reason") == "time_limit" and run_.get("status") == "TO" and
          1.9 <= run_.get("wall_time", 0) / 1000 < 10, (st, run_))

    # A guest that dies of a signal is reported by name.
    st, body = s.execute("python", "import ctypes; ctypes.string_at(0)")
    check("a segfaulting guest: signal SIGSEGV, status SG, code null",
          st == 200 and body["run"]["signal"] == "SIGSEGV" and body["run"]["status"] == "SG" and
          body["run"]["code"] is None, (st, body))

    check("no job process left once the jobs ended (only the template's)",
          wait_until(lambda: len(s.descendants()) == len(baseline), 5), (baseline, s.descendants()))
    # A worker frees its slot just after its answer has gone out.
    idle = {"status": "ok", "running": 0, "queued": 0}
    check("healthy afterwards, nothing running", wait_until(lambda: s.request("GET", "/healthz") == (200, idle), 5),
          s.request("GET", "/healthz"))
    st, metrics = s.request("GET", "/metrics")
    for reason in ("time_limit", "output_limit", "exited", "signaled"):
        check(f"metrics count {reason}", f'stop_reason="{reason}"' in metrics, metrics)
    check("no job directory left", s.job_dirs() == [], s.job_dirs())
finally:
    s.stop()
    s.cleanup()
finish()
