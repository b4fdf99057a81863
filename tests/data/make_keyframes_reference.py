#!/usr/bin/python3
"""Reference numbers for tests/keyframes, produced by independent peers:

* OpenCV (Debian python3-opencv): calcHist with 8x8x8 bins over [0,256) and compareHist for
  every method, on real photos and real video frames from cache/footage
  (scripts/fetch-footage.sh). The frames come from ffmpeg's own rgb24 decoding
  (cockatoo_256x144_yuv444p.rgb) and the photos are PNGs, so the C++ side reads exactly the
  same pixels (JPEG decoders differ, so no JPEG is used).
* numpy / scipy formulas for the distances OpenCV does not have (L1, L2, Jensen-Shannon).
* scikit-learn (Debian python3-sklearn): estimate_bandwidth and MeanShift (both bin_seeding
  values, estimated and given bandwidths) on fixed 1-D and 3-D data sets, which are stored too.

Run from the repository root:  /usr/bin/python3 tests/data/make_keyframes_reference.py
Writes tests/data/keyframes_histograms.json and tests/data/keyframes_meanshift.json.
"""

import json
import os
import sys
import warnings

import cv2
import numpy as np
import scipy.spatial.distance
import sklearn
from sklearn.cluster import MeanShift, estimate_bandwidth

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FOOTAGE = os.environ.get("KEYCHROMA_FOOTAGE_DIR", os.path.join(ROOT, "cache", "footage"))
OUT = os.path.join(ROOT, "tests", "data")

cv2.setNumThreads(1)


def rgb_hist(rgb):
    """8x8x8 histogram of an RGB image, flattened with R as the slowest axis (keychroma's
    rgb_uniform<8> order: bin = (r>>5)*64 + (g>>5)*8 + (b>>5))."""
    h = cv2.calcHist([np.ascontiguousarray(rgb)], [0, 1, 2], None, [8, 8, 8], [0, 256, 0, 256, 0, 256])
    return h.reshape(-1)


def distances(h1, h2):
    a = h1.astype(np.float64)
    b = h2.astype(np.float64)
    p = a / a.sum()
    q = b / b.sum()
    return {
        "hellinger": cv2.compareHist(h1, h2, cv2.HISTCMP_HELLINGER),
        "bhattacharyya": cv2.compareHist(h1, h2, cv2.HISTCMP_BHATTACHARYYA),
        "chi_square": cv2.compareHist(h1, h2, cv2.HISTCMP_CHISQR),
        "chi_square_alt": cv2.compareHist(h1, h2, cv2.HISTCMP_CHISQR_ALT),
        "intersect": cv2.compareHist(h1, h2, cv2.HISTCMP_INTERSECT),
        # keychroma's intersection distance: 1 - sum(min(p, q)) on normalised histograms
        "intersection_distance": float(1.0 - np.minimum(p, q).sum()),
        "bhattacharyya_coefficient": float(np.sqrt(a * b).sum() / np.sqrt(a.sum() * b.sum())),
        "l1": float(np.abs(a - b).sum()),
        "l2": float(np.sqrt(((a - b) ** 2).sum())),
        "jensen_shannon": float(scipy.spatial.distance.jensenshannon(p, q)),
    }


def histogram_reference():
    images = {}
    for name in ["astronaut.png", "coffee.png", "chelsea.png"]:
        bgr = cv2.imread(os.path.join(FOOTAGE, name), cv2.IMREAD_COLOR)
        if bgr is None:
            sys.exit(f"missing {name}: run scripts/fetch-footage.sh")
        images[name] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    raw = np.fromfile(os.path.join(FOOTAGE, "cockatoo_256x144_yuv444p.rgb"), dtype=np.uint8)
    frames = raw.reshape(-1, 144, 256, 3)
    for i in [0, 10, 29]:
        images[f"cockatoo_256x144_yuv444p.rgb#{i}"] = frames[i]

    hists = {name: rgb_hist(img) for name, img in images.items()}
    out = {"generator": f"OpenCV {cv2.__version__}, numpy {np.__version__}, scipy {scipy.__version__}",
           "images": [], "pairs": []}
    for name, img in images.items():
        black = np.zeros_like(img)
        hb = rgb_hist(black)
        p0 = float(np.all(img < 32, axis=2).mean())
        out["images"].append({
            "name": name,
            "height": int(img.shape[0]),
            "width": int(img.shape[1]),
            "histogram": [int(v) for v in hists[name]],
            "p0": p0,
            "vs_black": distances(hists[name], hb),
        })
    names = list(images)
    for i in range(len(names)):
        for j in range(len(names)):
            if i != j:
                out["pairs"].append({"a": names[i], "b": names[j],
                                     "distances": distances(hists[names[i]], hists[names[j]])})
    return out


