#!/usr/bin/env python3
"""CPython's regression suite, module by module, natively and under vmrun.

    tests/conformance/run.py [options] ARCH [MODULE ...]

For each module (all of the test package when none is named) this runs
`python3 -m test -u none -v MODULE` twice with the same timeout:

  native  x86_64: chroot into the default rootfs (in a private mount
          namespace: a writable overlay on a tmpfs over the rootfs, like
          vmrun's in-memory layer; a tmpfs /tmp, the host's /dev, a fresh
          /proc; the test package bound over the rootfs's stub), as root
          like the guest;
          riscv64: the same chroot, in a user namespace whose own
          binfmt_misc starts riscv64 programs under Debian's static
          qemu-riscv64 (foreign_exec.py; fetched into
          .deps/qemu-user-static on first use), so that a test's child
          python3 or sh is the rootfs's riscv64 program, as on a riscv64
          machine. Where that cannot be had (Linux < 6.7, no user
          namespaces) it says so and falls back to qemu-riscv64 -L, with
          which a child riscv64 program cannot start.
  vmrun   tests/cpython/run-cpython-test.sh's command (the default rootfs,
          the test package mounted read-only), without its exclusions.

Results go to OUT/ARCH.json (merged with what is there: a second run only
runs what is missing, unless --rerun) and the logs to OUT/ARCH/MODE/MODULE.log.
`--report` prints the Markdown tables of docs/CONFORMANCE.md from OUT.

Options:
  --out DIR         results directory (default build/conformance)
  --mode MODE       native, vmrun or both (default both)
  --timeout S       per module, the same for both modes (default 900)
  --jobs N          modules run at once (default 1)
  --vmrun PATH      the vmrun binary (default build/vmrun)
  --rerun           run modules that already have a result
  --report          print the tables and exit
  --first N         only the first N modules (alphabetical) of the package

Needs root (mount namespaces) and the trees of scripts/fetch-cpython-tests.sh.
"""
import argparse
import concurrent.futures
import datetime
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYVER = {"x86_64": "3.11", "riscv64": "3.13"}
RESULT_RE = re.compile(r"^(?:== )?Tests? result: ([A-Z ,]+?)(?: ==)?$", re.M)
# "test_name (test.test_mod.Class.test_name) ... ok" (3.11 and 3.13 -v); a
# docstring moves " ... VERDICT" to the next line, and what a test prints
# comes between " ... " and the verdict, which then starts a line.
CASE_RE = re.compile(r"^(test\w*) \(([\w.]+)\)(.*)$")
VERDICTS = ("ok", "FAIL", "ERROR", "skipped", "expected failure", "unexpected success")


def paths(arch):
    pyver = PYVER[arch]
    rootfs = os.environ.get("VMRUN_ROOTFS_DIR", os.path.join(TOP, ".deps/rootfs")) + "/" + arch
    tests = (os.environ.get("VMRUN_CPYTHON_TESTS_DIR", os.path.join(TOP, ".deps/cpython-tests"))
             + f"/{arch}/usr/lib/python{pyver}/test")
    return rootfs, tests, f"/usr/lib/python{pyver}/test"


def list_modules(tests):
    mods = []
    for name in sorted(os.listdir(tests)):
        path = os.path.join(tests, name)
        if name.startswith("test_") and name.endswith(".py"):
            mods.append(name[:-3])
        elif name.startswith("test_") and os.path.isfile(os.path.join(path, "__init__.py")):
            mods.append(name)
    return mods


# Both native runs: a private mount namespace, so nothing outlives them.
# The rootfs gets a writable overlay on a tmpfs (as vmrun's in-memory
# layer: writes are seen by the run and dropped after it), the test package
# is bound read-only over the rootfs's stub (as vmrun mounts it: a test
# that writes beside its own files skips itself both ways).
NAMESPACE_SETUP = r'''
root=$1 tests=$2 guest_tests=$3; shift 3
mount -t tmpfs tmpfs /mnt
mkdir /mnt/upper /mnt/work
mount -t overlay overlay -o "lowerdir=$root,upperdir=/mnt/upper,workdir=/mnt/work" "$root"
mount --bind "$tests" "$root$guest_tests"
mount -o remount,bind,ro "$root$guest_tests"
'''
# x86_64: chroot, with fresh /tmp, /proc and the host's /dev.
CHROOT_SCRIPT = NAMESPACE_SETUP + r'''
mount -t tmpfs tmpfs "$root/tmp"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  sh -c 'cd /tmp && exec "$@"' sh "$@"
'''
QEMU_STATIC = os.path.join(TOP, ".deps/qemu-user-static/usr/bin/qemu-riscv64-static")


