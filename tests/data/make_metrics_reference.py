#!/usr/bin/python3
"""Reference image metrics for tests/core/test_metrics*.cpp, from scikit-image 0.19 and numpy.

Writes, next to this script:
  metrics_synthetic_{a,b}.png      a 64x48 RGB pair (smooth pattern + noise, and a degraded copy)
  metrics_synthetic_gray_{a,b}.png a 40x33 grey pair
  metrics_reference.json           PSNR (skimage.metrics.peak_signal_noise_ratio, data_range=255),
                                   per-channel PSNR, SSIM (skimage.metrics.structural_similarity
                                   with gaussian_weights=True, sigma=1.5, use_sample_covariance=
                                   False, data_range=255, channel_axis=-1 for RGB) and the
                                   colourfulness of Hasler & Suesstrunk 2003 (numpy, population
                                   statistics) for the synthetic pairs and for pairs made from
                                   the real photos in cache/footage by integer operations the
                                   C++ test repeats exactly (shift, posterise, channel swap).
"""
import json
import os
import sys
import warnings

import numpy as np
from skimage.io import imread, imsave
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
FOOTAGE = os.path.join(HERE, "..", "..", "cache", "footage")


def colorfulness(img):
    rgb = img.astype(np.float64)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2))


def finite_or_inf(v):
    """JSON has no infinity: identical images (PSNR = inf) are written as the string "inf"."""
    return float(v) if np.isfinite(v) else "inf"


def metrics(a, b):
    rgb = a.ndim == 3
    out = {
        "psnr": finite_or_inf(peak_signal_noise_ratio(a, b, data_range=255)),
        "ssim": float(structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
                                            use_sample_covariance=False, data_range=255,
                                            channel_axis=-1 if rgb else None)),
    }
    if rgb:
        out["psnr_channels"] = [finite_or_inf(peak_signal_noise_ratio(a[..., c], b[..., c],
                                                                      data_range=255))
                                for c in range(3)]
        out["colorfulness_a"] = colorfulness(a)
        out["colorfulness_b"] = colorfulness(b)
    return out


# Transforms the C++ test repeats exactly (integer arithmetic only).
def shift(img):  # (a, b) = the photo and itself moved by 3 rows and 2 columns
    return img[:-3, :-2], img[3:, 2:]


def posterise(img):
    return img, (img // 16) * 16 + 8


def swap_rb(img):
    return img, img[..., ::-1].copy()


def green_posterise(img):
    g = img[..., 1].copy()
    return g, (g // 32) * 32 + 16


def main():
    warnings.simplefilter("ignore", RuntimeWarning)  # PSNR of identical channels divides by 0
    rng = np.random.default_rng(2003)
    y, x = np.mgrid[0:48, 0:64]
    base = np.stack([128 + 100 * np.sin(x / 7.0), 128 + 90 * np.cos(y / 5.0),
                     128 + 80 * np.sin((x + y) / 9.0)], -1)
    a = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).round().astype(np.uint8)
    b = np.clip(a.astype(np.float64) * 0.9 + 10 + rng.normal(0, 20, a.shape), 0, 255).round().astype(np.uint8)
    ga = np.clip(120 + 80 * np.sin(np.mgrid[0:33, 0:40][1] / 4.0) + rng.normal(0, 15, (33, 40)), 0, 255).round().astype(np.uint8)
    gb = np.clip(ga.astype(np.float64) + rng.normal(0, 25, ga.shape), 0, 255).round().astype(np.uint8)
    for name, img in (("metrics_synthetic_a.png", a), ("metrics_synthetic_b.png", b),
                      ("metrics_synthetic_gray_a.png", ga), ("metrics_synthetic_gray_b.png", gb)):
        imsave(os.path.join(HERE, name), img, check_contrast=False)
        assert np.array_equal(imread(os.path.join(HERE, name)), img)

    ref = {"synthetic": metrics(a, b), "synthetic_gray": metrics(ga, gb), "photos": []}
    for photo, transform in (("astronaut.png", shift), ("coffee.png", posterise),
                             ("chelsea.png", swap_rb), ("astronaut.png", green_posterise),
                             ("chelsea.png", posterise)):
        path = os.path.join(FOOTAGE, photo)
        if not os.path.exists(path):
            sys.exit("missing %s: run scripts/fetch-footage.sh first" % path)
        img = imread(path)[..., :3]
        pa, pb = transform(img)
        entry = {"photo": photo, "transform": transform.__name__, "height": int(pa.shape[0]),
                 "width": int(pa.shape[1])}
        entry.update(metrics(pa, pb))
        ref["photos"].append(entry)
    with open(os.path.join(HERE, "metrics_reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print(json.dumps(ref, indent=1))


if __name__ == "__main__":
    main()
