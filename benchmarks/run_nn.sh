#!/usr/bin/env bash
# Side-by-side: keychroma's CPU backend (benchmarks/bench_nn.cpp) against PyTorch on the CPU
# (benchmarks/peers/nn_torch.py), same architecture, same thread counts, same run. Prints the
# ratio keychroma / PyTorch of milliseconds per frame (below 1 = keychroma faster).
#
#   REPS=3 CASES="infer:1:1 train:16:2" benchmarks/run_nn.sh [build-dir]
#
# build-dir defaults to build/release (bench_nn is built first). CASES lists what:batch:threads
# (default: inference batch 1 and 8, training batch 16, at 1 and 2 threads). TORCH_REPEATS
# (default 2) is how many timed runs PyTorch takes per round (median of them). KEEP=dir keeps
# the raw JSON of every run there (and lets an interrupted run be summarised later with
# SUMMARY_ONLY=1 KEEP=dir).
#
# The machine may be shared and its load swings, so the two programs alternate case by case:
# each round runs every case once in keychroma and then at once in PyTorch, and REPS rounds are
# taken. The table shows the median of each side and the median of the per-round ratios (each
# ratio compares two runs made seconds apart), plus the load average before the first round.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build/release}"
reps="${REPS:-3}"
cases="${CASES:-infer:1:1 infer:8:1 train:16:1 infer:1:2 infer:8:2 train:16:2}"
if [[ -n "${KEEP:-}" ]]; then
    out="$KEEP"
    mkdir -p "$out"
else
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi

if [[ -z "${SUMMARY_ONLY:-}" ]]; then
cmake --build "$build" --target bench_nn -j2 >/dev/null
uptime | sed 's/.*load/load/' >"$out/load.txt"
"$build/benchmarks/bench_nn" --benchmark_filter='BM_sgemm' --benchmark_format=json \
    --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true >"$out/sgemm.json"
for ((r = 0; r < reps; ++r)); do
    for c in $cases; do
        IFS=: read -r what batch threads <<<"$c"
        train=$([[ $what == train ]] && echo 1 || echo 0)
        "$build/benchmarks/bench_nn" --benchmark_format=json \
            --benchmark_filter="BM_network/train:$train/batch:$batch/threads:$threads/" \
            >"$out/kc.$r.$what.$batch.$threads.json"
        /usr/bin/python3 "$here/peers/nn_torch.py" --threads "$threads" --only "$what" \
            --batch "$batch" --repeats "${TORCH_REPEATS:-2}" | tail -n +2 >>"$out/torch.$r.jsonl"
    done
    uptime | sed 's/.*load/load/' >>"$out/load.txt"
done
fi

/usr/bin/python3 - "$out" "$reps" <<'PY'
import glob, json, os, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
print("load average before the first round and after each:",
      " | ".join(l.split(":", 1)[1].strip() for l in open(f"{out}/load.txt") if ":" in l))
sgemm = {}
for b in json.load(open(f"{out}/sgemm.json"))["benchmarks"]:
    if b.get("aggregate_name") == "median" and not b.get("error_occurred"):
        _, th, path = b["run_name"].split("/")[:3]  # BM_sgemm/threads:T/path:P[/real_time]
        sgemm[(int(th.split(":")[-1]), b.get("label", path))] = b["GFLOPs"]
rows = {}
for r in range(reps):
    if not os.path.exists(f"{out}/torch.{r}.jsonl"):
        continue
    torch = {}
    for line in open(f"{out}/torch.{r}.jsonl"):
        if line.strip():
            t = json.loads(line)
            torch[(t["what"], t["batch"], t["threads"])] = t
    for f in glob.glob(f"{out}/kc.{r}.*.json"):
        _, _, what, batch, threads, _ = f.rsplit("/", 1)[1].split(".")
        key = (what, int(batch), int(threads))
        if key not in torch:  # interrupted before PyTorch ran this case
            continue
        b = json.load(open(f))["benchmarks"][0]
        t = torch[key]
        rows.setdefault(key, []).append((b, t))
print(f"{'what':6} {'batch':>5} {'thr':>3} {'keychroma ms/f':>15} {'GFLOP/s':>8} {'torch ms/f':>11} "
      f"{'ratio':>6} {'target':>6}  per-round ratios; torch format; peak RSS")
for key in sorted(rows, key=lambda k: (k[2], k[0] != "infer", k[1])):
    pairs = rows[key]
    kc = statistics.median(b["ms_per_frame"] for b, _ in pairs)
    gf = (45.5 if key[0] == "train" else 15.19) / kc * 1e3  # GFLOP per frame / median time
    th = statistics.median(t["ms_per_frame"] for _, t in pairs)
    ratios = [b["ms_per_frame"] / t["ms_per_frame"] for b, t in pairs]
    target = 0.4 if key[0] == "train" else 0.6 if key[1] == 1 else 0.5
    fmts = ",".join(sorted({t["format"] for _, t in pairs}))
    rss = max((b.get("peak_rss_MB", 0) for b, _ in pairs), default=0)
    extra = f"; {rss:.0f} MB" if rss else ""
    print(f"{key[0]:6} {key[1]:5} {key[2]:3} {kc:15.1f} {gf:8.1f} {th:11.1f} "
          f"{statistics.median(ratios):6.2f} {target:6.1f}  "
          f"{' '.join(f'{x:.2f}' for x in ratios)}; {fmts}{extra}")
labels = {b.get("label", "") for pairs in rows.values() for b, _ in pairs}
print("keychroma ran on:", "; ".join(sorted(labels)))
for (th, path), g in sorted(sgemm.items()):
    print(f"sgemm (4096x256x2304, {th} thread{'s' if th > 1 else ''}, {path}): {g:.1f} GFLOP/s")
PY
