// The guest side of a Piston python job started from a warm template: run
// as `python3 -c DRIVER` up to its ready point (blocked reading its empty
// stdin, every import it needs done), then, in each spawn, it reads the job
// from stdin:
//   "<N>\n" + N bytes of JSON {"files": [{"name", "size"}], "main", "args",
//   "stdin_size"} + each file's bytes in order + the job's stdin bytes,
// writes the files under /job (in the spawn's own in-memory layer), makes
// the job's stdin its fd 0, and runs the main file as __main__ with
// sys.argv = [file, args...]. It ends with the program's exit status after
// the program's atexit functions and a flush, without the interpreter's
// own tear-down (os._exit; docs/SERVER.md, "Warm python jobs").
#pragma once

namespace vmrun::server {

inline constexpr const char* kPythonJobDriver = R"PY(
import atexit, gc, importlib.machinery, io, json, os, sys, traceback, types

def _vmrun_job(inp, warm=False):
    # One job, read from the binary stream `inp`. The warm-up runs this same
    # function on jobs of its own (warm=True: it returns, and puts back what
    # a job changes); a spawn runs it once and never returns.
    head = json.loads(inp.read(int(inp.readline())))
    os.makedirs('/job', exist_ok=True)
    for f in head['files']:
        data = inp.read(f['size'])
        path = os.path.join('/job', f['name'])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as out:
            out.write(data)
    stdin_path = '/run/vmrun/job-stdin'
    with open(stdin_path, 'wb') as out:
        out.write(inp.read(head['stdin_size']))
    saved = os.dup(0) if warm else -1
    fd = os.open(stdin_path, os.O_RDONLY)
    os.unlink(stdin_path)
    os.dup2(fd, 0)
    os.close(fd)
    sys.stdin = open(0, 'r', closefd=False)
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
        with open(main, 'rb') as src:
            code_obj = compile(src.read(), main, 'exec', dont_inherit=True)
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
    # The warm-up's job is over: the real stdin back, nothing of it left.
    sys.modules['__main__'] = saved_main
    os.dup2(saved, 0)
    os.close(saved)
    sys.stdin = open(0, 'r', closefd=False)
    os.chdir('/')
    sys.path_importer_cache.pop(main, None)
    for f in head['files']:
        os.unlink(os.path.join('/job', f['name']))
    os.rmdir('/job')

def _vmrun_warm_up():
    # Jobs of the driver's own, through the very code a spawn's job takes
    # (reading the header, writing files, the stdin swap, runpy, the
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
            r, w = os.pipe()
            os.write(w, str(len(head)).encode() + b'\n' + head + body + b'in\n')
            os.close(w)
            with open(r, 'rb') as inp:
                _vmrun_job(inp, warm=True)
    finally:
        sys.stdout, sys.stderr, sys.argv = saved_out, saved_err, saved_argv
        sys.path[0] = saved_path0
        sink.close()

_vmrun_warm_up()
# Collections in a spawn would write to every object the template made (a
# copy-on-write fault per page): those are left to the template.
gc.freeze()
_vmrun_job(sys.stdin.buffer)
)PY";

}  // namespace vmrun::server