# The fallback where a private binfmt_misc cannot be had (Linux < 6.7, no
# user namespaces): qemu-riscv64 -L, a weaker oracle (a child riscv64
# program cannot start, and a child host program runs the host's).
QEMU_L_SCRIPT = NAMESPACE_SETUP + r'''
mkdir /mnt/cwd && cd /mnt/cwd
exec env -i HOME=/root LANG=C.UTF-8 PATH=/usr/bin:/bin qemu-riscv64 -L "$root" "$root/usr/bin/python3" "$@"
'''
FOREIGN_EXEC = os.path.join(TOP, "tests/conformance/foreign_exec.py")
_foreign_exec_ok = None


def foreign_exec_works():
    global _foreign_exec_ok
    if _foreign_exec_ok is None and not os.access(QEMU_STATIC, os.X_OK):
        print(f"run.py: {QEMU_STATIC} missing; riscv64's native side falls back to qemu-riscv64 -L",
              file=sys.stderr)
        _foreign_exec_ok = False
    if _foreign_exec_ok is None:
        r = subprocess.run([sys.executable, FOREIGN_EXEC, QEMU_STATIC, "true"], capture_output=True, text=True)
        _foreign_exec_ok = r.returncode == 0
        if not _foreign_exec_ok:
            print("run.py: no private binfmt_misc here (" + (r.stderr.strip() or f"exit {r.returncode}") +
                  "); riscv64's native side falls back to qemu-riscv64 -L", file=sys.stderr)
    return _foreign_exec_ok


def fetch_qemu_static():
    """Debian 12's qemu-user-static, unpacked into .deps (the system's apt
    state untouched): the riscv64 native runs' binfmt_misc handler.
    scripts/setup.sh fetches it too; without it, the fallback."""
    if os.access(QEMU_STATIC, os.X_OK):
        return
    dest = os.path.join(TOP, ".deps/qemu-user-static")
    subprocess.run(["bash", os.path.join(TOP, "scripts/debian-fetch.sh"), "bookworm", "amd64",
                    os.path.join(TOP, ".deps/apt-bookworm-amd64"), dest, "qemu-user-static"])


def command(arch, mode, module, vmrun, timeout):
    rootfs, tests, guest_tests = paths(arch)
    regrtest = ["-m", "test", "-u", "none", "-v", module]
    if mode == "vmrun":
        archopt = ["--arch", "riscv64"] if arch == "riscv64" else []
        return [vmrun, *archopt, "--rootfs", rootfs, "--timeout", str(timeout),
                "--mount", f"{tests}:{guest_tests}", "python3", *regrtest]
    inner = ["sh", "-ec", CHROOT_SCRIPT, "sh", rootfs, tests, guest_tests, "python3", *regrtest]
    if arch == "x86_64":
        return ["unshare", "-m", "--propagation", "private", *inner]
    if not foreign_exec_works():
        return ["unshare", "-m", "--propagation", "private", "sh", "-ec", QEMU_L_SCRIPT, "sh",
                rootfs, tests, guest_tests, *regrtest]
    return [sys.executable, FOREIGN_EXEC, QEMU_STATIC, *inner]


def verdict_of(text):
    text = text.strip()
    for v in VERDICTS:
        if text == v or text.startswith(v + " ") or (v == "skipped" and text.startswith(v)):
            return {"expected failure": "xfail", "unexpected success": "unexpected"}.get(v, v)
    return None


def parse(text):
    """Per-case verdicts and the module's overall result from -v output."""
    cases, pending = {}, None
    for line in text.splitlines():
        m = CASE_RE.match(line)
        if m:
            pending = m.group(2)
            rest = m.group(3)
            if " ... " in rest:
                v = verdict_of(rest.split(" ... ", 1)[1])
                if v:
                    cases[pending], pending = v, None
            continue
        if pending is None:
            continue
        v = verdict_of(line.split(" ... ", 1)[1] if " ... " in line else line)
        if v:
            cases[pending], pending = v, None
    results = RESULT_RE.findall(text)
    return cases, (results[-1].strip() if results else None)


def run_one(arch, mode, module, args, logdir):
    cmd = command(arch, mode, module, args.vmrun, args.timeout)
    log = os.path.join(logdir, module + ".log")
    start = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=args.timeout + 30)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
            timed_out = True
    secs = round(time.monotonic() - start, 1)
    with open(log, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    cases, result = parse(text)
    if timed_out or (mode == "vmrun" and rc == 124 and "wall-clock limit" in text[-4000:]):
        status = "timeout"
    elif result is None:
        status = "crash"
    elif result.startswith("SUCCESS") or result == "NO TESTS RAN" and rc == 0:
        status = "pass"
    elif result == "NO TESTS RAN":
        status = "skipped"
    else:
        status = "fail"
    if status == "pass" and re.search(rf"^{re.escape(module)} skipped", text, re.M):
        status = "skipped"
    return {"status": status, "result": result, "rc": rc, "seconds": secs, "cases": cases,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"modules": {}}


def record(path, module, mode, result):
    """Adds one result to PATH, under a lock: runs of other modes or arches
    may be writing the same file."""
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = load(path)
        data["modules"].setdefault(module, {})[mode] = result
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, path)


