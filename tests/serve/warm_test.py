#!/usr/bin/env python3
"""Piston python and sh jobs from the warm templates (server/job_runner.cpp,
WarmRunner) against the same jobs booted cold (VMRUN_SERVE_COLD=1): the
answers must be the same, each job must see nothing of the ones before it,
and the warm ones must really skip the interpreter's start-up.

    warm_test.py VMRUN
"""
import sys

from serve_harness import Server, check, finish

vmrun = sys.argv[1]

# (name, files, fields): files[0] is the one run.
JOBS = [
    ("argv, stdin and exit status",
     [("main.py", "import sys\nprint(sys.argv[1:], input(), sys.stdin.read().split())\nsys.exit(5)\n")],
     {"args": ["a", "b c"], "stdin": "first\nsecond third\n"}),
    ("a module beside the main file",
     [("prog.py", "import helper\nprint(helper.twice(21), __name__)\n"), ("helper.py", "def twice(x):\n    return 2 * x\n")], {}),
    ("the __main__ module's names, as python3 FILE makes them",
     [("g.py", "import sys\nprint(sorted(globals()), __name__, __file__, __package__, __spec__, __cached__, __doc__,\n"
               "      type(__loader__).__name__, __loader__.name, __loader__.path, __annotations__, sys.modules['__main__'].__file__)\n")],
     {}),
    ("an uncaught exception: the traceback starts in the job's file",
     [("boom.py", "def f():\n    return 1 / 0\nprint('before', flush=True)\nf()\n")], {}),
    ("stderr and stdout, SystemExit with a message",
     [("e.py", "import sys\nprint('out')\nprint('err', file=sys.stderr)\nraise SystemExit('bye')\n")], {}),
    ("atexit and the working directory",
     [("w.py", "import atexit, os\natexit.register(lambda: print('atexit ran'))\nprint(os.getcwd(), sorted(os.listdir('.')))\n")],
     {}),
    ("files in a subdirectory, a large stdin, and what fd 0 is",
     [("m.py", "import os, stat, sys\nprint(open('sub/d.txt').read(), sorted(os.listdir('sub')))\n"
               "data = sys.stdin.buffer.read()\nprint(len(data), data[:3], data[-3:], os.isatty(0),\n"
               "      stat.S_ISFIFO(os.fstat(0).st_mode), stat.S_ISREG(os.fstat(0).st_mode))\n"),
      ("sub/d.txt", "in a subdirectory")],
     {"stdin": "abc" + "x" * 200000 + "xyz"}),
    ("a subprocess",
     [("s.py", "import subprocess\nprint(subprocess.run(['echo', 'child'], capture_output=True, text=True).stdout.strip())\n")],
     {}),
    # sh jobs: warm when the main file has the default name (the
    # template's $0), cold otherwise.
    ("sh: $0, args, stdin, exit status",
     [("main.sh", 'echo "$0" "$#" "$1|$2"; read -r a; echo "got $a"; cat; echo "$PWD"; exit 7\n')],
     {"language": "bash", "args": ["x y", "it's\n\\new"], "stdin": "one\ntwo\nthree\n"}),
    ("sh: files beside it (a subdirectory, NUL bytes, a large one), a sourced helper, stderr",
     [("main.sh", "ls -R; wc -c < data.bin; od -An -c data.bin | head -1; wc -c < big.txt; cat sub/n.txt; . ./lib.sh; hello; "
                  "echo err >&2; set | grep -c _vmrun\n"),
      ("lib.sh", "hello() { echo from lib; }\n"), ("data.bin", "a\0b\n\0"), ("big.txt", "x" * 5000 + "\n"),
      ("sub/n.txt", "in sub\n")],
     {"language": "bash"}),
    ("sh: an empty main file and one of another name",
     [("run.sh", 'echo "$0" "$@"\n'), ("main.sh", "")], {"language": "bash", "args": ["a"]}),
    ("sh: an empty main file", [("main.sh", "")], {"language": "bash"}),
]


def answers(server):
    out = {}
    for name, files, fields in JOBS:
        body = {"language": "python", "version": "*", "files": [{"name": n, "content": c} for n, c in files]}
        body.update(fields)
        st, res = server.request("POST", "/api/v2/execute", body)
        out[name] = (st, res)
    return out


with Server(vmrun, "--jobs", "2", env={"VMRUN_SERVE_COLD": "1"}) as cold_server:
    cold = answers(cold_server)
s = Server(vmrun, "--jobs", "2")
try:
    warm = answers(s)
    for name, _, _ in JOBS:
        (cst, c), (wst, w) = cold[name], warm[name]
        same = cst == wst == 200 and all(c["run"][k] == w["run"][k] for k in ("stdout", "stderr", "code", "signal", "status"))
        check(f"warm = cold: {name}", same, {"cold": c.get("run", c), "warm": w.get("run", w)})
    boom = next(w for name, w in warm.items() if name.startswith("an uncaught exception"))[1]["run"]["stderr"]
    check("the traceback has no frame of the driver",
          "_vmrun_job" not in boom and "runpy" not in boom and "/job/boom.py" in boom, boom)
    check("the templates were made", "template runtime=python" in s.log_text() and "template runtime=bash" in s.log_text(),
          s.log_text()[-2000:])

    # A warm print(1) skips the start-up: far fewer guest system calls
    # than a cold one (which opens and reads the standard library's
    # modules). Neither counts instructions: no budget, timed turns.
    st, body = s.execute("python", "print(1)")
    with Server(vmrun, env={"VMRUN_SERVE_COLD": "1"}) as c2:
        cst, cbody = c2.execute("python", "print(1)")
    check("warm print(1): under a fifth of a cold one's system calls",
          st == cst == 200 and body["run"]["stdout"] == "1\n" and isinstance(body["run"].get("syscalls"), int) and
          body["run"]["syscalls"] * 5 < cbody["run"]["syscalls"],
          (body["run"].get("syscalls"), cbody["run"].get("syscalls")))
    check("no budget, no count: instructions null in both", body["run"].get("instructions") is None and
          cbody["run"].get("instructions") is None, (body["run"].get("instructions"), cbody["run"].get("instructions")))

    # Isolation: what one job leaves (files anywhere, module state) is not
    # in the next one.
    leave = ("import os, sys\nopen('/tmp/left-behind', 'w').write('x')\nopen('/job/extra.txt', 'w').write('x')\n"
             "sys.modules['json'].LEFT = 1\nos.environ['LEFT'] = '1'\nprint('left')")
    look = ("import json, os\nprint(os.path.exists('/tmp/left-behind'), os.path.exists('/job/extra.txt'), "
            "hasattr(json, 'LEFT'), 'LEFT' in os.environ, sorted(os.listdir('/job')))")
    st1, b1 = s.execute("python", leave)
    st2, b2 = s.execute("python", look)
    check("a job sees nothing another left", st1 == st2 == 200 and b1["run"]["stdout"] == "left\n" and
          b2["run"]["stdout"] == "False False False False ['main.py']\n", (b1.get("run"), b2.get("run")))

    # Limits still apply, counted from the spawn.
    st, body = s.execute("python", "while True: pass", run_timeout=1500)
    check("a warm job's time limit", st == 200 and body["run"]["stop_reason"] == "time_limit", body)
    st, body = s.execute("python", "print(2)")
    check("and the next job runs", st == 200 and body["run"]["stdout"] == "2\n", body)
finally:
    s.stop()
    s.cleanup()
finish()
