#!/usr/bin/env bash
# Quality against time: `keychroma paper` on one clip for several epoch counts and working
# sizes; prints the table and writes the plot of docs/paper-reproduction.md
# (benchmarks/peers/tradeoff_plot.py).
#
#   benchmarks/run_tradeoff.sh [OUT]     (default OUT: cache/tradeoff-runs)
#   CLIP=cockatoo EPOCHS="10 25 50 100" SIZES="256 128" THREADS=2 SEED=1 benchmarks/run_tradeoff.sh
#   SVG=docs/paper-tradeoff.svg           where the plot goes (default OUT/tradeoff.svg)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/cache/tradeoff-runs}"
clip="${CLIP:-cockatoo}"
epochs_list="${EPOCHS:-10 25 50 100}"
sizes="${SIZES:-256 128}"
threads="${THREADS:-2}"
seed="${SEED:-1}"
tool="${KEYCHROMA:-$root/build/release/examples/keychroma}"
input="${KEYCHROMA_FOOTAGE_DIR:-$root/cache/footage}/${clip}_256.y4m"
mkdir -p "$out"
[[ -s "$input" ]] || { echo "run_tradeoff: $input missing (scripts/fetch-footage.sh)" >&2; exit 1; }

if [[ -z "${SUMMARY_ONLY:-}" ]]; then
  [[ -x "$tool" ]] || cmake --build "$root/build/release" --target keychroma_cli -j2 >/dev/null
  for size in $sizes; do
    for epochs in $epochs_list; do
      tag="$clip-w$size-e$epochs-s$seed"
      echo "== $tag" >&2
      "$tool" paper "$input" --out "$out/$tag" --recipes paper --size "${size}x${size}" \
        --epochs "$epochs" --threads "$threads" --seed "$seed" --quiet --json >"$out/$tag.json"
      rm -f "$out/$tag/paper/colorized.y4m" "$out/$tag/paper/package/gray.y4m"
    done
  done
fi
/usr/bin/python3 "$root/benchmarks/peers/tradeoff_plot.py" "$out" "${SVG:-$out/tradeoff.svg}"
