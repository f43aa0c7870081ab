#!/usr/bin/env python3
"""Malformed and hostile HTTP requests to `vmrun serve` get 400/401/404
with a JSON message, nothing reaches the host beyond the job directory,
and the server keeps serving.

    malformed_test.py VMRUN
"""
import json
import os
import socket
import sys
import time

from serve_harness import Server, check, finish

vmrun = sys.argv[1]
TOKEN = "s3cret-token"
s = Server(vmrun, "--jobs", "2", "--max-body", "1M", token=TOKEN)
good = {"language": "python", "version": "*", "files": [{"content": "print('fine')"}]}


def expect(what, status, body, want_status):
    check(f"{what}: {want_status}", status == want_status and isinstance(body, dict) and
          isinstance(body.get("message"), str) and body["message"], (status, body))


try:
    # Token.
    st, body = s.request("GET", "/api/v2/runtimes", headers={"Authorization": ""})
    expect("no token", st, body, 401)
    st, body = s.request("POST", "/api/v2/execute", good, headers={"Authorization": "Bearer wrong"})
    expect("bad token", st, body, 401)
    st, body = s.request("POST", "/api/v2/execute", good, headers={"Authorization": "Bearer " + TOKEN + "x"})
    expect("token with a suffix", st, body, 401)
    st, body = s.request("GET", "/healthz", headers={"Authorization": ""})
    check("healthz needs no token", st == 200 and body.get("status") == "ok", (st, body))
    st, body = s.request("GET", "/api/v2/runtimes")
    check("runtimes with the token", st == 200 and isinstance(body, list) and body, (st, body))

    # Bodies.
    st, body = s.request("POST", "/api/v2/execute", raw_body="{not json")
    expect("bad JSON", st, body, 400)
    st, body = s.request("POST", "/api/v2/execute", raw_body="[1,2]")
    expect("JSON that is not an object", st, body, 400)
    st, body = s.request("POST", "/api/v2/execute", raw_body="")
    expect("empty body", st, body, 400)
    st, body = s.request("POST", "/api/v2/execute", raw_body=b"\xff\xfe\x00garbage")
    expect("binary garbage", st, body, 400)
    huge = json.dumps({"language": "python", "files": [{"content": "#" * (2 << 20)}]})
    st, body = s.request("POST", "/api/v2/execute", raw_body=huge)
    expect("a 2 MiB body over --max-body 1M", st, body, 400)

    # Runtimes.
    expect("unknown language", *s.request("POST", "/api/v2/execute", dict(good, language="cobol")), 400)
    expect("unknown version", *s.request("POST", "/api/v2/execute", dict(good, version="2.7")), 400)
    expect("unknown arch", *s.request("POST", "/api/v2/execute", dict(good, arch="mips")), 400)
    expect("language not a string", *s.request("POST", "/api/v2/execute", dict(good, language=5)), 400)

    # File names and contents.
    for name in ["../../etc/passwd", "/etc/passwd", "a/../../b", "..", ".", "a//b", "a\x00b", "x\ny",
                 "n" * 300, "/".join(["d"] * 20) + "/f"]:
        req = dict(good, files=[{"name": name, "content": "print(1)"}])
        expect(f"file name {name[:40]!r}", *s.request("POST", "/api/v2/execute", req), 400)
    for content, enc in [("!!!", "base64"), ("abc", "hex"), ("zz", "hex"), ("x", "rot13"), ("x", 5)]:
        req = dict(good, files=[{"content": content, "encoding": enc}])
        expect(f"content {content!r} encoding {enc!r}", *s.request("POST", "/api/v2/execute", req), 400)
    expect("files empty", *s.request("POST", "/api/v2/execute", dict(good, files=[])), 400)
    expect("files not an array", *s.request("POST", "/api/v2/execute", dict(good, files="x")), 400)
    expect("file without content", *s.request("POST", "/api/v2/execute", dict(good, files=[{"name": "a"}])), 400)
    expect("same name twice", *s.request("POST", "/api/v2/execute",
                                         dict(good, files=[{"name": "a", "content": ""}, {"name": "a", "content": ""}])), 400)
    expect("args not strings", *s.request("POST", "/api/v2/execute", dict(good, args=[1, 2])), 400)
    expect("stdin not a string", *s.request("POST", "/api/v2/execute", dict(good, stdin=["x"])), 400)

    # Limits.
    for field, value in [("run_timeout", -5), ("run_timeout", "1000"), ("run_memory_limit", -2),
                         ("compile_timeout", -3), ("compile_memory_limit", "big"), ("run_memory_limit", True)]:
        expect(f"{field}={value!r}", *s.request("POST", "/api/v2/execute", dict(good, **{field: value})), 400)

    # Routes and methods.
    st, body = s.request("GET", "/api/v2/packages")
    expect("unknown route", st, body, 404)
    st, body = s.request("GET", "/api/v2/execute")
    check("GET on execute: 405", st == 405, (st, body))

    # Raw bytes that are not HTTP, an oversized header, and a client that
    # connects and says nothing: none of them stops the others.
    idle = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    raw = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
    answer = raw.recv(4096)
    raw.close()
    check("non-HTTP bytes: 400", answer.startswith(b"HTTP/1.1 400"), answer[:80])
    st, body = s.request("GET", "/healthz", headers={"X-Big": "h" * 40000})
    check("a 40 kB header: 400", st == 400, (st, body))

    # The server still serves, and a traversal never wrote outside the job
    # directories (the test's directory holds only what it made).
    st, body = s.request("POST", "/api/v2/execute", good)
    check("a good job after all that", st == 200 and body["run"]["stdout"] == "fine\n", (st, body))
    st, body = s.request("POST", "/api/v2/execute", dict(good, files=[
        {"name": "main.py", "content": "import os; print(sorted(os.listdir('.')))"},
        {"name": "sub/dir/data.bin", "content": "AAEC/w==", "encoding": "base64"}]))
    check("subdirectory names and base64 content reach the job", st == 200 and
          body["run"]["stdout"] == "['main.py', 'sub']\n", (st, body))
    st, body = s.request("POST", "/api/v2/execute", dict(good, files=[
        {"content": "print(open('d.bin','rb').read())"}, {"name": "d.bin", "content": "00ff7f", "encoding": "hex"}]))
    check("hex content is decoded", st == 200 and body["run"]["stdout"] == "b'\\x00\\xff\\x7f'\n", (st, body))
    idle.close()
    check("nothing but the jobs directory in the test directory",
          sorted(os.listdir(s.tmp)) == ["jobs", "server.log"], os.listdir(s.tmp))
    check("no job directory left", s.job_dirs() == [], s.job_dirs())
    check("the server is alive", s.proc.poll() is None)
    st, metrics = s.request("GET", "/metrics")
    check("metrics count the 400s", st == 200 and 'vmrun_http_responses_total{code="400"}' in metrics, metrics)
finally:
    s.stop()
    if "status=400" not in s.log_text():
        check("the log has one line per request", False, s.log_text()[-500:])
    s.cleanup()
finish()
