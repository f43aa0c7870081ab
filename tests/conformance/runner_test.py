#!/usr/bin/env python3
"""Tests of tests/conformance/run.py.

    runner_test.py parse                 the -v output parser, on fixtures
    runner_test.py smoke VMRUN ARCH      one module natively and in vmrun

`smoke` runs test_bool both ways into a scratch directory and checks that
both pass with the same non-zero case count and that --report shows the row.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402

# What regrtest -v prints (3.11 and 3.13): output between " ... " and the
# verdict, a docstring case, a skip, a failure, and the result lines.
FIXTURE = """\
== CPython 3.11.2
0:00:00 load avg: 1.0 [1/1] test_x
test_a (test.test_x.A.test_a) ... ok
test_b (test.test_x.A.test_b) ... calling fork()
Child exited with code 4.
ok
test_c (test.test_x.A.test_c)
The docstring of c. ... FAIL
test_d (test.test_x.B.test_d) ... skipped 'no suitable locales'
test_e (test.test_x.B.test_e) ... hi there
ERROR
test_f (test.test_x.B.test_f) ... expected failure
test_g (test.test_x.B.test_g) ... unexpected success
test_h (test.test_x.B.test_h) ... printed ... with dots
ok

== Tests result: FAILURE ==
Tests result: FAILURE
"""


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def test_parse():
    cases, result = run.parse(FIXTURE)
    want = {"A.test_a": "ok", "A.test_b": "ok", "A.test_c": "FAIL", "B.test_d": "skipped",
            "B.test_e": "ERROR", "B.test_f": "xfail", "B.test_g": "unexpected", "B.test_h": "ok"}
    got = {k.split(".", 2)[2]: v for k, v in cases.items()}
    check(got == want, f"cases {got} != {want}")
    check(result == "FAILURE", f"result {result!r}")
    check(run.counts(cases) == (4, 3), f"counts {run.counts(cases)}")
    check(run.parse("no result line\n") == ({}, None), "a log without a result line")
    print("parse: ok")


def test_smoke(vmrun, arch):
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run([sys.executable, os.path.join(HERE, "run.py"), "--vmrun", vmrun, "--out", out,
                            "--timeout", "300", arch, "test_bool"], capture_output=True, text=True)
        print(r.stdout, r.stderr)
        check(r.returncode == 0, f"run.py exited {r.returncode}")
        mods = run.load(os.path.join(out, arch + ".json"))["modules"]
        native, vm = mods["test_bool"]["native"], mods["test_bool"]["vmrun"]
        check(native["status"] == "pass" and vm["status"] == "pass", f"status {native['status']}/{vm['status']}")
        n_ok, v_ok = run.counts(native["cases"])[0], run.counts(vm["cases"])[0]
        check(n_ok > 20 and n_ok == v_ok, f"cases ok native {n_ok}, vmrun {v_ok}")
        check(os.path.getsize(os.path.join(out, arch, "vmrun", "test_bool.log")) > 0, "the vmrun log")
        rep = subprocess.run([sys.executable, os.path.join(HERE, "run.py"), "--out", out, "--report"],
                             capture_output=True, text=True).stdout
        check(f"| test_bool | pass | pass | {n_ok} / {v_ok} |" in rep, "the report row:\n" + rep)
    print(f"smoke {arch}: ok")


if __name__ == "__main__":
    if sys.argv[1:2] == ["parse"]:
        test_parse()
    elif sys.argv[1:2] == ["smoke"] and len(sys.argv) == 4:
        if not os.path.isdir(run.paths(sys.argv[3])[1]):
            print("SKIP: no CPython test package; run scripts/fetch-cpython-tests.sh", sys.argv[3])
            sys.exit(77)
        test_smoke(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
