#!/usr/bin/env bash
# docs/pipeline.md#colorization: colorizing the 1280x720 cockatoo clip (280 frames) against what
# bounds it: decoding and encoding alone (`keychroma convert`, the same input and output), and
# the network alone at the same working size (`keychroma bench network`). Medians of RUNS runs;
# wall-clock seconds and peak RSS from /usr/bin/time.
#
#   benchmarks/run_colorize.sh [OUT]           (default OUT: cache/colorize-runs)
#   RUNS=3 THREADS=2 MODEL=m.kcm               (default: a standard-recipe model trained here)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/cache/colorize-runs}"
runs="${RUNS:-3}"
threads="${THREADS:-2}"
tool="${KEYCHROMA:-$root/build/release/examples/keychroma}"
footage="${KEYCHROMA_FOOTAGE_DIR:-$root/cache/footage}"
mkdir -p "$out"
cd "$out"
source "$root/benchmarks/cockatoo_film.sh" # $clip, gray.mkv
model="${MODEL:-$out/model.kcm}"
[[ -s "$model" ]] || "$tool" train "$clip" -o "$model" --threads "$threads" --quiet
size=$("$tool" colorize gray.mkv "$model" -o probe.y4m --threads "$threads" --quiet --json |
  /usr/bin/python3 -c 'import json,sys; w,h=json.load(sys.stdin)["network_size"]; print(f"{w}x{h}")')
rm -f probe.y4m

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
measure() { # label, command...: prints "label: median s, median frames/s, peak RSS"
  local label=$1 i
  shift
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%e %M" -o time.txt "$@" >/dev/null
    cat time.txt >>"$label.times"
  done
  local s kb
  s=$(cut -d' ' -f1 "$label.times" | median)
  kb=$(cut -d' ' -f2 "$label.times" | median)
  awk -v l="$label" -v s="$s" -v kb="$kb" \
    'BEGIN {printf "%-22s %7.2f s  %6.1f frames/s  %5.0f MB\n", l, s, 280 / s, kb / 1024}'
  rm -f "$label.times"
}
echo "network at $size, $threads threads, medians of $runs"
for ext in mp4 mkv; do
  measure "colorize to $ext" "$tool" colorize gray.mkv "$model" -o "out.$ext" --threads "$threads" --quiet
  measure "convert to $ext" "$tool" convert gray.mkv "conv.$ext"
done
"$tool" bench network --size "$size" --batch 8 --threads "$threads" --runs 21
rm -f out.mp4 out.mkv conv.mp4 conv.mkv time.txt
