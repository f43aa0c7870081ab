"""Starting `vmrun serve` for a test and talking to it (loopback only).

    with Server(vmrun, "--jobs", "2") as s:
        status, body = s.request("POST", "/api/v2/execute", {...})
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

failures = []


def check(what, ok, detail=None):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail!r}"[:600]), flush=True)
    if not ok:
        failures.append(what)


def finish():
    print(f"{len(failures)} check(s) failed" if failures else "all checks passed", flush=True)
    raise SystemExit(1 if failures else 0)


class Server:
    def __init__(self, vmrun, *args, socket_path=None, token=None, env=None):
        self.tmp = tempfile.mkdtemp(prefix="vmrun-serve-test-")
        self.jobs_dir = os.path.join(self.tmp, "jobs")
        os.mkdir(self.jobs_dir)
        self.token = token
        cmd = [vmrun, "serve", "--jobs-dir", self.jobs_dir]
        if socket_path:
            cmd += ["--socket", socket_path]
        else:
            cmd += ["--listen", "127.0.0.1:0"]
        if token:
            cmd += ["--token", token]
        cmd += list(args)
        self.log = open(os.path.join(self.tmp, "server.log"), "w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                     env=None if env is None else {**os.environ, **env})
        line = self.proc.stdout.readline()
        m = re.search(r"127\.0\.0\.1:(\d+)", line)
        self.port = int(m.group(1)) if m else None
        self.socket_path = socket_path
        if not m and not (socket_path and "unix:" in line):
            self.stop()
            raise RuntimeError(f"vmrun serve did not start: {line!r}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def connection(self, timeout=60):
        if self.socket_path:
            conn = http.client.HTTPConnection("localhost", timeout=timeout)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(self.socket_path)
            conn.sock = s
            return conn
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=60, raw_body=None):
        conn = self.connection(timeout)
        h = dict(headers or {})
        if self.token and "Authorization" not in h:
            h["Authorization"] = "Bearer " + self.token
        data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        conn.request(method, path, body=data, headers=h)
        res = conn.getresponse()
        text = res.read()
        conn.close()
        try:
            return res.status, json.loads(text)
        except ValueError:
            return res.status, text.decode("utf-8", "replace")

    def execute(self, language, code, **fields):
        body = {"language": language, "version": "*", "files": [{"content": code}]}
        body.update(fields)
        return self.request("POST", "/api/v2/execute", body)

    def job_dirs(self):
        """Job and session directories left in --jobs-dir (inside the
        servers' own vmrun-serve-* directories)."""
        found = []
        for server_dir in os.listdir(self.jobs_dir):
            path = os.path.join(self.jobs_dir, server_dir)
            if os.path.isdir(path) and not os.path.islink(path):
                found += [os.path.join(server_dir, n) for n in os.listdir(path) if n != ".lock"]
        return found

    def children(self):
        """Process ids whose parent is the server."""
        out = []
        for task in os.listdir(f"/proc/{self.proc.pid}/task") if self.proc.poll() is None else []:
            try:
                with open(f"/proc/{self.proc.pid}/task/{task}/children") as f:
                    out += [int(p) for p in f.read().split()]
            except OSError:
                pass
        return out

    def descendants(self):
        """Process ids below the server: its job processes, and its warm
        templates' holders with their spawns (docs/SERVER.md)."""
        out, todo = [], [self.proc.pid] if self.proc.poll() is None else []
        while todo:
            pid = todo.pop()
            try:
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for task in tasks:
                try:
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        kids = [int(p) for p in f.read().split()]
                except OSError:
                    kids = []
                out += kids
                todo += kids
        return out

    def running_jobs(self):
        st, health = self.request("GET", "/healthz")
        return health.get("running", 0) if st == 200 else -1

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        if not self.log.closed:
            self.log.close()

    def log_text(self):
        with open(os.path.join(self.tmp, "server.log")) as f:
            return f.read()

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def alive(pid):
    """A process that exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(predicate, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
