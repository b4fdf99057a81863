#!/usr/bin/python3
"""scikit-learn peer of bench_keyframes' bandwidth_and_mean_shift_1d: estimate_bandwidth
(quantile 0.3) + MeanShift(bandwidth) without bin seeding, n_jobs=None (one process), on the same
deterministic 1-D data. Usage: meanshift_sklearn.py N LABELS_DIR [--skip-estimate BW]
With --skip-estimate the bandwidth is given (the C++ value) and only MeanShift is timed, for sizes
where estimate_bandwidth alone would take many minutes. Prints one JSON line; writes
LABELS_DIR/sklearn_labels_N.txt."""

import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import MeanShift, estimate_bandwidth


def paper_like(n):
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761)) % np.uint64(4294967296)
    g = h % np.uint64(10)
    v = np.where(g < 4, 10000.0,
                 np.where(g < 7, 9200.0 + ((h >> np.uint64(8)) % np.uint64(5000)).astype(np.float64) / 100.0,
                          5400.0 + ((h >> np.uint64(8)) % np.uint64(30000)).astype(np.float64) / 100.0))
    return v.reshape(-1, 1)


n = int(sys.argv[1])
out_dir = sys.argv[2]
X = paper_like(n)
res = {"peer": "scikit-learn " + sklearn.__version__, "n": n}
if len(sys.argv) > 4 and sys.argv[3] == "--skip-estimate":
    bw = float(sys.argv[4])
    res["estimate_s"] = None
else:
    t0 = time.perf_counter()
    bw = estimate_bandwidth(X, quantile=0.3)
    res["estimate_s"] = time.perf_counter() - t0
t0 = time.perf_counter()
ms = MeanShift(bandwidth=bw).fit(X)
res["mean_shift_s"] = time.perf_counter() - t0
res["bandwidth"] = bw
res["clusters"] = int(len(ms.cluster_centers_))
np.savetxt(f"{out_dir}/sklearn_labels_{n}.txt", ms.labels_, fmt="%d")
print(json.dumps(res))
