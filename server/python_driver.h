// The guest side of a session's persistent Python interpreter: a small
// program run as `python3 -u -c DRIVER`. It reads framed cells on its
// stdin and answers framed results on its stdout ("<length>\n<JSON>"),
// after moving both off fds 0 and 1 so that nothing a cell or its
// subprocesses print can corrupt the framing. Each cell's fd 1 and 2 are
// files in the guest's /tmp, read back after the cell; the last
// expression's value comes back as its repr().
#pragma once

namespace vmrun::server {

inline constexpr const char* kPythonDriver = R"PY(
import ast, json, os, sys, traceback
_proto_in = os.fdopen(os.dup(0), 'rb', buffering=0)
_proto_out = os.fdopen(os.dup(1), 'wb', buffering=0)
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
sys.stdin = open(os.devnull)
_LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 20

def _read(n):
    data = b''
    while len(data) < n:
        chunk = _proto_in.read(n - len(data))
        if not chunk:
            os._exit(0)
        data += chunk
    return data

def _frame_in():
    line = b''
    while not line.endswith(b'\n'):
        line += _read(1)
        if len(line) > 20:
            os._exit(2)
    return json.loads(_read(int(line)))

def _frame_out(obj):
    data = json.dumps(obj).encode()
    _proto_out.write(b'%d\n' % len(data) + data)

def _capture(fd):
    os.lseek(fd, 0, 0)
    data = os.read(fd, _LIMIT + 1)
    os.close(fd)
    return data[:_LIMIT].decode('utf-8', 'replace'), len(data) > _LIMIT

_ns = {'__name__': '__main__', '__builtins__': __builtins__}
_frame_out({'ready': True, 'version': sys.version.split()[0]})
while True:
    _cell = _frame_in()
    _out = os.open('/tmp/.vmrun-cell-out', os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    _err = os.open('/tmp/.vmrun-cell-err', os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(_out, 1)
    os.dup2(_err, 2)
    _value = None
    _error = None
    try:
        _tree = ast.parse(_cell['code'], '<cell>', 'exec')
        _last = None
        if _tree.body and isinstance(_tree.body[-1], ast.Expr):
            _last = ast.Expression(_tree.body.pop().value)
        exec(compile(_tree, '<cell>', 'exec'), _ns)
        if _last is not None:
            _v = eval(compile(_last, '<cell>', 'eval'), _ns)
            if _v is not None:
                _value = repr(_v)[:_LIMIT]
    except BaseException as _e:
        _error = {'ename': type(_e).__name__, 'evalue': str(_e)}
        traceback.print_exception(type(_e), _e, _e.__traceback__.tb_next)  # without the driver's frame
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    _so, _so_cut = _capture(_out)
    _se, _se_cut = _capture(_err)
    _frame_out({'stdout': _so, 'stderr': _se, 'value': _value, 'error': _error,
                'output_truncated': _so_cut or _se_cut})
)PY";

}  // namespace vmrun::server
