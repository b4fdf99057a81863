#!/usr/bin/env bash
# Quality of the recipes (docs/quality.md): `keychroma paper` with the paper's recipe and the
# standard one side by side on each clip for several seeds (the headline rows), then each recipe
# alone at several training lengths (the quality-against-time plot). Prints the tables and writes
# the plot (benchmarks/peers/quality_summary.py).
#
#   benchmarks/run_quality.sh [OUT]            (default OUT: cache/quality-runs)
#   CLIPS="cockatoo fillets" SEEDS="1 2 3" THREADS=2 benchmarks/run_quality.sh
#   EPOCHS="10 25 50 100" STEPS="100 200 400 800" TRADEOFF_SEED=1    the plot's runs ("" = none)
#   SVG=docs/quality-tradeoff.svg              where the plot goes (default OUT/quality.svg)
#   SUMMARY_ONLY=1                             only summarize the runs already in OUT
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/cache/quality-runs}"
clips="${CLIPS:-cockatoo fillets}"
seeds="${SEEDS:-1 2 3}"
threads="${THREADS:-2}"
epochs_list="${EPOCHS-10 25 50 100}"
steps_list="${STEPS-100 200 400 800}"
tradeoff_seed="${TRADEOFF_SEED:-1}"
tool="${KEYCHROMA:-$root/build/release/examples/keychroma}"
footage="${KEYCHROMA_FOOTAGE_DIR:-$root/cache/footage}"
mkdir -p "$out"

run() { # tag, clip, recipes (comma-separated), extra options...
  local tag=$1 clip=$2 recipes=$3
  shift 3
  echo "== $tag" >&2
  "$tool" paper "$footage/${clip}_256.y4m" --out "$out/$tag" --recipes "$recipes" \
    --threads "$threads" --quiet --json "$@" >"$out/$tag.json"
  local recipe
  for recipe in ${recipes//,/ }; do # the big files this run wrote, 55-216 MB each
    rm -f "$out/$tag/$recipe/colorized.y4m" "$out/$tag/$recipe/package/gray.y4m"
  done
}

if [[ -z "${SUMMARY_ONLY:-}" ]]; then
  [[ -x "$tool" ]] || cmake --build "$root/build/release" --target keychroma_cli -j2 >/dev/null
  for clip in $clips; do
    [[ -s "$footage/${clip}_256.y4m" ]] ||
      { echo "run_quality: ${clip}_256.y4m missing (scripts/fetch-footage.sh --fillets)" >&2; exit 1; }
    for seed in $seeds; do run "both-$clip-s$seed" "$clip" paper,standard --seed "$seed"; done
    for e in $epochs_list; do
      run "paper-$clip-e$e" "$clip" paper --epochs "$e" --seed "$tradeoff_seed"
    done
    for s in $steps_list; do
      # a fixed length: --held-out 0 turns off the stop on held-out frames
      run "standard-$clip-n$s" "$clip" standard --steps "$s" --held-out 0 --seed "$tradeoff_seed"
    done
  done
fi
/usr/bin/python3 "$root/benchmarks/peers/quality_summary.py" "$out" "${SVG:-$out/quality.svg}"
