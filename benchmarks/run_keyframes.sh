#!/bin/bash
# Side-by-side keyframe benchmarks: keychroma (Google Benchmark, bench_keyframes) against OpenCV
# (histogram + Hellinger per frame) and scikit-learn (bandwidth estimate + mean shift, 1-D), in
# one run, printing the ratios. The machine may be shared and noisy: medians are quoted, and for
# the per-frame histograms both wall and CPU time ratios are printed (CPU time is steadier when
# other processes compete for the cores).
#   benchmarks/run_keyframes.sh [BUILD_DIR] [--sklearn-large | --no-sklearn]
# scikit-learn at 108,000 points: by default MeanShift only, with keychroma's bandwidth passed in
# and a time cap (KEYCHROMA_SKLEARN_CAP_S, default 900 s), because estimate_bandwidth alone takes
# many minutes there; --sklearn-large runs estimate_bandwidth too, uncapped.
# KEYCHROMA_SKLEARN_POINTS="1800" limits the scikit-learn runs to the sizes listed (27,000 points
# take scikit-learn about 20 minutes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/release}
mode=${2:-}
cap=${KEYCHROMA_SKLEARN_CAP_S:-900}
bench=$build/benchmarks/bench_keyframes
[ -x "$bench" ] || { echo "build bench_keyframes first ($bench)"; exit 1; }
footage=${KEYCHROMA_FOOTAGE_DIR:-$here/../cache/footage}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== keychroma (Google Benchmark, median of 5 repetitions)"
KEYCHROMA_BENCH_LABELS_DIR=$work OMP_NUM_THREADS=1 "$bench" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_format=json > "$work/kc.json"
echo "== OpenCV peer"
/usr/bin/python3 "$here/peers/keyframes_opencv.py" "$footage" | tee "$work/cv.jsonl"
touch "$work/sk.jsonl"
if [ "$mode" != "--no-sklearn" ]; then
  echo "== scikit-learn peer"
  for n in ${KEYCHROMA_SKLEARN_POINTS:-1800 27000 108000}; do
    if [ $n = 108000 ] && [ "$mode" != "--sklearn-large" ]; then
      bw=$(head -1 "$work/labels_$n.txt")
      if ! timeout "$cap" /usr/bin/python3 "$here/peers/meanshift_sklearn.py" $n "$work" --skip-estimate "$bw" >> "$work/sk.jsonl"; then
        echo "{\"n\": $n, \"timed_out_s\": $cap}" >> "$work/sk.jsonl"
      fi
      tail -1 "$work/sk.jsonl"
    else
      /usr/bin/python3 "$here/peers/meanshift_sklearn.py" $n "$work" | tee -a "$work/sk.jsonl"
    fi
  done
fi

/usr/bin/python3 - "$work" <<'PY'
import json, sys
import numpy as np
w = sys.argv[1]
kc = {b["name"]: b for b in json.load(open(f"{w}/kc.json"))["benchmarks"] if b.get("aggregate_name") == "median"}
def t(name, unit_s, key="real_time"):
    b = kc[name + "_median"]
    scale = {"us": 1e-6, "ms": 1e-3, "ns": 1e-9, "s": 1.0}[b["time_unit"]]
    return b[key] * scale / unit_s
print("\n== ratios (peer time / keychroma time, higher = keychroma faster; medians)")
for line in open(f"{w}/cv.jsonl"):
    r = json.loads(line)
    wd, ht = r["size"].split("x")
    name = f"histogram_hellinger/{wd}/{ht}"
    ours, ours_cpu = t(name, 1e-6), t(name, 1e-6, "cpu_time")
    print(f"histogram+hellinger {r['size']:>9}: wall keychroma {ours:7.1f} us/frame, OpenCV {r['median_us_per_frame']:7.1f} -> {r['median_us_per_frame']/ours:5.1f}x | "
          f"CPU keychroma {ours_cpu:7.1f}, OpenCV {r['median_cpu_us_per_frame']:7.1f} -> {r['median_cpu_us_per_frame']/ours_cpu:5.1f}x")
for line in open(f"{w}/sk.jsonl"):
    r = json.loads(line)
    n = r["n"]
    ours = t(f"bandwidth_and_mean_shift_1d/{n}", 1.0)
    ours_bw = t(f"bandwidth_only_1d/{n}", 1.0)
    if "timed_out_s" in r:
        print(f"mean shift 1-D n={n:>6}: keychroma {ours*1e3:9.2f} ms (estimate+cluster); scikit-learn MeanShift alone did not finish within {r['timed_out_s']} s -> ratio > {r['timed_out_s']/ours:.0f}x")
        continue
    a = np.loadtxt(f"{w}/labels_{n}.txt")
    kc_bw, kc_labels = a[0], a[1:].astype(int)
    sk_labels = np.loadtxt(f"{w}/sklearn_labels_{n}.txt").astype(int)
    same = bool((kc_labels == sk_labels).all())
    bw_rel = abs(kc_bw - r["bandwidth"]) / r["bandwidth"]
    if r["estimate_s"] is None:
        print(f"mean shift 1-D n={n:>6}: keychroma {ours*1e3:9.2f} ms (estimate+cluster); scikit-learn MeanShift alone {r['mean_shift_s']:8.2f} s (estimate_bandwidth not run) -> ratio > {r['mean_shift_s']/ours:.0f}x; labels identical: {same}")
    else:
        tot = r["estimate_s"] + r["mean_shift_s"]
        print(f"mean shift 1-D n={n:>6}: keychroma {ours*1e3:9.2f} ms (estimate {ours_bw*1e3:.2f} ms); scikit-learn {tot:9.2f} s (estimate {r['estimate_s']:.2f} s, MeanShift {r['mean_shift_s']:.2f} s) -> ratio {tot/ours:.0f}x; bandwidth rel. diff {bw_rel:.1e}; labels identical: {same}")
PY
