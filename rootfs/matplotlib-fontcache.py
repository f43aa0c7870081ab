# Pre-builds matplotlib's font list cache (fontlist-vNNN.json) in a root
# filesystem.  Without it the first `import matplotlib.pyplot` of every
# guest run scans and parses every font file and writes the cache into the
# sandbox's throw-away upper layer: the next run does it all again.
#
# Run by the guest's own python under qemu-user, so the cache has the guest
# matplotlib's format and version:
#   env -i PATH=/nonexistent HOME=/root MPLCONFIGDIR=SCRATCH \
#     qemu-ARCH -L ROOT ROOT/usr/bin/python3.X -I -B matplotlib-fontcache.py ROOT CACHEDIR
# CACHEDIR is the guest's cache directory ($HOME/.cache/matplotlib for the
# guest's HOME), SCRATCH an empty host directory for the cache matplotlib
# writes on import.  PATH leads nowhere so that matplotlib's `fc-list`
# (which qemu-user would run from the host) is not found, as in the guest,
# which has no fontconfig.
#
# Under qemu-user -L ROOT an absolute path names the file in ROOT when ROOT
# has it and the host's file otherwise, so the font scan can also list host
# fonts from directories ROOT lacks (/usr/local/share/fonts, ...).  Only the
# entries whose file exists in ROOT are kept: what matplotlib finds when it
# scans in the guest.  The guest path of each font is checked in ROOT with
# symlinks resolved as the guest sees them.
import os
import sys

import matplotlib
from matplotlib import font_manager


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


def main():
    if len(sys.argv) != 3:
        print("usage: matplotlib-fontcache.py ROOT CACHEDIR", file=sys.stderr)
        return 2
    root, cachedir = sys.argv[1].rstrip("/"), sys.argv[2]
    fm = font_manager.fontManager  # built by the import (SCRATCH had no cache)

    def in_guest(entries):
        kept = []
        for e in entries:
            if os.path.isabs(e.fname) and os.path.isfile(in_root(root, e.fname)):
                kept.append(e)
            else:
                print(f"  left out (not in the root filesystem): {e.fname}")
        return kept

    fm.ttflist = in_guest(fm.ttflist)
    fm.afmlist = in_guest(fm.afmlist)
    if not fm.ttflist:
        print("no TrueType font in the root filesystem", file=sys.stderr)
        return 1

    name = f"fontlist-v{font_manager.FontManager.__version__}.json"
    os.makedirs(root + cachedir, mode=0o755, exist_ok=True)
    target = root + cachedir + "/" + name
    font_manager.json_dump(fm, target)

    # Read it back as the guest will, and check that the default sans-serif
    # font (what text is drawn with) resolves to a file in the tree.
    loaded = font_manager.json_load(target)
    font = loaded.findfont(font_manager.FontProperties(family=["sans-serif"]),
                           rebuild_if_missing=False, fallback_to_default=False)
    if not os.path.isfile(in_root(root, font)):
        print(f"default sans-serif font {font} is not in the root filesystem", file=sys.stderr)
        return 1
    print(f"{cachedir}/{name}: matplotlib {matplotlib.__version__}, "
          f"{len(loaded.ttflist)} TrueType and {len(loaded.afmlist)} AFM fonts, "
          f"sans-serif = {font}")
    return 0


sys.exit(main())
