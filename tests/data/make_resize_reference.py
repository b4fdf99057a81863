#!/usr/bin/python3
"""Reference resizes for tests/core/test_resize.cpp, from OpenCV's cv2.resize.

Writes, next to this script:
  resize_input.png        a 48x36 RGB image (smooth pattern + noise)
  resize_reference.json   cv2.resize of its red channel as float32 (INTER_LINEAR up, down and
                          mixed; INTER_AREA down by an integer and by fractional factors) and of
                          the RGB image as uint8 (INTER_LINEAR, INTER_AREA). OpenCV resizes uint8
                          with 11-bit fixed-point weights, so the test allows 1 step there.
"""
import json
import os

import cv2
import numpy as np
from skimage.io import imread, imsave

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    cv2.setNumThreads(1)
    rng = np.random.default_rng(4)
    y, x = np.mgrid[0:36, 0:48]
    base = np.stack([128 + 110 * np.sin(x / 5.0) * np.cos(y / 7.0), 40 + 4 * x + 2 * y,
                     128 + 60 * np.sin((x - y) / 3.0)], -1)
    img = np.clip(base + rng.normal(0, 10, base.shape), 0, 255).round().astype(np.uint8)
    path = os.path.join(HERE, "resize_input.png")
    imsave(path, img, check_contrast=False)
    assert np.array_equal(imread(path), img)
    plane = img[..., 0].astype(np.float32)
    cases = []
    for kind, flag, sizes in (("linear", cv2.INTER_LINEAR, [(70, 50), (17, 13), (20, 40), (48, 36)]),
                              ("area", cv2.INTER_AREA, [(24, 18), (16, 12), (17, 13), (31, 25)])):
        for (w, h) in sizes:
            out = cv2.resize(plane, (w, h), interpolation=flag)
            cases.append({"kind": kind, "type": "f32", "width": w, "height": h,
                          "data": [round(float(v), 5) for v in out.ravel()]})
            out8 = cv2.resize(img, (w, h), interpolation=flag)
            cases.append({"kind": kind, "type": "u8", "width": w, "height": h,
                          "data": [int(v) for v in out8.ravel()]})
    with open(os.path.join(HERE, "resize_reference.json"), "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
