#!/usr/bin/env bash
# Peak memory of the keychroma tool on hostile inputs (docs/reliability.md): each file is made
# here, run through the subcommand a user would give it, and reported with its exit code, its
# one stderr line and the peak RSS (GNU time's %M). The goal is under 100 MB for each.
#   benchmarks/run_hostile.sh [keychroma binary, default build/release/examples/keychroma]
set -uo pipefail
tool="${1:-$(cd "$(dirname "$0")/.." && pwd)/build/release/examples/keychroma}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
# 1. a 42-byte Y4M whose header claims 16384x16384 4:4:4 frames (768 MiB each)
printf 'YUV4MPEG2 W16384 H16384 F30:1 C444\nFRAME\n' >huge_header.y4m
# 2. a sparse 4 GiB file given as a model
truncate -s 4G sparse.kcm
printf 'YUV4MPEG2 W8 H8 F25:1 Cmono XKEYCHROMA=LSTAR\nFRAME\n' >gray.y4m
head -c 64 /dev/zero >>gray.y4m
# 3. an 18 MB Y4M of two million 1x1 frames
/usr/bin/python3 -c "
import sys
sys.stdout.buffer.write(b'YUV4MPEG2 W1 H1 F30:1 C444\n' + b'FRAME\n\x80\x80\x80' * 2000000)" >tiny_frames.y4m
# 4. a keyframes list of a number out of range
echo '[1e20]' >keys.json
# 5. a gray video whose header claims 16384x16384 frames, for a real (tiny) model; the machine's
#    available memory is set to 4 GiB so that the case means the same on any machine
printf 'YUV4MPEG2 W16384 H16384 F25:1 Cmono XKEYCHROMA=LSTAR\nFRAME\n' >huge_gray.y4m
printf 'YUV4MPEG2 W16 H16 F25:1 C444\n' >colour.y4m
for i in 1 2 3 4; do printf 'FRAME\n'; head -c 768 /dev/urandom; done >>colour.y4m
"$tool" train colour.y4m -o tiny.kcm --steps 1 --quiet >/dev/null 2>&1
printf '%-44s %5s %9s  %s\n' case exit "peak MB" "stderr"
run() {
  local name=$1; shift
  /usr/bin/time -f '%M' -o rss.txt "$tool" "$@" >/dev/null 2>err.txt
  local code=$?
  printf '%-44s %5s %9s  %s\n' "$name" "$code" "$(tail -1 rss.txt | awk '{printf "%.1f", $1 / 1024}')" \
    "$(head -c 110 err.txt | head -1)"
}
run "info huge_header.y4m --count" info huge_header.y4m --count
run "convert huge_header.y4m out.y4m" convert huge_header.y4m out.y4m
run "keyframes huge_header.y4m" keyframes huge_header.y4m -o kf1 --quiet
run "colorize gray.y4m sparse.kcm (4 GiB model)" colorize gray.y4m sparse.kcm -o c.y4m --quiet
run "keyframes tiny_frames.y4m (2,000,000 frames)" keyframes tiny_frames.y4m -o kf2 --quiet --no-images
run "the same, writing its 66,667 keyframe PNGs" keyframes tiny_frames.y4m -o kf3 --quiet
run "train --keyframes-from [1e20]" train gray.y4m -o m.kcm --keyframes-from keys.json --quiet
export KEYCHROMA_MEMORY_LIMIT=4G
run "colorize huge_gray.y4m (16384x16384, 4 GiB)" colorize huge_gray.y4m tiny.kcm -o h.y4m --quiet
# the standard recipe's reference (none) keeps every frame's histogram and point (6 KiB a frame)
export KEYCHROMA_MEMORY_LIMIT=2G
run "keyframes tiny_frames.y4m --reference none (2 GiB)" keyframes tiny_frames.y4m -o kf4 --reference none --clustering shots --quiet --no-images
run "train tiny_frames.y4m (standard recipe, 2 GiB)" train tiny_frames.y4m -o t.kcm --quiet
unset KEYCHROMA_MEMORY_LIMIT
