#!/usr/bin/python3
"""Peer for bench_y4m: Y4M decode with numpy (readinto a reused buffer) + OpenCV cvtColor.

Usage: y4m_decode.py FILE.y4m...
Prints a JSON object {file name: [frames/s of each of 5 runs over the whole file]}.
4:2:0 uses cv2.COLOR_YUV2RGB_I420 (BT.601 limited range, nearest chroma). 4:4:4 interleaves
the planes with cv2.merge and uses cv2.COLOR_YCrCb2RGB (BT.601, full-range formula): the same
work per pixel as keychroma, not the same numbers.
"""
import json
import os
import sys
import time

import cv2
import numpy as np


def decode_all(path):
    with open(path, "rb", buffering=0) as f:
        header = b""
        while not header.endswith(b"\n"):
            header += f.read(1)
        tags = {t[:1]: t[1:] for t in header.split()[1:]}
        w, h = int(tags[b"W"]), int(tags[b"H"])
        c = tags.get(b"C", b"420jpeg")
        is444 = c.startswith(b"444")
        size = w * h * 3 if is444 else w * h * 3 // 2
        buf = bytearray(size)
        view = memoryview(buf)
        marker = bytearray(6)
        frames = 0
        while f.readinto(marker) == 6:
            f.readinto(view)
            a = np.frombuffer(buf, np.uint8)
            if is444:
                y = a[: w * h].reshape(h, w)
                u = a[w * h : 2 * w * h].reshape(h, w)
                v = a[2 * w * h :].reshape(h, w)
                rgb = cv2.cvtColor(cv2.merge([y, v, u]), cv2.COLOR_YCrCb2RGB)
            else:
                rgb = cv2.cvtColor(a.reshape(h * 3 // 2, w), cv2.COLOR_YUV2RGB_I420)
            frames += 1
        return frames, size + 6


def main():
    cv2.setNumThreads(1)  # keychroma's reader is single-threaded too
    out = {}
    for path in sys.argv[1:]:
        rates = []
        for _ in range(5):
            t0 = time.perf_counter()
            frames, _ = decode_all(path)
            rates.append(frames / (time.perf_counter() - t0))
        out[os.path.basename(path)] = rates
    print(json.dumps(out))


if __name__ == "__main__":
    main()
