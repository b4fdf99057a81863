#!/usr/bin/env bash
# docs/paper-reproduction.md#against-a-video-codec: what the paper's bandwidth comparison leaves
# out. The colour clip itself sent raw (4:4:4 and 4:2:0), lossless (FFV1) and through H.264 at a
# few CRFs (libx264, yuv420p), each file's bytes against the PSNR of what it delivers
# (`keychroma eval` against the 4:4:4 truth, all frames) -- next to a keychroma package's bytes
# and delivered PSNR, read from a `keychroma paper` run, and the same package with its gray video
# compressed losslessly by FFV1 (same delivered picture, measured size).
#
#   benchmarks/run_bandwidth.sh PAPER_RUN_JSON CLIP.y4m [OUT]
#   CRFS="18 23 28 35"
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run_json=$1
clip=$2
out="${3:-$root/cache/bandwidth-runs}/$(basename "$clip" .y4m)"
crfs="${CRFS:-18 23 28 35}"
tool="${KEYCHROMA:-$root/build/release/examples/keychroma}"
mkdir -p "$out"
psnr() { "$tool" eval "$clip" "$1" --quiet --json |
  /usr/bin/python3 -c 'import json,sys; a=json.load(sys.stdin)["all"]; print(a["psnr"], a["psnr_pooled"])'; }
row() { printf '| %s | %s | %s |\n' "$1" "$(stat -c %s "$2")" "$(psnr "$3")"; }
{
  echo "| delivery | bytes | PSNR (mean, pooled) |"
  echo "|---|---|---|"
  row "raw 4:4:4 (Y4M)" "$clip" "$clip"
  ffmpeg -v error -y -i "$clip" -pix_fmt yuv420p -f yuv4mpegpipe "$out/c420.y4m"
  row "raw 4:2:0 (Y4M)" "$out/c420.y4m" "$out/c420.y4m"
  ffmpeg -v error -y -i "$clip" -c:v ffv1 "$out/ffv1.mkv"
  row "FFV1 4:4:4" "$out/ffv1.mkv" "$out/ffv1.mkv"
  for crf in $crfs; do
    ffmpeg -v error -y -i "$clip" -c:v libx264 -crf "$crf" -pix_fmt yuv420p "$out/h264_$crf.mp4"
    row "H.264 CRF $crf" "$out/h264_$crf.mp4" "$out/h264_$crf.mp4"
  done
  rm -f "$out/c420.y4m"
} | tee "$out/table.md"
# The package of the paper run (gray Y4M + float32 model), and the same with its gray video as
# FFV1 (lossless: the same L* codes, so the same delivered picture).
"$tool" convert --gray "$clip" "$out/gray.y4m" >/dev/null
ffmpeg -v error -y -i "$out/gray.y4m" -c:v ffv1 "$out/gray.mkv"
/usr/bin/python3 - "$run_json" "$(stat -c %s "$out/gray.y4m")" "$(stat -c %s "$out/gray.mkv")" <<'PY' | tee -a "$out/table.md"
import json, sys
run, gray_y4m, gray_ffv1 = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
for name, r in run["recipes"].items():
    b, e = r["table3"], r["table2"]["evaluation"]["all"]
    assert b["gray_bytes"] == gray_y4m, "the run's gray video is not this clip's"
    quality = f"{e['psnr']} {e['psnr_pooled']}"
    print(f"| package ({name} recipe): gray Y4M + float32 model | {b['sent_bytes']} | {quality} |")
    print(f"| package ({name} recipe): gray FFV1 + float32 model | "
          f"{gray_ffv1 + b['model_bytes']} | {quality} |")
PY
rm -f "$out/gray.y4m"
