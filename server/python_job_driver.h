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
import atexit, io, json, os, runpy, sys, traceback

def _vmrun_job():
    inp = sys.stdin.buffer
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
    try:
        runpy.run_path(main, run_name='__main__')
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
        os._exit(code)

def _vmrun_warm_up():
    # What every job does, done once before the ready point, so that its
    # lazy imports and the translated code are the template's, shared by
    # every spawn, instead of each spawn's own work.
    # The same calls as a job's, down to the C paths: the header read with
    # readline from a binary stream, output through a text file on a real
    # descriptor (flushed), dup2, unlink, chdir.
    import shutil
    saved_out, saved_err = sys.stdout, sys.stderr
    sink = open(os.devnull, 'w')
    sys.stdout = sys.stderr = sink
    try:
        os.makedirs('/tmp/vmrun-warm/sub', exist_ok=True)
        head = json.dumps({'files': [{'name': 'main.py', 'size': 1}], 'main': 'main.py', 'args': ['a'], 'stdin_size': 0})
        r, w = os.pipe()
        os.write(w, (str(len(head)) + '\n' + head).encode())
        os.close(w)
        with open(r, 'rb') as inp:
            json.loads(inp.read(int(inp.readline())))
        main = '/tmp/vmrun-warm/main.py'
        with open(main, 'wb') as out:
            out.write(b'import sys\nx = [i * i for i in range(50)]\nprint(sum(x), sys.argv)\nprint(1)\n'
                      b'try:\n    1 / 0\nexcept ZeroDivisionError:\n    pass\n')
        fd = os.open(main, os.O_RDONLY)
        fd2 = os.dup(fd)
        os.dup2(fd, fd2)
        os.close(fd2)
        os.close(fd)
        os.chdir('/tmp/vmrun-warm')
        runpy.run_path(main, run_name='__main__')
        try:
            raise ValueError('warm')
        except ValueError as e:
            traceback.print_exception(type(e), e, e.__traceback__)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os.chdir('/')
        os.unlink(main)
        shutil.rmtree('/tmp/vmrun-warm')
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err
        sink.close()

_vmrun_warm_up()
_vmrun_job()
)PY";

}  // namespace vmrun::server
