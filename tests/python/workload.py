# Differential python3 workload (tests/python/run-workload.sh runs it under
# a reference and under vmrun and compares stdout, stderr and exit status
# byte for byte).  Its output must be deterministic and the same on
# Python 3.11 (Debian 12, x86-64) and 3.13 (Debian 13, riscv64): print
# facts and relations, never addresses, inode numbers, times, pids, random
# temporary names, library versions or traceback layouts.
import bz2
import concurrent.futures
import decimal
import gzip
import hashlib
import itertools
import json
import lzma
import os
import queue
import random
import re
import select
import selectors
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib


def section(name):
    print("==", name)


# ---- processes first: fork while single-threaded ---------------------------
def t_fork_pipe():
    section("fork")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        msg = b"child says " + str(sum(range(1000))).encode()
        os.write(w, msg)
        os.close(w)
        os._exit(42)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        data += chunk
    os.close(r)
    wpid, status = os.waitpid(pid, 0)
    print("read", data.decode())
    print("waitpid same pid", wpid == pid, "exited", os.WIFEXITED(status),
          "code", os.WEXITSTATUS(status))
    # A child killed by a signal.
    pid = os.fork()
    if pid == 0:
        os.kill(os.getpid(), signal.SIGTERM)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print("signaled", os.WIFSIGNALED(status), "sig", os.WTERMSIG(status))
    print("waitstatus_to_exitcode", os.waitstatus_to_exitcode(status))


def t_signal():
    section("signal")
    got = []

    def handler(signum, frame):
        got.append(signum)

    old = signal.signal(signal.SIGUSR1, handler)
    print("old handler is default", old == signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGUSR1)
    # The handler runs at the next bytecode boundary.
    for _ in range(3):
        pass
    print("handled", got == [signal.SIGUSR1], signal.Signals(got[0]).name)
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    os.kill(os.getpid(), signal.SIGUSR1)
    print("ignored, still", len(got))
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    # SIGALRM via setitimer-free alarm(0) query and a masked signal.
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
    os.kill(os.getpid(), signal.SIGUSR2)
    print("pending USR2", signal.SIGUSR2 in signal.sigpending())
    signal.signal(signal.SIGUSR2, handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGUSR2])
    for _ in range(3):
        pass
    print("delivered after unblock", got[-1] == signal.SIGUSR2)
    signal.signal(signal.SIGUSR2, signal.SIG_DFL)


def t_poll_select():
    section("poll")
    r, w = os.pipe()
    p = select.poll()
    p.register(r, select.POLLIN)
    print("empty poll", p.poll(0))
    os.write(w, b"x" * 10)
    ev = p.poll(1000)
    print("ready", [(fd == r, bool(e & select.POLLIN)) for fd, e in ev])
    print("read", os.read(r, 100))
    os.close(w)
    ev = p.poll(1000)
    print("hup", [(fd == r, bool(e & select.POLLHUP)) for fd, e in ev])
    os.close(r)
    r, w = os.pipe()
    rl, wl, xl = select.select([r], [w], [], 0)
    print("select", rl == [], wl == [w], xl)
    os.close(r)
    os.close(w)

    section("selectors")
    sel = selectors.DefaultSelector()
    print("selector", type(sel).__name__)
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    sel.register(r1, selectors.EVENT_READ, "one")
    sel.register(r2, selectors.EVENT_READ, "two")
    print("nothing", sel.select(timeout=0))
    os.write(w2, b"2")
    print("ready", [(k.data, m) for k, m in sel.select(timeout=1)])
    os.write(w1, b"1")
    print("both", sorted(k.data for k, m in sel.select(timeout=1)))
    os.read(r1, 1)
    os.read(r2, 1)
    sel.modify(r1, selectors.EVENT_READ, "uno")
    os.write(w1, b"11")
    print("modified", [k.data for k, m in sel.select(timeout=1)])
    sel.unregister(r1)
    print("after unregister", [k.data for k, m in sel.select(timeout=0)])
    sel.close()
    for fd in (r1, w1, r2, w2):
        os.close(fd)