def mean_shift_cases():
    rng = np.random.RandomState(20240501)
    sets = {}
    # The paper's common case: most frames have no near-black pixel and sit at exactly 10,000,
    # a few drift below it.
    paper = np.concatenate([np.full(150, 10000.0),
                            np.round(10000.0 - rng.gamma(2.0, 3.0, 40), 3),
                            np.round(9600.0 + rng.randn(30) * 4.0, 3)])
    rng.shuffle(paper)
    sets["paper_like_1d"] = paper.reshape(-1, 1)
    # Small integers with many ties (exact arithmetic everywhere: boundary cases are exact).
    sets["integer_ties_1d"] = rng.randint(0, 12, 80).astype(np.float64).reshape(-1, 1)
    # Three well separated groups of decimals, plus repeated values.
    g = np.concatenate([rng.randn(300) * 1.0, 8 + rng.randn(200) * 0.7, 20 + rng.randn(100) * 2.0,
                        np.full(20, 8.0)])
    sets["mixture_1d"] = np.round(g, 4).reshape(-1, 1)
    # 3-D blobs with duplicates.
    c = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 0.0], [0.0, 6.0, 6.0]])
    blobs = np.concatenate([c[k] + rng.randn(50, 3) * 0.8 for k in range(3)])
    blobs = np.concatenate([blobs, np.tile([[5.0, 5.0, 0.0]], (10, 1))])
    sets["blobs_3d"] = np.round(blobs, 4)
    # 3-D integer grid points with ties.
    sets["integer_ties_3d"] = rng.randint(0, 4, (60, 3)).astype(np.float64)
    # Every frame at exactly 10,000 (a clip with no near-black pixel): the estimated bandwidth
    # is 0 and everything must still form one cluster.
    sets["all_identical_1d"] = np.full((40, 1), 10000.0)
    # A plateau at 10,000 with a few outliers.
    sets["plateau_1d"] = np.concatenate([np.full(35, 10000.0),
                                         [9990.0, 9991.0, 9992.5, 9000.0, 9001.0]]).reshape(-1, 1)

    fixed_bandwidth = {"paper_like_1d": 25.0, "integer_ties_1d": 2.0, "mixture_1d": 1.5,
                       "blobs_3d": 2.0, "integer_ties_3d": 1.5,
                       "all_identical_1d": 1.0, "plateau_1d": 5.0}
    out = {"generator": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}", "sets": []}
    for name, X in sets.items():
        entry = {"name": name, "dims": int(X.shape[1]), "points": X.reshape(-1).tolist(),
                 "bandwidth_q03": float(estimate_bandwidth(X, quantile=0.3)),
                 "bandwidth_q01": float(estimate_bandwidth(X, quantile=0.1)),
                 "runs": []}
        # "estimated": MeanShift(bandwidth=None) estimates it itself (quantile 0.3).
        for bw_name, bw in [("estimated", None), ("fixed", fixed_bandwidth[name])]:
            for bin_seeding in [False, True]:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ms = MeanShift(bandwidth=bw, bin_seeding=bin_seeding).fit(X)
                used = entry["bandwidth_q03"] if bw is None else bw
                entry["runs"].append({"bandwidth": used, "bandwidth_source": bw_name,
                                      "bin_seeding": bin_seeding,
                                      "centres": ms.cluster_centers_.reshape(-1).tolist(),
                                      "labels": ms.labels_.tolist()})
        out["sets"].append(entry)
    return out


def main():
    with open(os.path.join(OUT, "keyframes_histograms.json"), "w") as f:
        json.dump(histogram_reference(), f, indent=1)
    with open(os.path.join(OUT, "keyframes_meanshift.json"), "w") as f:
        json.dump(mean_shift_cases(), f, indent=1)
    print("wrote keyframes_histograms.json and keyframes_meanshift.json")


if __name__ == "__main__":
    main()
