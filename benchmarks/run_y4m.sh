#!/usr/bin/env bash
# Y4M decode throughput (file -> interleaved RGB frames), keychroma (benchmarks/bench_y4m.cpp)
# next to numpy + OpenCV cvtColor (benchmarks/peers/y4m_decode.py), both on one thread, on the
# same synthetic files (written by bench_y4m into a temporary directory, page-cached).
# Prints frames/s, MB/s and the ratio keychroma / OpenCV. The two programs alternate for
# several rounds and each round's ratio comes from adjacent measurements, so a busy machine
# slows both sides of a ratio alike; the table gives medians.
# Usage: benchmarks/run_y4m.sh [build-dir] [rounds]   (default build/release, 5 rounds)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build/release}"
rounds="${2:-5}"
cmake --build "$build" --target bench_y4m -j2 >/dev/null
export OMP_NUM_THREADS=1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp" # bench_y4m writes its clips here
for r in $(seq "$rounds"); do
  "$build/benchmarks/bench_y4m" --benchmark_filter='BM_y4m_decode_(444|420)/' \
    --benchmark_repetitions=3 --benchmark_format=json >"$tmp/keychroma.$r.json" 2>/dev/null
  /usr/bin/python3 "$here/peers/y4m_decode.py" "$tmp"/keychroma-bench-*-444.y4m \
    "$tmp"/keychroma-bench-*-420mpeg2.y4m >"$tmp/opencv.$r.json"
done
/usr/bin/python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
ours, peer, ratios, mbs, ctx = {}, {}, {}, {}, None
def file_of(name):  # BM_y4m_decode_420/256/256 -> keychroma-bench-256x256-420mpeg2.y4m
    kind, w, h = name.split("/")[:3]
    return "keychroma-bench-%sx%s-%s.y4m" % (w, h, "444" if kind.endswith("444") else "420mpeg2")
for r in range(1, rounds + 1):
    kc = json.load(open(f"{tmp}/keychroma.{r}.json"))
    cv = json.load(open(f"{tmp}/opencv.{r}.json"))
    ctx = kc["context"]
    this = {}
    for b in kc["benchmarks"]:
        if b.get("run_type") == "iteration":
            this.setdefault(b["run_name"], []).append(b["frames/s"])
            mbs.setdefault(b["run_name"], []).append(b["bytes_per_second"] / 1e6)
    for name, v in this.items():
        ours.setdefault(name, []).extend(v)
        p = cv[file_of(name)]
        peer.setdefault(name, []).extend(p)
        ratios.setdefault(name, []).append(statistics.median(v) / statistics.median(p))
print("host %s, %d CPUs, one thread used; %d alternating rounds (3 keychroma + 5 OpenCV runs each)"
      % (ctx.get("host_name", "?"), ctx.get("num_cpus", 0), rounds))
print("%-28s %12s %14s %12s %15s" % ("case", "keychroma MB/s", "keychroma fps", "OpenCV fps",
                                     "ratio (median)"))
for name, v in ours.items():
    print("%-28s %12.0f %14.0f %12.0f %15.2f" % (name, statistics.median(mbs[name]),
                                                statistics.median(v),
                                                statistics.median(peer[name]),
                                                statistics.median(ratios[name])))
PY
