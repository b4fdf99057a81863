#!/usr/bin/env bash
# sRGB <-> Lab throughput, keychroma (benchmarks/bench_color.cpp) next to OpenCV's cvtColor
# (benchmarks/peers/color_opencv.py), both on one thread, same 1920x1080 frame content
# (uniform random floats in [0,1]). Prints megapixels/s and the ratio keychroma / OpenCV.
# Both sides measure CPU time (Google Benchmark default; time.process_time in the peer).
# The two programs alternate for several rounds and each round's ratio is taken from adjacent
# measurements, so a busy machine slows both sides of a ratio alike; the table gives medians.
# Usage: benchmarks/run_color.sh [build-dir] [rounds]   (default build/release, 5 rounds)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build/release}"
rounds="${2:-5}"
cmake --build "$build" --target bench_color -j2 >/dev/null
export OMP_NUM_THREADS=1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  "$build/benchmarks/bench_color" --benchmark_repetitions=3 --benchmark_format=json \
    >"$tmp/keychroma.$r.json" 2>/dev/null
  /usr/bin/python3 "$here/peers/color_opencv.py" 5 >"$tmp/opencv.$r.json"
done
/usr/bin/python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
ours, peer, ratios, ctx = {}, {}, {}, None
for r in range(1, rounds + 1):
    kc = json.load(open(f"{tmp}/keychroma.{r}.json"))
    cv = json.load(open(f"{tmp}/opencv.{r}.json"))
    ctx = kc["context"]
    this = {}
    for b in kc["benchmarks"]:
        if b.get("run_type") == "iteration":
            this.setdefault(b["run_name"], []).append(b["items_per_second"] / 1e6)
    for name, v in this.items():
        ours.setdefault(name, []).extend(v)
        if name in cv:
            peer.setdefault(name, []).extend(cv[name])
            ratios.setdefault(name, []).append(statistics.median(v) / statistics.median(cv[name]))
print("host %s, %d CPUs, one thread used; %d alternating rounds (3 keychroma + 5 OpenCV runs each)"
      % (ctx.get("host_name", "?"), ctx.get("num_cpus", 0), rounds))
print("%-28s %16s %13s %15s" % ("case (1920x1080)", "keychroma Mpx/s", "OpenCV Mpx/s",
                                 "ratio (median)"))
for name, v in ours.items():
    if name in peer:
        print("%-28s %16.1f %13.1f %15.2f" % (name, statistics.median(v),
                                             statistics.median(peer[name]),
                                             statistics.median(ratios[name])))
    else:
        print("%-28s %16.1f %13s %15s" % (name, statistics.median(v), "-", "-"))
PY
