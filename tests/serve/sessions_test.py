#!/usr/bin/env python3
"""Code-interpreter sessions of `vmrun serve`: files uploaded, listed and
downloaded byte for byte within a quota, commands on them, a Python
interpreter whose state lasts from cell to cell (values, errors, output
of subprocesses), a cell over its time, links the guest makes never
followed by downloads, deletion and idle expiry.

    sessions_test.py VMRUN
"""
import os
import sys
import time
import urllib.parse

from serve_harness import Server, check, finish, wait_until

vmrun = sys.argv[1]
s = Server(vmrun, "--jobs", "2", "--session-quota", "1M", "--max-sessions", "2", "--session-idle", "30s")


def put(sid, name, data):
    return s.request("PUT", f"/sessions/{sid}/files/{urllib.parse.quote(name)}", raw_body=data)


def get(sid, name):
    conn = s.connection()
    conn.request("GET", f"/sessions/{sid}/files/{urllib.parse.quote(name)}")
    res = conn.getresponse()
    return res.status, res.read()


def cell(sid, code, **extra):
    return s.request("POST", f"/sessions/{sid}/cells", dict(code=code, **extra))


try:
    st, created = s.request("POST", "/sessions", {"idle_timeout": 20, "memory_limit": 512 << 20})
    check("create: 201 with an id", st == 201 and len(created.get("id", "")) == 32, (st, created))
    sid = created["id"]
    check("create: limits capped and echoed", created["idle_timeout"] == 20 and created["quota"] == 1 << 20, created)

    blob = bytes(range(256)) * 64 + b"\x00\xff end"
    st, body = put(sid, "in/blob.bin", blob)
    check("upload binary into a subdirectory: 201", st == 201 and body["size"] == len(blob), (st, body))
    st, data = get(sid, "in/blob.bin")
    check("download gives the same bytes", st == 200 and data == blob, (st, len(data)))
    st, body = put(sid, "big.bin", b"x" * (1 << 20))
    check("an upload beyond the quota: 400", st == 400 and "quota" in body["message"], (st, body))
    for bad in ["../escape", "/etc/passwd", "a/../../b"]:
        st, body = s.request("PUT", f"/sessions/{sid}/files/{bad}", raw_body=b"x")
        check(f"upload name {bad!r}: 400", st == 400, (st, body))
    st, listing = s.request("GET", f"/sessions/{sid}/files")
    names = {f["name"]: f for f in listing} if isinstance(listing, list) else {}
    check("listing shows the file and its size", names.get("in/blob.bin", {}).get("size") == len(blob), listing)

    # The interpreter: state across cells, values, output, errors.
    st, r = cell(sid, "import os\nn = len(open('in/blob.bin', 'rb').read())\nprint(os.getcwd())\nn")
    check("cell 1: stdout and the last expression's value", st == 200 and r["stdout"] == "/mnt/data\n" and
          r["value"] == str(len(blob)) and r["error"] is None, (st, r))
    st, r = cell(sid, "n * 2")
    check("cell 2: state from cell 1 kept", st == 200 and r["value"] == str(2 * len(blob)), (st, r))
    st, r = cell(sid, "import subprocess\nsubprocess.run(['echo', 'child says hi'])\nprint('x', file=sys.stderr) if False else None")
    check("cell 3: a subprocess's output is captured", st == 200 and r["stdout"] == "child says hi\n", (st, r))
    st, r = cell(sid, "1 / 0")
    check("cell 4: an exception is reported with its traceback",
          st == 200 and r["error"]["ename"] == "ZeroDivisionError" and "Traceback" in r["stderr"] and
          "<cell>" in r["stderr"], (st, r))
    st, r = cell(sid, "input()")
    check("cell 5: input() meets end of file, not the protocol", st == 200 and r["error"]["ename"] == "EOFError", (st, r))
    st, r = cell(sid, "open('made.txt', 'w').write('from a cell')\nos.symlink('/etc/passwd', 'link')")
    st, data = get(sid, "made.txt")
    check("a file written by a cell is downloadable", st == 200 and data == b"from a cell", (st, data))
    st, data = get(sid, "link")
    check("a link the guest made is not followed by a download", st == 404, (st, data[:80]))

    # A command on the session's files.
    st, r = s.request("POST", f"/sessions/{sid}/run", {"command": "wc -c < in/blob.bin; cat made.txt"})
    check("run: a shell command on the files", st == 200 and r["stdout"] == f"{len(blob)}\nfrom a cell" and
          r["code"] == 0, (st, r))
    st, r = s.request("POST", f"/sessions/{sid}/run", {"command": ["python3", "-c", "import sys; sys.exit(5)"]})
    check("run: argv form, exit code", st == 200 and r["code"] == 5 and r["status"] == "RE", (st, r))

    # A cell over its time: the interpreter restarts, state is lost.
    t = time.monotonic()
    st, r = cell(sid, "while True: pass", timeout=1000)
    check("a cell over its timeout is stopped", st == 200 and r["error"]["ename"] == "TimeLimit" and
          r["interpreter_restarted"] and time.monotonic() - t < 10, (st, r))
    st, r = cell(sid, "'n' in globals()")
    check("the next cell runs in a fresh interpreter", st == 200 and r["value"] == "False", (st, r))

    # Limits on sessions, deletion, expiry.
    st, second = s.request("POST", "/sessions", {"idle_timeout": 1})
    st3, third = s.request("POST", "/sessions", {})
    check("beyond --max-sessions: 503", st == 201 and st3 == 503, (st, st3, third))
    check("an idle session expires", wait_until(lambda: s.request("GET", f"/sessions/{second['id']}")[0] == 404, 10))
    st, body = s.request("DELETE", f"/sessions/{sid}")
    check("delete: 200", st == 200 and body == {"deleted": sid}, (st, body))
    st, body = s.request("GET", f"/sessions/{sid}")
    check("a deleted session is gone", st == 404, (st, body))
    check("session directories removed", wait_until(lambda: s.job_dirs() == [], 10), s.job_dirs())
    check("no emulator process left", wait_until(lambda: not s.children(), 10), s.children())
    st, body = s.request("GET", "/sessions/nope/files")
    check("an unknown session: 404", st == 404, (st, body))
finally:
    s.stop()
    s.cleanup()
finish()
