#!/usr/bin/env bash
# docs/references.md: the 1280x720 cockatoo clip made gray (lossless FFV1, its sound kept), a few
# of its frames as "hand-coloured" references, `keychroma train --references`, `colorize`, and
# `eval` of the colorized non-reference frames against the truth; the standard recipe trained on
# the clip's own keyframes (held-out stopping) as the yardstick. Prints the table and writes the
# contact sheet.
#
#   benchmarks/run_references.sh [OUT]          (default OUT: cache/reference-runs)
#   SETS="3 5 10" STEPS=250 THREADS=2 SHEET=docs/references-cockatoo-sheet.png
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/cache/reference-runs}"
sets="${SETS:-3 5 10}"
steps="${STEPS:-250}"
threads="${THREADS:-2}"
tool="${KEYCHROMA:-$root/build/release/examples/keychroma}"
footage="${KEYCHROMA_FOOTAGE_DIR:-$root/cache/footage}"
mkdir -p "$out"
cd "$out"
source "$root/benchmarks/cockatoo_film.sh" # $clip, gray.mkv
timed() { /usr/bin/time -f "%e s, %M KB" -o "$1.time" "${@:2}"; }

declare -A frames=([3]="0 140 279" [5]="0 70 140 210 279"
  [10]="0 31 62 93 124 155 186 217 248 279")
for n in $sets; do
  list=${frames[$n]:?"SETS: 3, 5 or 10"}
  mkdir -p "refs$n"
  select=$(printf "eq(n\\\\,%s)+" $list)
  ffmpeg -v error -y -i "$clip" -vf "select='${select%+}'" -vsync 0 -start_number 0 "refs$n/%d.png"
  echo "[${list// /, }]" >"refs$n.json"
  timed "train$n" "$tool" train --references "refs$n" -o "refs$n.kcm" --steps "$steps" \
    --threads "$threads" --quiet --json >"train$n.json"
  timed "colorize$n" "$tool" colorize gray.mkv "refs$n.kcm" -o "colour$n.mkv" \
    --threads "$threads" --quiet --json >"colorize$n.json"
  "$tool" eval "$clip" "colour$n.mkv" --keyframes "refs$n.json" --quiet --json >"eval$n.json"
done
# The yardstick: the standard recipe on the colour clip's own keyframes.
timed train_video "$tool" train "$clip" -o video.kcm --threads "$threads" --quiet --json \
  >train_video.json
timed colorize_video "$tool" colorize gray.mkv video.kcm -o colour_video.mkv \
  --threads "$threads" --quiet --json >colorize_video.json
"$tool" eval "$clip" colour_video.mkv --keyframes refs3.json --quiet --json >eval_video.json

/usr/bin/python3 - $sets <<'PY'
import json, sys
print("| training images | non-reference PSNR | pooled | gray | gain | colourfulness | flicker | training | colorizing |")
print("|---|---|---|---|---|---|---|---|---|")
for tag in sys.argv[1:] + ["video"]:
    e = json.load(open(f"eval{tag}.json" if tag != "video" else "eval_video.json"))["non_keyframes"]
    def secs(name):
        return open(f"{name}.time").read().split(",")[0]
    train = secs(f"train{tag}" if tag != "video" else "train_video")
    colour = secs(f"colorize{tag}" if tag != "video" else "colorize_video")
    label = f"{tag} references" if tag != "video" else "the clip's keyframes"
    print(f"| {label} | {e['psnr']:.2f} dB | {e['psnr_pooled']:.2f} | {e['gray']['psnr']:.2f} "
          f"| {e['psnr'] - e['gray']['psnr']:+.2f} dB "
          f"| {e['colorfulness_result'] / e['colorfulness_truth']:.2f} "
          f"| {e['flicker_result'] / e['flicker_truth']:.2f} | {train} | {colour} |")
PY
rows=(truth="$clip" gray=gray.mkv)
for n in $sets; do rows+=("$n refs=colour$n.mkv"); done
/usr/bin/python3 "$root/benchmarks/peers/references_sheet.py" "${SHEET:-$out/sheet.png}" \
  35,105,175,245 "${rows[@]}"
