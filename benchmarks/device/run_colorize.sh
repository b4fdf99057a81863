#!/usr/bin/env bash
# #14's 720p colorization where the cores are not the limit: the device machine (16 CPU cores
# and an H200, docs/thrust.md). Colorizes the 1280x720 cockatoo clip looped 5 times (1,400
# frames, 70 s, its sound kept) to H.264 mp4, with a standard-recipe model (network at 96x56,
# guided chroma) and a paper-recipe model (256x144, bilinear), on the GPU and on the CPU,
# against the network alone (`bench network`, same size, batch and backend) and decoding +
# encoding alone (`convert`), and once with x264's `--preset veryfast`. Every command's wall
# time and peak RSS go to times.txt.
#
#   benchmarks/device/run_colorize.sh prepare DIR   here: bundle.sh, the clip, the two models
#   benchmarks/device/run_colorize.sh run DIR       there, with DIR carried; logs in $OUT/logs
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mode=$1
dir="$(realpath -m "$2")"
if [[ "$mode" == prepare ]]; then
  tool="${KEYCHROMA:-$root/build/release/examples/keychroma}"
  clip="${KEYCHROMA_FOOTAGE_DIR:-$root/cache/footage}/cockatoo.mp4"
  mkdir -p "$dir"
  "$here/bundle.sh" "$dir/kc.tar.xz"
  cp "$clip" "$dir/cockatoo.mp4"
  ffmpeg -v error -y -stream_loop 4 -i "$clip" -c copy "$dir/long.mp4"
  # Speed does not depend on the weights: short trainings, stored as float16 to carry less.
  "$tool" train "$clip" -o "$dir/standard.kcm" --steps 25 --held-out 0 --half --quiet
  "$tool" train "$clip" -o "$dir/paper.kcm" --recipe paper --epochs 1 --half --quiet
  cp "$here/measure.py" "$here/run_colorize.sh" "$dir/"
  du -sh "$dir"
  exit 0
fi

logs="$OUT/logs"
mkdir -p "$logs"
cublas="$( (find / -xdev -name 'libcublas.so.13*' -not -path '/proc/*' 2>/dev/null || true) | head -1)"
cublas="$(dirname "${cublas:-/usr/local/cuda/lib64/none}")"
tar -C /tmp -xJf "$dir/kc.tar.xz"
kc=(env "LD_LIBRARY_PATH=/tmp/kc/lib:$cublas" /tmp/kc/bin/keychroma-cuda)
export OMP_WAIT_POLICY=PASSIVE
(nproc; lscpu; nvidia-smi; ldd --version | head -1) >"$logs/machine.txt" 2>&1 || true
m() { python3 "$dir/measure.py" "$logs/$1" "${@:2}" || true; tar -C "$OUT" -czf "$OUT/logs.tgz" logs; }
cd /tmp
m version "${kc[@]}" --version
m network-cuda-96x56 "${kc[@]}" bench network --size 96x56 --batch 8 --backend cuda --runs 21
m network-cuda-256x144 "${kc[@]}" bench network --size 256x144 --batch 8 --backend cuda --runs 21
for i in 1 2 3; do m colorize-standard-cuda-$i "${kc[@]}" colorize "$dir/long.mp4" "$dir/standard.kcm" -o s.mp4 --backend cuda --json -q; done
for i in 1 2 3; do m convert-$i "${kc[@]}" convert "$dir/long.mp4" c.mp4; done
for i in 1 2 3; do m colorize-paper-cuda-$i "${kc[@]}" colorize "$dir/long.mp4" "$dir/paper.kcm" -o p.mp4 --backend cuda --json -q; done
m colorize-paper-cuda-veryfast "${kc[@]}" colorize "$dir/long.mp4" "$dir/paper.kcm" -o p.mp4 --backend cuda --preset veryfast --json -q
m colorize-standard-cuda-batch32 "${kc[@]}" colorize "$dir/long.mp4" "$dir/standard.kcm" -o s.mp4 --backend cuda --batch 32 --json -q
m colorize-standard-cuda-ffv1 "${kc[@]}" colorize "$dir/long.mp4" "$dir/standard.kcm" -o s.mkv --backend cuda --json -q
m convert-ffv1 "${kc[@]}" convert "$dir/long.mp4" c.mkv
m network-cpu-256x144 "${kc[@]}" bench network --size 256x144 --batch 8 --backend cpu --threads 0 --runs 11
m network-cpu-256x144-t12 "${kc[@]}" bench network --size 256x144 --batch 8 --backend cpu --threads 12 --runs 11
for i in 1 2; do m colorize-paper-cpu-$i "${kc[@]}" colorize "$dir/long.mp4" "$dir/paper.kcm" -o p.mp4 --backend cpu --json -q; done
for i in 1 2; do m colorize-paper-cpu-t12-$i "${kc[@]}" colorize "$dir/long.mp4" "$dir/paper.kcm" -o p.mp4 --backend cpu --threads 12 --json -q; done
m network-cpu-96x56 "${kc[@]}" bench network --size 96x56 --batch 8 --backend cpu --threads 0 --runs 11
m colorize-standard-cpu "${kc[@]}" colorize "$dir/long.mp4" "$dir/standard.kcm" -o s.mp4 --backend cpu --json -q
# 280 frames back, to check the sound and the colours here (ffprobe, keychroma eval)
m colorize-280-cuda "${kc[@]}" colorize "$dir/cockatoo.mp4" "$dir/standard.kcm" -o "$OUT/standard-280-cuda.mp4" --backend cuda --json -q
ls -la /tmp/*.mp4 /tmp/*.mkv >"$logs/outputs.txt" 2>&1
tar -C "$OUT" -czf "$OUT/logs.tgz" logs