def t_subprocess():
    section("subprocess")
    r = subprocess.run(["/bin/busybox", "echo", "hello", "world"],
                       capture_output=True)
    print("echo", r.returncode, r.stdout, r.stderr)
    r = subprocess.run(["/bin/busybox", "wc", "-l"], input=b"a\nb\nc\n",
                       capture_output=True)
    print("wc", r.returncode, r.stdout.split())
    r = subprocess.run(["/bin/busybox", "sha256sum"], input="abc",
                       capture_output=True, text=True)
    print("sha256sum", r.stdout.split()[0])
    r = subprocess.run(["/bin/busybox", "false"])
    print("false", r.returncode)
    r = subprocess.run("seq 100 | sort -rn | head -3", shell=True,
                       capture_output=True, text=True)
    print("pipeline", r.returncode, r.stdout.split())
    r = subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 5"],
                       capture_output=True, text=True)
    print("sh", r.returncode, repr(r.stdout), repr(r.stderr))
    out = subprocess.check_output(["/bin/busybox", "tr", "a-z", "A-Z"],
                                  input=b"upper me")
    print("tr", out)
    try:
        subprocess.run(["/nonexistent/prog"])
    except FileNotFoundError as e:
        print("missing", type(e).__name__, e.errno)
    try:
        subprocess.run(["/bin/busybox", "sleep", "5"], timeout=0.2)
    except subprocess.TimeoutExpired as e:
        print("timeout", type(e).__name__, e.cmd[1:])
    p = subprocess.Popen(["/bin/busybox", "cat"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    out, _ = p.communicate(b"x" * 200000)
    print("cat 200000", len(out), p.returncode)


# ---- pure computation -------------------------------------------------------
def t_json():
    section("json")
    obj = {"name": "vmrun", "n": [1, 2.5, -3, 10**20], "nested": {"a": None,
           "b": True, "c": "caf\u00e9 \u2603"}, "empty": [], "f": 1e-7}
    s = json.dumps(obj, sort_keys=True)
    print(s)
    print(json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=1))
    back = json.loads(s)
    print("round trip", back == obj)
    for _ in range(50):
        back = json.loads(json.dumps(back))
    print("50 round trips", back == obj)
    try:
        json.loads("{bad")
    except json.JSONDecodeError as e:
        print("error", e.msg, e.pos)


def t_re():
    section("re")
    text = "2024-01-15 ERROR disk full; 2024-02-01 WARN cpu hot; 2024-03-09 ERROR fan"
    pat = re.compile(r"(\d{4})-(\d\d)-(\d\d) (ERROR|WARN) ([a-z ]+)")
    for m in pat.finditer(text):
        print(m.groups(), m.span())
    print(re.sub(r"(\w+)@(\w+)\.com", r"\2 at \1", "joe@example.com, ann@test.com"))
    print(re.split(r"[;,]\s*", "a, b;c ,d"))
    print(re.findall(r"(?i)\bth\w+", "The thin THING that thaws"))
    print(bool(re.fullmatch(r"[\w.]+@[\w.]+", "x.y@z.org")), re.escape("a.b*c"))
    print(re.sub(r"(?P<w>\w)(\w*)", lambda m: m["w"].upper() + m[2], "hello big world"))


def t_sqlite():
    section("sqlite3")
    db = sqlite3.connect(":memory:")
    c = db.cursor()
    c.execute("create table t (id integer primary key, name text, score real)")
    c.executemany("insert into t (name, score) values (?, ?)",
                  [("n%03d" % i, (i * 37) % 101 / 4) for i in range(200)])
    db.commit()
    print(c.execute("select count(*), sum(score), max(name) from t").fetchone())
    print(c.execute("select name, score from t where score > 24 order by score desc, name limit 3").fetchall())
    print(c.execute("select id % 5 as k, count(*), round(avg(score), 3) from t group by k order by k").fetchall())
    c.execute("create index ix on t(score)")
    print(c.execute("select count(*) from t where score between 5 and 10").fetchone())
    try:
        c.execute("select nope from t")
    except sqlite3.OperationalError as e:
        print("error", e)
    # An on-disk database in a temporary directory.
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.db")
        db2 = sqlite3.connect(path)
        db2.execute("create table kv (k text primary key, v blob)")
        with db2:
            for i in range(100):
                db2.execute("insert into kv values (?, ?)", ("k%d" % i, bytes([i]) * i))
        db2.close()
        db3 = sqlite3.connect(path)
        print("disk", db3.execute("select count(*), sum(length(v)) from kv").fetchone())
        db3.close()
        print("db file exists", os.path.getsize(path) > 0)


def t_hashlib():
    section("hashlib")
    data = b"The quick brown fox jumps over the lazy dog"
    print("sha256", hashlib.sha256(data).hexdigest())
    print("md5", hashlib.md5(data).hexdigest())
    print("blake2b", hashlib.blake2b(data, digest_size=32).hexdigest())
    print("blake2s", hashlib.blake2s(data).hexdigest())
    print("sha1", hashlib.sha1(data).hexdigest())
    print("sha3_256", hashlib.sha3_256(data).hexdigest())
    h = hashlib.sha256()
    for i in range(1000):
        h.update(i.to_bytes(4, "little") * 64)
    print("sha256 256k", h.hexdigest())
    print("pbkdf2", hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1000).hex())
    big = bytes(range(256)) * 4096
    print("md5 1M", hashlib.md5(big).hexdigest())


