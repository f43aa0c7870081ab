// The guest side of a Piston python job started from a warm template: run
// as `python3 -c DRIVER` up to its ready point (blocked reading its empty
// stdin, every import it needs done), then, in each spawn, it reads the job
// from stdin:
//   "<N>\n" + N bytes of JSON {"files": [{"name", "size"}], "main", "args",
//   "stdin_size"} + each file's bytes in order + the job's stdin bytes,
// read unbuffered, so that what is left of fd 0 is the job's stdin; writes
// the files under /job (in the spawn's own in-memory layer) and runs the
// main file as __main__ with
// sys.argv = [file, args...]. It ends with the program's exit status after
// the program's atexit functions and a flush, without the interpreter's
// own tear-down (os._exit; docs/SERVER.md, "Warm python jobs").
#pragma once

namespace vmrun::server {

inline constexpr const char* kPythonJobDriver = R"PY(
import atexit, gc, importlib.machinery, io, json, os, sys, traceback, types

def _vmrun_read(n):
    # Exactly n bytes of fd 0, unbuffered: what follows the job's files is
    # the job's own stdin, left in place for it.
    parts = []
    while n > 0:
        b = os.read(0, n)
        if not b:
            raise EOFError('the job ended early')
        parts.append(b)
        n -= len(b)
    return b''.join(parts)

def _vmrun_job(warm=False):
    # One job, read from fd 0. The warm-up runs this same function on jobs
    # of its own (warm=True: it returns, and puts back what a job changes);
    # a spawn runs it once and never returns.
    size = b''
    while not size.endswith(b'\n'):
        size += _vmrun_read(1)
    head = json.loads(_vmrun_read(int(size)))
    try:
        os.mkdir('/job')
    except FileExistsError:
        pass
    source = None
    for f in head['files']:
        data = _vmrun_read(f['size'])
        name = f['name']
        if '/' in name:
            os.makedirs(os.path.dirname(os.path.join('/job', name)), exist_ok=True)
        with open(os.path.join('/job', name), 'wb') as out:
            out.write(data)
        if name == head['main']:
            source = data
    os.chdir('/job')
    main = os.path.join('/job', head['main'])
    sys.argv = [main] + head['args']
    sys.path[0] = '/job'
    code = 0
    saved_main = sys.modules['__main__'] if warm else None
    try:
        # The __main__ module `python3 FILE` makes, without runpy.run_path's
        # importer probes (it reads the script as a zip archive first) and
        # wrappers: ~10 % of a print(1) job's CPU (bench/RESULTS.md).
        if source is None:
            with open(main, 'rb') as src:
                source = src.read()
        code_obj = compile(source, main, 'exec', dont_inherit=True)
        module = types.ModuleType('__main__')
        module.__dict__.update(__annotations__={}, __builtins__=__builtins__, __cached__=None, __file__=main,
                               __loader__=importlib.machinery.SourceFileLoader('__main__', main),
                               __package__=None, __spec__=None)
        sys.modules['__main__'] = module
        exec(code_obj, module.__dict__)
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code & 0xff
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException as e:
        # The traceback from the job's own frames on, as python3 FILE shows it.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != main:
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb if tb is not None else e.__traceback__)
        code = 1
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        if not warm:
            os._exit(code)
    # The warm-up's job is over: nothing of it left.
    sys.modules['__main__'] = saved_main
    os.chdir('/')
    sys.path_importer_cache.pop(main, None)
    for f in head['files']:
        os.unlink(os.path.join('/job', f['name']))
    os.rmdir('/job')

def _vmrun_warm_up():
    # Jobs of the driver's own, through the very code a spawn's job takes
    # (reading the header, writing files, running __main__, the
    # traceback of an exception, atexit, the flushes), so that the lazy
    # imports and the translated code of the whole job path are the
    # template's, shared by every spawn, instead of each spawn's own work.
    saved_out, saved_err, saved_argv, saved_path0 = sys.stdout, sys.stderr, sys.argv, sys.path[0]
    sink = open(os.devnull, 'w')
    sys.stdout = sys.stderr = sink
    os.makedirs('/run/vmrun', exist_ok=True)  # a spawn's has it
    try:
        for body in (b'import sys\nx = [i * i for i in range(50)]\nprint(sum(x), sys.argv, input())\nprint(1)\n'
                     b'try:\n    1 / 0\nexcept ZeroDivisionError:\n    pass\n',
                     b'print(1)\n',
                     b'def f():\n    raise ValueError("warm")\nf()\n',
                     b'import sys\nsys.exit(3)\n'):
            head = json.dumps({'files': [{'name': 'main.py', 'size': len(body)}], 'main': 'main.py', 'args': ['a'],
                               'stdin_size': 3}).encode()
            # The job on fd 0, as a spawn's comes.
            r, w = os.pipe()
            os.write(w, str(len(head)).encode() + b'\n' + head + body + b'in\n')
            os.close(w)
            saved_stdin = os.dup(0)
            os.dup2(r, 0)
            os.close(r)
            try:
                _vmrun_job(warm=True)
            finally:
                os.dup2(saved_stdin, 0)
                os.close(saved_stdin)
    finally:
        sys.stdout, sys.stderr, sys.argv = saved_out, saved_err, saved_argv
        sys.path[0] = saved_path0
        sink.close()
    # A spawn's job reads sys.stdin from its start: a new one, never read.
    sys.stdin = open(0, 'r', closefd=False)

_vmrun_warm_up()
# Collections in a spawn would write to every object the template made (a
# copy-on-write fault per page): those are left to the template.
gc.freeze()
_vmrun_job()
)PY";

}  // namespace vmrun::server
