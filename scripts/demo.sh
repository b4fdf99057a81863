#!/usr/bin/env bash
# The README's main command: installs dependencies, builds the release preset, fetches the real
# cockatoo clip through apt (into the ignored cache/), and runs keychroma on it.
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
echo "== the paper's working format: 256x256 Y4M (the clip is 1280x720)"
"$tool" convert "$clip" "$out/cockatoo_256.y4m" --size 256x256 --fit crop
"$tool" info "$out/cockatoo_256.y4m"
echo "== gray transmission format (Y4M Cmono, 8-bit L* plane)"
"$tool" convert "$out/cockatoo_256.y4m" "$out/cockatoo_256_gray.y4m" --gray
echo "== every 30th frame as PNG"
mkdir -p "$out/frames"
"$tool" convert "$out/cockatoo_256.y4m" "$out/frames/%04d.png" --frames 0:280:30
ls "$out/frames"
echo
echo "outputs in $out:"
ls -l "$out"