def t_decimal():
    section("decimal")
    D = decimal.Decimal
    print(D("0.1") + D("0.2"), D(1) / D(7))
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        print(D(2).sqrt())
        print(D(1).exp())
    print(D("123.456").quantize(D("0.01"), rounding=decimal.ROUND_HALF_EVEN))
    print(sum(D("0.01") for _ in range(1000)))
    try:
        D(1) / D(0)
    except decimal.DivisionByZero as e:
        print("error", type(e).__name__)


def t_compress():
    section("compress")
    data = ("".join("line %d: %s\n" % (i, "abc" * (i % 7)) for i in range(3000))).encode()
    print("data", len(data), hashlib.sha256(data).hexdigest()[:16])
    z = zlib.compress(data, 9)
    print("zlib", zlib.decompress(z) == data, zlib.crc32(data), zlib.adler32(data))
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = co.compress(data) + co.flush()
    print("raw deflate", zlib.decompress(raw, -15) == data)
    g = gzip.compress(data, mtime=0)
    print("gzip", gzip.decompress(g) == data, g[:4].hex())
    b = bz2.compress(data)
    print("bz2", bz2.decompress(b) == data, b[:3])
    x = lzma.compress(data)
    print("lzma", lzma.decompress(x) == data, x[:6].hex())
    x2 = lzma.compress(data, format=lzma.FORMAT_ALONE)
    print("lzma alone", lzma.decompress(x2) == data)
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "f.gz")
        with gzip.open(p, "wt", encoding="utf-8") as f:
            for i in range(500):
                f.write("row %d\n" % i)
        with gzip.open(p, "rt", encoding="utf-8") as f:
            rows = f.read().splitlines()
        print("gzip file", len(rows), rows[-1])
        p = os.path.join(d, "f.xz")
        with lzma.open(p, "wb") as f:
            f.write(data)
        with lzma.open(p, "rb") as f:
            print("xz file", f.read() == data)


