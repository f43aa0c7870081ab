# A matplotlib figure saved as PNG, as a code interpreter would make one.
# Usage: plot_png.py OUT.png
# Draws with the rootfs's default backend (Agg, from /etc/matplotlibrc),
# checks in the guest that the title's text was really rendered (dark pixels
# inside the title's box), then saves the PNG.  Logging at INFO level shows
# it if matplotlib rebuilds its font cache ("generated new fontManager")
# instead of using the one pre-built in the rootfs.  Prints only results (no
# paths), to be compared byte for byte with a reference run.
import logging
import os
import sys

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

import matplotlib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

out = sys.argv[1]
print(f"backend {matplotlib.get_backend()}")

x = np.linspace(0.0, 4.0 * np.pi, 400)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.4, 4.8), dpi=100)
ax1.plot(x, np.sin(x), label=r"$\sin(x)$")
ax1.plot(x, np.exp(-x / 4.0) * np.cos(2.0 * x), label=r"$e^{-x/4}\cos(2x)$")
ax1.set_xlabel("x (radians)")
ax1.legend(loc="upper right")
ax1.grid(True)
regions = ["north", "south", "east", "west"]
ax2.bar(regions, [3064.92, 2892.83, 2280.59, 2224.74], color="tab:green")
ax2.set_ylabel("revenue")
for i, v in enumerate([3064.92, 2892.83, 2280.59, 2224.74]):
    ax2.text(i, v + 30.0, f"{v:.0f}", ha="center", fontsize=8)
title = fig.suptitle("Sales by region: Q1 2024", fontsize=16)
fig.tight_layout()

# The title's pixels in the rendered canvas (rows from the top, the box's y
# from the bottom).
fig.canvas.draw()
rgba = np.asarray(fig.canvas.buffer_rgba())
height, width = rgba.shape[:2]
box = title.get_window_extent(fig.canvas.get_renderer())
x0, x1 = int(box.x0), int(np.ceil(box.x1))
y0, y1 = height - int(np.ceil(box.y1)), height - int(box.y0)
patch = rgba[max(y0, 0):y1, max(x0, 0):x1, :3]
ink = int((patch.max(axis=2) < 128).sum())
print(f"canvas {width}x{height}, title box {x1 - x0}x{y1 - y0}, dark title pixels {ink}")
if ink < 100:
    sys.exit("the title's text was not rendered")
print(f"sans-serif font {os.path.basename(matplotlib.font_manager.findfont(matplotlib.font_manager.FontProperties(family=['sans-serif'])))}")

fig.savefig(out)
print(f"PNG {os.path.getsize(out)} bytes")