def counts(cases):
    ok = sum(1 for v in cases.values() if v in ("ok", "xfail"))
    return ok, sum(1 for v in cases.values() if v in ("FAIL", "ERROR", "unexpected"))


def report(out):
    lines = []
    for arch in ("x86_64", "riscv64"):
        path = os.path.join(out, arch + ".json")
        if not os.path.exists(path):
            continue
        mods = load(path)["modules"]
        both = {m: r for m, r in mods.items() if "native" in r and "vmrun" in r}
        n_pass = sum(1 for r in both.values() if r["native"]["status"] == "pass")
        v_pass = sum(1 for r in both.values() if r["vmrun"]["status"] == "pass")
        both_pass = sum(1 for r in both.values()
                        if r["native"]["status"] == "pass" and r["vmrun"]["status"] == "pass")
        lines += [f"#### {arch} (python {PYVER[arch]})", "",
                  f"{len(both)} modules run both ways: {n_pass} pass natively, {v_pass} pass in vmrun, "
                  f"{both_pass} pass both ways.", "",
                  "| module | native | vmrun | cases ok native / vmrun | ok natively, not in vmrun | native s | vmrun s |",
                  "| --- | --- | --- | --- | --- | ---: | ---: |"]
        for m in sorted(both):
            n, v = both[m]["native"], both[m]["vmrun"]
            lost = sorted(c for c, verdict in n["cases"].items()
                          if verdict in ("ok", "xfail") and v["cases"].get(c) not in ("ok", "xfail"))
            shown = ", ".join(f"`{c.split('.', 2)[-1]}`" for c in lost[:4]) + (f" (+{len(lost) - 4})" if len(lost) > 4 else "")
            mark = "" if n["status"] == v["status"] else " **≠**"
            lines.append(f"| {m} | {n['status']} | {v['status']}{mark} | {counts(n['cases'])[0]} / "
                         f"{counts(v['cases'])[0]} | {shown} | {n['seconds']} | {v['seconds']} |")
        lines.append("")
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1].strip())
    ap.add_argument("arch", nargs="?", choices=sorted(PYVER))
    ap.add_argument("modules", nargs="*")
    ap.add_argument("--out", default=os.path.join(TOP, "build/conformance"))
    ap.add_argument("--mode", default="both", choices=("native", "vmrun", "both"))
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--vmrun", default=os.path.join(TOP, "build/vmrun"))
    ap.add_argument("--rerun", action="store_true")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--first", type=int, default=0)
    args = ap.parse_args()
    if args.report:
        report(args.out)
        return 0
    if not args.arch:
        ap.error("ARCH is needed (x86_64 or riscv64)")
    if os.geteuid() != 0:
        sys.exit("run.py: the native runs need root (a private mount namespace)")
    rootfs, tests, _ = paths(args.arch)
    if not os.path.isdir(tests) or not os.path.isdir(rootfs):
        sys.exit(f"run.py: {tests} or {rootfs} missing; run scripts/setup.sh and "
                 f"scripts/fetch-cpython-tests.sh {args.arch}")
    if args.arch == "riscv64" and args.mode != "vmrun":
        fetch_qemu_static()
    modules = args.modules or list_modules(tests)
    if args.first:
        modules = modules[:args.first]
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, args.arch + ".json")
    data = load(path)
    modes = ("native", "vmrun") if args.mode == "both" else (args.mode,)
    work = [(m, mode) for m in modules for mode in modes
            if args.rerun or mode not in data["modules"].get(m, {})]
    for mode in modes:
        os.makedirs(os.path.join(args.out, args.arch, mode), exist_ok=True)

    def job(item):
        module, mode = item
        r = run_one(args.arch, mode, module, args, os.path.join(args.out, args.arch, mode))
        record(path, module, mode, r)
        ok, bad = counts(r["cases"])
        print(f"{args.arch} {module} {mode}: {r['status']} ({ok} ok, {bad} failed, {r['seconds']} s)", flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for f in concurrent.futures.as_completed([pool.submit(job, w) for w in work]):
            f.result()
    return 0


if __name__ == "__main__":
    sys.exit(main())