def t_files():
    section("files")
    d = tempfile.mkdtemp(prefix="wl-")
    print("in /tmp", os.path.dirname(d) == "/tmp", os.path.basename(d).startswith("wl-"))
    for i in range(5):
        with open(os.path.join(d, "f%d.txt" % i), "w") as f:
            f.write("x" * (i * 100))
    os.mkdir(os.path.join(d, "sub"))
    os.symlink("f1.txt", os.path.join(d, "link"))
    print("listdir", sorted(os.listdir(d)))
    st = os.stat(os.path.join(d, "f3.txt"))
    print("size", st.st_size, "isreg", os.path.isfile(os.path.join(d, "f3.txt")))
    print("dir", os.path.isdir(os.path.join(d, "sub")), "link", os.path.islink(os.path.join(d, "link")))
    print("readlink", os.readlink(os.path.join(d, "link")))
    print("stat via link", os.stat(os.path.join(d, "link")).st_size,
          "lstat is link", os.path.islink(os.path.join(d, "link")))
    print("same inode via link", os.stat(os.path.join(d, "link")).st_ino == os.stat(os.path.join(d, "f1.txt")).st_ino)
    os.link(os.path.join(d, "f2.txt"), os.path.join(d, "hard"))
    print("hard link nlink", os.stat(os.path.join(d, "f2.txt")).st_nlink,
          "same ino", os.stat(os.path.join(d, "hard")).st_ino == os.stat(os.path.join(d, "f2.txt")).st_ino)
    os.chmod(os.path.join(d, "f0.txt"), 0o640)
    print("mode", oct(os.stat(os.path.join(d, "f0.txt")).st_mode & 0o777))
    before = os.stat(os.path.join(d, "f4.txt")).st_mtime
    os.utime(os.path.join(d, "f4.txt"), (1000000000, 1000000000))
    print("utime", os.stat(os.path.join(d, "f4.txt")).st_mtime, before != 1000000000)
    os.rename(os.path.join(d, "f4.txt"), os.path.join(d, "sub", "moved.txt"))
    print("walk", [(os.path.relpath(r, d), sorted(ds), sorted(fs)) for r, ds, fs in sorted(os.walk(d))])
    with os.scandir(d) as it:
        print("scandir", sorted((e.name, e.is_dir(), e.is_symlink()) for e in it))
    with open(os.path.join(d, "f3.txt"), "r+b") as f:
        f.seek(10)
        f.write(b"HELLO")
        f.seek(0, os.SEEK_END)
        print("tell", f.tell())
        f.truncate(50)
    with open(os.path.join(d, "f3.txt"), "rb") as f:
        print("content", f.read())
    try:
        os.rmdir(os.path.join(d, "sub"))
    except OSError as e:
        print("rmdir nonempty", type(e).__name__, e.errno == 39)
    try:
        open(os.path.join(d, "nope"))
    except FileNotFoundError as e:
        print("missing", e.errno, e.strerror)
    with tempfile.NamedTemporaryFile("w+", dir=d, suffix=".tmp") as f:
        f.write("named")
        f.flush()
        f.seek(0)
        print("named tmp", f.read(), os.path.exists(f.name))
    with tempfile.TemporaryFile() as f:
        f.write(b"anon" * 1000)
        f.seek(0)
        print("tmpfile", len(f.read()))
    import shutil
    shutil.rmtree(d)
    print("removed", os.path.exists(d))
    print("cwd", os.getcwd())


def t_struct():
    section("struct")
    b = struct.pack("<iHq3sd?", -5, 65535, 2**40, b"abc", 1.5, True)
    print(b.hex(), struct.calcsize("<iHq3sd?"), struct.calcsize("@iHq"))
    print(struct.unpack("<iHq3sd?", b))
    print(struct.pack(">I", 0xDEADBEEF).hex(), struct.unpack("!h", b"\xff\xfe"))
    print(list(struct.iter_unpack("<HH", bytes(range(8)))))
    print(struct.pack("<f", 3.14159).hex(), round(struct.unpack("<f", struct.pack("<f", 3.14159))[0], 5))


def t_itertools():
    section("itertools")
    print(list(itertools.permutations("abc", 2)))
    print(list(itertools.combinations(range(5), 3))[:4])
    print(list(itertools.product("xy", [1, 2])))
    print(list(itertools.accumulate([1, 2, 3, 4, 5], lambda a, b: a * b)))
    print([(k, len(list(g))) for k, g in itertools.groupby("aaabccdddd")])
    print(list(itertools.islice(itertools.cycle("ab"), 5)), list(itertools.chain([1], (2, 3))))
    print(list(itertools.zip_longest("ab", "wxyz", fillvalue="-")))
    print(list(itertools.starmap(pow, [(2, 5), (3, 2)])), list(itertools.compress("abcdef", [1, 0, 1, 0, 1])))


class Shape:
    sides = 0

    def __init__(self, name):
        self.name = name

    def area(self):
        raise NotImplementedError

    def describe(self):
        return "%s with %d sides, area %.3f" % (self.name, self.sides, self.area())

    def __repr__(self):
        return "%s(%r)" % (type(self).__name__, self.name)


class Rect(Shape):
    sides = 4

    def __init__(self, w, h):
        super().__init__("rect")
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h


class Square(Rect):
    def __init__(self, s):
        super().__init__(s, s)
        self.name = "square"


