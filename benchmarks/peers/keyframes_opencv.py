#!/usr/bin/python3
"""OpenCV peer of bench_keyframes' histogram_hellinger: calcHist 8x8x8 + compareHist(HELLINGER)
against the black image's histogram, per frame, one thread, on the same frames (ffmpeg's rgb24
decoding of cockatoo_256x144_yuv444p, nearest-resized with the same integer rule).
Prints one JSON line per size: median wall and CPU microseconds per frame over repetitions."""

import json
import os
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)
FOOTAGE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "cache", "footage")
raw = np.fromfile(os.path.join(FOOTAGE, "cockatoo_256x144_yuv444p.rgb"), dtype=np.uint8)
raw = raw.reshape(30, 144, 256, 3)

for w, h in [(256, 256), (1280, 720)]:
    rows = (np.arange(h) * 144) // h
    cols = (np.arange(w) * 256) // w
    frames = [np.ascontiguousarray(f[rows][:, cols]) for f in raw]
    black = cv2.calcHist([np.zeros_like(frames[0])], [0, 1, 2], None, [8, 8, 8], [0, 256] * 3)
    wall, cpu = [], []
    reps, n = 7, 300 if w == 256 else 60
    sink = 0.0
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(n):
            hst = cv2.calcHist([frames[i % 30]], [0, 1, 2], None, [8, 8, 8], [0, 256] * 3)
            sink += cv2.compareHist(hst, black, cv2.HISTCMP_HELLINGER) * 10000.0
        wall.append((time.perf_counter() - t0) / n * 1e6)
        cpu.append((time.process_time() - c0) / n * 1e6)
    print(json.dumps({"peer": "opencv " + cv2.__version__, "size": f"{w}x{h}",
                      "median_us_per_frame": float(np.median(wall)),
                      "median_cpu_us_per_frame": float(np.median(cpu)), "reps": reps, "frames_per_rep": n}))
