#!/usr/bin/python3
"""Reference values for tests/core/test_color.cpp (run from anywhere with /usr/bin/python3).

Writes, next to this script:
  color_srgb_to_lab.csv  r,g,b (float32 inputs in [0,1]), L,a,b from the CIE definitions in
                         float64 (numpy), and OpenCV's float cvtColor(COLOR_RGB2Lab) of the inputs.
  color_lab_to_srgb.csv  L,a,b (float32 inputs, in and out of the sRGB gamut), r,g,b from the
                         definitions in float64 with linear RGB clipped to [0,1], and OpenCV's
                         float cvtColor(COLOR_Lab2RGB).
The float64 reference is typed independently of the C++ headers, from the definitions: sRGB
transfer function (IEC 61966-2-1), Lindbloom's sRGB/D65 matrix, white (0.95047, 1, 1.08883), CIE
epsilon = 216/24389 and kappa = 24389/27. OpenCV's float RGB->Lab is NOT exact (it interpolates a
33^3 table and uses rounded CIE constants); the test measures and bounds that gap separately.
"""
import os

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
M = np.array([[0.4124564, 0.3575761, 0.1804375],
              [0.2126729, 0.7151522, 0.0721750],
              [0.0193339, 0.1191920, 0.9503041]])
WHITE = np.array([0.95047, 1.0, 1.08883])
EPS = 216.0 / 24389.0
KAPPA = 24389.0 / 27.0


def srgb_to_linear(v):
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v):
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * np.power(np.maximum(v, 0), 1 / 2.4) - 0.055)


def srgb_to_lab(rgb):
    xyz = srgb_to_linear(rgb.astype(np.float64)) @ M.T / WHITE
    f = np.where(xyz > EPS, np.cbrt(xyz), (KAPPA * xyz + 16) / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def lab_to_srgb(lab):
    lab = lab.astype(np.float64)
    fy = (lab[:, 0] + 16) / 116
    f = np.stack([fy + lab[:, 1] / 500, fy, fy - lab[:, 2] / 200], 1)
    t = np.where(f ** 3 > EPS, f ** 3, (116 * f - 16) / KAPPA)
    t[:, 1] = np.where(lab[:, 0] > KAPPA * EPS, fy ** 3, lab[:, 0] / KAPPA)
    lin = (t * WHITE) @ np.linalg.inv(M).T
    return linear_to_srgb(np.clip(lin, 0, 1))


def cv(img, code):
    return cv2.cvtColor(img.reshape(1, -1, 3).astype(np.float32), code).reshape(-1, 3)


def main():
    rng = np.random.default_rng(20240611)
    # --- sRGB inputs: corners, greys, both sides of the transfer-function knee (0.04045) and of
    # the CIE epsilon (grey of luminance 216/24389 is sRGB ~0.0998), random 8-bit codes, random
    # floats.
    corners = np.array([[r, g, b] for r in (0, 1) for g in (0, 1) for b in (0, 1)], float)
    greys = np.repeat(np.arange(0, 256, 5)[:, None] / 255.0, 3, 1)
    knee = np.array([0.0404, 0.04045, 0.0405, 0.0998, 0.09985, 0.0999, 0.1, 1e-4, 0.9999])
    knees = np.concatenate([np.repeat(knee[:, None], 3, 1),
                            np.stack([knee, np.zeros_like(knee), np.ones_like(knee)], 1)])
    codes = rng.integers(0, 256, (700, 3)) / 255.0
    floats = rng.random((500, 3))
    rgb = np.concatenate([corners, greys, knees, codes, floats]).astype(np.float32)
    lab_ref = srgb_to_lab(rgb.astype(np.float64))
    lab_cv = cv(rgb, cv2.COLOR_RGB2Lab)
    with open(os.path.join(HERE, "color_srgb_to_lab.csv"), "w") as f:
        f.write("r,g,b,L,a,b_,cv_L,cv_a,cv_b\n")
        for i in range(len(rgb)):
            f.write("%.9g,%.9g,%.9g,%.6f,%.6f,%.6f,%.5f,%.5f,%.5f\n" %
                    (*rgb[i], *lab_ref[i], *lab_cv[i]))

    # --- Lab inputs: in-gamut (from random sRGB), the L axis, L around 8 (= kappa*epsilon, the
    # knee of the L* curve), and random Lab boxes that leave the gamut (clipping).
    ingamut = srgb_to_lab(rng.random((500, 3))).astype(np.float32)
    l_axis = np.stack([np.linspace(0, 100, 41), np.zeros(41), np.zeros(41)], 1)
    l_knee = np.array([[7.9, 0, 0], [8.0, 0, 0], [8.1, 0, 0], [8.0, 10, -10], [0, 20, 20]])
    outgamut = np.stack([rng.uniform(0, 100, 500), rng.uniform(-128, 127, 500),
                         rng.uniform(-128, 127, 500)], 1)
    lab = np.concatenate([ingamut, l_axis, l_knee, outgamut]).astype(np.float32)
    rgb_ref = lab_to_srgb(lab.astype(np.float64))
    rgb_cv = cv(lab, cv2.COLOR_Lab2RGB)
    with open(os.path.join(HERE, "color_lab_to_srgb.csv"), "w") as f:
        f.write("L,a,b,r,g,b_,cv_r,cv_g,cv_b\n")
        for i in range(len(lab)):
            f.write("%.9g,%.9g,%.9g,%.7f,%.7f,%.7f,%.7f,%.7f,%.7f\n" %
                    (*lab[i], *rgb_ref[i], *rgb_cv[i]))

    gap = np.abs(lab_cv - lab_ref).max(0)
    print("OpenCV RGB2Lab vs float64 definitions, max |diff| L,a,b:", gap)
    print("OpenCV Lab2RGB vs float64 definitions, max |diff|:", np.abs(rgb_cv - rgb_ref).max())


if __name__ == "__main__":
    main()