class Circle(Shape):
    def __init__(self, r):
        super().__init__("circle")
        self.r = r

    def area(self):
        return 3.141592653589793 * self.r ** 2

    def __lt__(self, other):
        return self.area() < other.area()


def t_classes():
    section("classes")
    shapes = [Rect(2, 3), Square(4), Circle(1), Circle(0.5)]
    for s in shapes:
        print(s, s.describe())
    print("mro", [c.__name__ for c in Square.__mro__])
    print("isinstance", isinstance(shapes[1], Rect), issubclass(Circle, Rect))
    print("sorted", sorted(shapes, key=lambda s: s.area()))
    try:
        Shape("x").describe()
    except NotImplementedError:
        print("abstract raised")


class AppError(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


def t_exceptions():
    section("exceptions")

    def risky(n):
        if n == 0:
            raise ValueError("zero")
        if n == 1:
            raise AppError(7, "app failure")
        if n == 2:
            return {}["missing"]
        if n == 3:
            return 1 / 0
        return n

    for i in range(5):
        try:
            print("ok", risky(i))
        except AppError as e:
            print("AppError", e.code, e)
        except (ValueError, KeyError) as e:
            print(type(e).__name__, repr(e.args))
        except Exception as e:
            print("other", type(e).__name__, e)
        finally:
            pass
    try:
        try:
            risky(0)
        except ValueError as e:
            raise RuntimeError("wrapped") from e
    except RuntimeError as e:
        print("chained", e, type(e.__cause__).__name__, e.__cause__)
    log = []
    try:
        with open("/nonexistent") as f:
            pass
    except OSError as e:
        log.append((type(e).__name__, e.errno))
    print("oserror", log)

    class Ctx:
        def __enter__(self):
            print("enter")
            return self

        def __exit__(self, t, v, tb):
            print("exit", t.__name__ if t else None)
            return True

    with Ctx():
        raise KeyError("suppressed")
    print("after suppressed")
    import traceback
    try:
        risky(3)
    except ZeroDivisionError:
        print("last line", traceback.format_exc().strip().splitlines()[-1])


def t_generators():
    section("generators")

    def numbers():
        n = 0
        while True:
            yield n
            n += 1

    def evens(it):
        for x in it:
            if x % 2 == 0:
                yield x

    def squares(it):
        for x in it:
            yield x * x

    def take(n, it):
        for _, x in zip(range(n), it):
            yield x

    print(list(take(10, squares(evens(numbers())))))

    def accumulator():
        total = 0
        while True:
            x = yield total
            if x is None:
                return total
            total += x

    g = accumulator()
    next(g)
    for v in (5, 10, 20):
        print("sent", v, "total", g.send(v))
    try:
        g.send(None)
    except StopIteration as e:
        print("returned", e.value)

    def delegate():
        r = yield from accumulator()
        yield "inner returned %s" % r

    d = delegate()
    next(d)
    d.send(3)
    d.send(4)
    print(d.send(None))
    print(sum(x for x in range(100000) if x % 3 == 0))
    print({k: v for k, v in zip("abc", range(3))}, [y for x in range(4) for y in range(x)])


def t_random():
    section("random")
    r = random.Random(42)
    print([r.randint(1, 100) for _ in range(10)])
    print(round(r.random(), 12), r.choice("abcdefgh"))
    lst = list(range(20))
    r.shuffle(lst)
    print(lst)
    print(r.sample(range(1000), 5), round(r.uniform(0, 10), 9))
    print(r.getrandbits(64), round(r.gauss(0, 1), 9))


def t_sleep():
    section("sleep")
    t0 = time.monotonic()
    time.sleep(0.01)
    dt = time.monotonic() - t0
    print("slept at least 10ms", dt >= 0.01, "less than 5s", dt < 5)
    t0 = time.time()
    print("time sane", t0 > 1.5e9)
    print("perf_counter monotonic", time.perf_counter() <= time.perf_counter())


# ---- threads last ------------------------------------------------------------
def t_threads():
    section("threading")
    q = queue.Queue()
    results = []
    lock = threading.Lock()
    counter = [0]

    def worker(wid):
        while True:
            item = q.get()
            if item is None:
                q.task_done()
                break
            v = sum(i * i for i in range(item))
            with lock:
                results.append((item, v))
                counter[0] += 1
            q.task_done()

    threads = [threading.Thread(target=worker, args=(i,), name="w%d" % i) for i in range(4)]
    for t in threads:
        t.start()
    print("alive", threading.active_count())
    for i in range(100):
        q.put(i * 10)
    for _ in threads:
        q.put(None)
    q.join()
    for t in threads:
        t.join()
    print("processed", counter[0], "sum", sum(v for _, v in results),
          "ordered", sorted(results)[:3])
    print("alive after join", threading.active_count())

    # Condition: a producer/consumer handshake with a bounded buffer.
    cond = threading.Condition()
    buf = []
    consumed = []
    done = [False]

    def producer():
        for i in range(200):
            with cond:
                while len(buf) >= 5:
                    cond.wait()
                buf.append(i)
                cond.notify_all()
        with cond:
            done[0] = True
            cond.notify_all()

    def consumer():
        while True:
            with cond:
                while not buf and not done[0]:
                    cond.wait()
                if not buf and done[0]:
                    return
                consumed.append(buf.pop(0))
                cond.notify_all()

    ts = [threading.Thread(target=producer)] + [threading.Thread(target=consumer) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("condition consumed", len(consumed), sum(consumed), sorted(consumed) == list(range(200)))

    # Event, Barrier, RLock, Semaphore, thread-local data.
    ev = threading.Event()
    barrier = threading.Barrier(4)
    sem = threading.Semaphore(2)
    local = threading.local()
    inside = [0]
    maxinside = [0]
    rl = threading.RLock()
    order = []

    def sync_worker(i):
        local.v = i
        ev.wait()
        idx = barrier.wait()
        with sem:
            with rl:
                with rl:
                    inside[0] += 1
                    maxinside[0] = max(maxinside[0], inside[0])
            time.sleep(0.002)
            with rl:
                inside[0] -= 1
        with rl:
            order.append((i, local.v == i, 0 <= idx < 4))

    ts = [threading.Thread(target=sync_worker, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    ev.set()
    for t in ts:
        t.join()
    print("sync", sorted(order), "max in semaphore <= 2", maxinside[0] <= 2)

    # A timed wait that times out, and a timer thread.
    c2 = threading.Condition()
    with c2:
        print("wait timeout", c2.wait(0.02))
    fired = threading.Event()
    tm = threading.Timer(0.01, fired.set)
    tm.start()
    print("timer fired", fired.wait(5))
    tm.join()
    print("main thread", threading.current_thread() is threading.main_thread())


def cpu_task(n):
    return n, sum(i % 7 for i in range(n * 1000))


def t_futures():
    section("futures")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        futs = [ex.submit(cpu_task, n) for n in range(12)]
        res = sorted(f.result() for f in concurrent.futures.as_completed(futs))
        print(res[:4], len(res))
        print(list(ex.map(lambda x: x * x, range(10))))
        f = ex.submit(lambda: 1 / 0)
        try:
            f.result()
        except ZeroDivisionError as e:
            print("future raised", type(e).__name__, e)
        hashes = list(ex.map(lambda i: hashlib.sha256(str(i).encode() * 10000).hexdigest()[:8], range(8)))
        print(hashes)
    # Subprocesses from several threads at once.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        outs = list(ex.map(lambda i: subprocess.run(["/bin/busybox", "expr", str(i), "*", "3"],
                                                    capture_output=True, text=True).stdout.strip(), range(8)))
    print("threaded subprocess", outs)


def main():
    print("python", sys.version_info[0], "byteorder", sys.byteorder,
          "maxsize", sys.maxsize, "fsenc", sys.getfilesystemencoding())
    t_fork_pipe()
    t_signal()
    t_poll_select()
    t_subprocess()
    t_json()
    t_re()
    t_sqlite()
    t_hashlib()
    t_decimal()
    t_compress()
    t_files()
    t_struct()
    t_itertools()
    t_classes()
    t_exceptions()
    t_generators()
    t_random()
    t_sleep()
    t_threads()
    t_futures()
    sys.stdout.flush()
    print("workload: done, exiting with 3", file=sys.stderr)
    sys.exit(3)


if __name__ == "__main__":
    main()
