#!/usr/bin/env bash
# The paper's method end to end, keychroma against the PyTorch reference
# (benchmarks/peers/paper_torch.py), side by side on the same clips, keyframes, epochs, batch,
# seed and threads. Writes every run's JSON to OUT and prints the comparison table of
# docs/paper-reproduction.md (benchmarks/peers/paper_summary.py).
#
#   benchmarks/run_paper.sh [OUT]          (default OUT: cache/paper-runs)
#   CLIPS="cockatoo fillets" SEEDS="1 2 3" EPOCHS=25 THREADS=2 benchmarks/run_paper.sh
#   ADAM=keras    the reference's Adam: torch.optim.Adam (default, docs' table 1) or Keras' rule
#
# Clips are the 256x256 4:4:4 versions made by scripts/fetch-footage.sh (--fillets for the
# fillets intro). The two programs alternate seed by seed, and which goes first alternates too,
# so a change in the machine's load lands on both. keychroma runs `keychroma paper` (keyframes,
# training, send, receive, evaluation); the reference extracts its own keyframes with OpenCV +
# scikit-learn (timed) but trains on keychroma's, so both learn from the same frames.
# SUMMARY_ONLY=1 re-prints the table from OUT.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/cache/paper-runs}"
clips="${CLIPS:-cockatoo fillets}"
seeds="${SEEDS:-1 2 3}"
epochs="${EPOCHS:-25}"
threads="${THREADS:-2}"
adam="${ADAM:-torch}"
tool="${KEYCHROMA:-$root/build/release/examples/keychroma}"
footage="${KEYCHROMA_FOOTAGE_DIR:-$root/cache/footage}"
mkdir -p "$out"

if [[ -z "${SUMMARY_ONLY:-}" ]]; then
  [[ -x "$tool" ]] || cmake --build "$root/build/release" --target keychroma_cli -j2 >/dev/null
  uptime | sed 's/.*load/load/' >"$out/load-before.txt"
  for clip in $clips; do
    input="$footage/${clip}_256.y4m"
    [[ -s "$input" ]] || { echo "run_paper: $input missing (scripts/fetch-footage.sh --fillets)" >&2; exit 1; }
    n=0
    for seed in $seeds; do
      tag="$clip-e$epochs-t$threads-s$seed"
      run_keychroma() {
        "$tool" paper "$input" --out "$out/kc-$tag" --recipes paper --epochs "$epochs" \
          --threads "$threads" --seed "$seed" --quiet --json >"$out/report-kc-$tag.json"
        # the paper recipe's part of the report is what the comparison reads
        /usr/bin/python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["recipes"]["paper"], open(sys.argv[2], "w"))' \
          "$out/report-kc-$tag.json" "$out/kc-$tag.json"
      }
      run_torch() {
        local keys
        keys=$(/usr/bin/python3 -c 'import json,sys; print(",".join(map(str, json.load(open(sys.argv[1]))["table2"]["keyframes"])))' "$out/kc-$tag.json")
        /usr/bin/python3 "$root/benchmarks/peers/paper_torch.py" "$input" --epochs "$epochs" \
          --threads "$threads" --seed "$seed" --adam "$adam" --keyframes "$keys" --json "$out/torch-$tag.json" >/dev/null
      }
      # The reference needs keychroma's keyframes: the first seed of a clip has keychroma first;
      # later seeds take the list from the first run and swap the order every other seed.
      if (( n % 2 == 0 )) || [[ ! -s "$out/kc-$clip-e$epochs-t$threads-s${seeds%% *}.json" ]]; then
        echo "== $tag: keychroma, then PyTorch" >&2
        run_keychroma
        run_torch
      else
        echo "== $tag: PyTorch, then keychroma" >&2
        cp "$out/kc-$clip-e$epochs-t$threads-s${seeds%% *}.json" "$out/kc-$tag.json"
        run_torch
        run_keychroma
      fi
      rm -f "$out/kc-$tag/paper/colorized.y4m" "$out/kc-$tag/paper/package/gray.y4m" # 55-216 MB each
      n=$((n + 1))
    done
  done
  uptime | sed 's/.*load/load/' >"$out/load-after.txt"
fi
/usr/bin/python3 "$root/benchmarks/peers/paper_summary.py" "$out"
