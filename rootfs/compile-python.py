# Byte-compiles a root filesystem's Python standard library and its
# Debian-packaged modules (/usr/lib/python3/dist-packages), as Debian's
# py3compile does when the packages are installed (dpkg -x runs no postinst).
# Without it every guest python compiles what it imports on each run (its
# pycache writes land in the sandbox's throw-away upper layer): ~23 % more
# instructions for `python3 -c pass` on riscv64.
#
# Run by the guest's own python under qemu-user, so the bytecode is the
# guest version's:
#   qemu-ARCH -L ROOT ROOT/usr/bin/python3.X compile-python.py ROOT LIBDIR...
# with LIBDIR e.g. /usr/lib/python3.X or /usr/lib/python3/dist-packages (one
# summary line each).
#
# Symlinks are followed inside ROOT, as the guest sees them (sitecustomize.py
# points at /etc/python3.X/...); each .pyc records the guest path of its
# source and the stat of the file the guest will find.
import importlib.util
import os
import py_compile
import sys


def in_root(root, guest_path):
    """Host path of guest_path with every symlink resolved inside root."""
    done = ""
    todo = [c for c in guest_path.split("/") if c]
    hops = 0
    while todo:
        comp = todo.pop(0)
        if comp == ".":
            continue
        if comp == "..":
            done = done.rsplit("/", 1)[0]
            continue
        host = root + done + "/" + comp
        if os.path.islink(host):
            hops += 1
            if hops > 40:
                raise OSError("too many symlinks: " + guest_path)
            target = os.readlink(host)
            if target.startswith("/"):
                done = ""
            todo = [c for c in target.split("/") if c] + todo
        else:
            done += "/" + comp
    return root + done


def compile_tree(root, libdir):
    """Byte-compiles the .py files under guest directory libdir; prints a summary."""
    compiled = failed = 0
    for dirpath, dirnames, filenames in os.walk(root + libdir):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            tree_path = os.path.join(dirpath, name)
            guest_path = tree_path[len(root):]
            source = in_root(root, guest_path)
            if not os.path.isfile(source):
                failed += 1
                continue
            try:
                py_compile.compile(source, cfile=importlib.util.cache_from_source(tree_path),
                                   dfile=guest_path, doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
                compiled += 1
            except (py_compile.PyCompileError, OSError):
                failed += 1  # as py3compile: sources that do not compile stay uncompiled
    print(f"{libdir}: {compiled} modules compiled, {failed} left as source")
    return compiled


def main():
    root, libdirs = sys.argv[1].rstrip("/"), sys.argv[2:]
    if not libdirs:
        print("usage: compile-python.py ROOT LIBDIR...", file=sys.stderr)
        return 2
    status = 0
    for libdir in libdirs:
        if not compile_tree(root, libdir):
            status = 1
    return status


sys.exit(main())
