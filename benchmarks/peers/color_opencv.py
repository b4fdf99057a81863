#!/usr/bin/python3
"""OpenCV peer for benchmarks/bench_color.cpp: cvtColor on one 1920x1080 float32 (and uint8)
frame, one thread. Prints one JSON object {name: [Mpx/s of each run]} with the same names as
the Google Benchmark cases. Usage: color_opencv.py [runs]"""
import json
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)
W, H = 1920, 1080
REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 15


def bench(fn):
    fn()  # warm-up (allocations, tables)
    times = []
    for _ in range(REPS):
        # CPU time, as Google Benchmark reports by default: on a busy machine wall time would
        # count the time other processes hold the core.
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return [W * H / t / 1e6 for t in times]


def main():
    rgb = np.random.default_rng(42).random((H, W, 3), dtype=np.float32)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)
    out = np.empty_like(rgb)
    rgb8 = np.random.default_rng(42).integers(0, 256, (H, W, 3), dtype=np.uint8)
    lab_of_8 = cv2.cvtColor(rgb8.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
    out8 = np.empty_like(rgb8)
    res = {
        "srgb_to_lab_interleaved_f32": bench(lambda: cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab, dst=out)),
        "lab_to_srgb_interleaved_f32": bench(lambda: cv2.cvtColor(lab, cv2.COLOR_Lab2RGB, dst=out)),
        # OpenCV has no float-Lab -> uint8-RGB conversion; the closest is the float path plus a
        # scaled conversion, which is what a Python user would write.
        "lab_to_srgb8_u8": bench(lambda: cv2.convertScaleAbs(
            cv2.cvtColor(lab_of_8, cv2.COLOR_Lab2RGB, dst=out), out8, 255.0)),
        # uint8 -> float Lab as a user would do it with OpenCV (scale, then the float path).
        "srgb8_to_lab_u8": bench(lambda: cv2.cvtColor(
            rgb8.astype(np.float32) * (1 / 255.0), cv2.COLOR_RGB2Lab, dst=out)),
    }
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main()
