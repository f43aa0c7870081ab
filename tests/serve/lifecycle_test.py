#!/usr/bin/env python3
"""The server's life: a unix socket, the job slots and the queue bound
(waiting jobs run later, beyond the bound 503), and its end: SIGTERM
cancels running jobs, answers them and exits; SIGKILL leaves no emulator
process behind either.

    lifecycle_test.py VMRUN
"""
import os
import signal
import sys
import tempfile
import threading
import time

from serve_harness import Server, alive, check, finish, wait_until

vmrun = sys.argv[1]
LOOP = "while True: pass"

# A unix socket, mode 0600.
sock_dir = tempfile.mkdtemp(prefix="vmrun-serve-sock-")
sock = os.path.join(sock_dir, "serve.sock")
s = Server(vmrun, "--jobs", "1", socket_path=sock)
try:
    check("unix socket is the owner's only", os.stat(sock).st_mode & 0o777 == 0o600, oct(os.stat(sock).st_mode))
    st, body = s.execute("bash", "echo over the socket")
    check("a job over the unix socket", st == 200 and body["run"]["stdout"] == "over the socket\n", (st, body))
finally:
    s.stop()
check("the socket file is removed at exit", not os.path.exists(sock))
s.cleanup()
os.rmdir(sock_dir)

# One slot, one waiting place: the third concurrent job is refused.
s = Server(vmrun, "--jobs", "1", "--max-queue", "1")
try:
    answers = {}

    def submit(name, code, timeout_ms):
        answers[name] = s.execute("python", code, run_timeout=timeout_ms)

    first = threading.Thread(target=submit, args=("first", LOOP, 2000))
    first.start()
    check("the first job starts", wait_until(lambda: s.request("GET", "/healthz")[1]["running"] == 1, 10))
    second = threading.Thread(target=submit, args=("second", "print('waited')", 5000))
    second.start()
    check("the second job waits", wait_until(lambda: s.request("GET", "/healthz")[1]["queued"] == 1, 10))
    st, body = s.execute("python", "print('too many')")
    check("the third gets 503 with a message", st == 503 and "message" in body, (st, body))
    first.join(30)
    second.join(30)
    check("the first ran into its timeout", answers["first"][1]["run"]["stop_reason"] == "time_limit", answers["first"])
    check("the waiting job ran after it", answers["second"][1]["run"]["stdout"] == "waited\n", answers["second"])
    st, metrics = s.request("GET", "/metrics")
    check("metrics count the refusal", "vmrun_jobs_rejected_total 1" in metrics, metrics)
finally:
    s.stop()
    s.cleanup()


def long_jobs(server, n):
    """Starts n endless jobs; returns the threads and the answers."""
    answers = []

    def one():
        try:
            answers.append(server.execute("python", LOOP, run_timeout=-1))
        except OSError as e:  # the server went away (SIGKILL)
            answers.append((None, str(e)))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    return threads, answers


# SIGTERM: running jobs are cancelled and answered, the server exits 0.
s = Server(vmrun, "--jobs", "2", "--max-timeout", "60s")
try:
    threads, answers = long_jobs(s, 2)
    check("two jobs running", wait_until(lambda: s.running_jobs() == 2, 15), s.running_jobs())
    time.sleep(0.5)
    emulators = s.descendants()  # the jobs' processes and the python template's
    t0 = time.monotonic()
    s.proc.send_signal(signal.SIGTERM)
    code = s.proc.wait(20)
    check(f"SIGTERM: exit status 0 in {time.monotonic() - t0:.2f} s", code == 0, code)
    for t in threads:
        t.join(10)
    check("SIGTERM: both jobs answered as cancelled",
          len(answers) == 2 and all(a[0] == 200 and a[1]["run"]["stop_reason"] == "cancelled" for a in answers), answers)
    check("SIGTERM: no emulator process left", not any(alive(p) for p in emulators), emulators)
    check("SIGTERM: nothing left in --jobs-dir", os.listdir(s.jobs_dir) == [], os.listdir(s.jobs_dir))
finally:
    s.stop()
    s.cleanup()

# SIGKILL: the emulator processes die with the server (PR_SET_PDEATHSIG).
s = Server(vmrun, "--jobs", "2", "--max-timeout", "60s")
try:
    threads, answers = long_jobs(s, 2)
    check("two jobs running", wait_until(lambda: s.running_jobs() == 2, 15), s.running_jobs())
    time.sleep(0.5)
    emulators = s.descendants()  # the jobs' processes and the python template's
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(10)
    # Cold jobs die with the server (PR_SET_PDEATHSIG); the template's
    # holder sees its control socket close and kills its spawns. Tearing
    # down their memory takes a while on a loaded machine.
    check("SIGKILL: the emulator processes are gone within 20 s",
          wait_until(lambda: not any(alive(p) for p in emulators), 20), [p for p in emulators if alive(p)])
    for t in threads:
        t.join(10)
    check("SIGKILL: the clients saw the connection end", len(answers) == 2 and all(a[0] is None for a in answers), answers)
    left = os.listdir(s.jobs_dir)
    check("SIGKILL: the killed server's directory stays, with its jobs' directories",
          len(left) == 1 and left[0].startswith("vmrun-serve-") and len(s.job_dirs()) == 2, (left, s.job_dirs()))
    # The next server on the same --jobs-dir removes it.
    s.stop()
    import subprocess
    again = subprocess.Popen([vmrun, "serve", "--listen", "127.0.0.1:0", "--jobs-dir", s.jobs_dir],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    again.stdout.readline()
    now = os.listdir(s.jobs_dir)
    check("the next server removed the killed one's directory",
          len(now) == 1 and now[0] != left[0], (left, now))
    again.terminate()
    again.wait(20)
    again.stdout.close()
    check("and its own at exit", os.listdir(s.jobs_dir) == [], os.listdir(s.jobs_dir))
finally:
    s.stop()
    s.cleanup()
finish()
