#!/usr/bin/env bash
# The README's main command: installs dependencies, builds the release preset, fetches the real
# cockatoo clip through apt (into the ignored cache/), and runs the whole method on it at 256x256
# (keyframes, training, send (gray video + model), receive (colorize), evaluation) with the
# paper's recipe and keychroma's standard one, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh
scripts/fetch-footage.sh
cmake --preset release >/dev/null
cmake --build --preset release --target keychroma_cli
tool="$root/build/release/examples/keychroma"
out="$root/demo"
mkdir -p "$out"
clip="$root/cache/footage/cockatoo.mp4"

echo "== keychroma info $clip"
"$tool" info "$clip"
echo "== the paper's 256x256 raw video (centre crop of the 1280x720 clip)"
"$tool" convert "$clip" "$out/cockatoo_256.y4m" --size 256x256 --fit crop
echo "== keychroma paper: keyframes, train, send, receive, eval; the paper's recipe and keychroma's"
start=$(date +%s)
"$tool" paper "$out/cockatoo_256.y4m" --out "$out/paper"
echo
echo "finished in $(( $(date +%s) - start )) s"
echo "report:          $out/paper/report.md (and report.json): both recipes side by side"
echo "contact sheet:   $out/paper/sheet.png (rows: truth / gray / paper / standard)"
echo "per recipe:      $out/paper/{paper,standard}/ (clusters.svg, colorized.y4m, package/)"
