#!/usr/bin/env bash
# Fetches the real footage of ../shared/footage.md through apt into cache/footage (ignored by
# git, never committed) and derives the small clips the tests use with the ffmpeg CLI.
#   scripts/fetch-footage.sh            cockatoo clip + photos (about 20 MB of .debs)
#   scripts/fetch-footage.sh --fillets  also the 70 MB fillets-ng-data intro (benchmarks, docs)
# Exits non-zero, with a message, when a download is impossible; tests then report the skip.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${KEYCHROMA_FOOTAGE_DIR:-$root/cache/footage}"
mkdir -p "$dest/debs"
cd "$dest"

want_fillets=0
[ "${1:-}" = "--fillets" ] && want_fillets=1

# fetch PKG PATH-INSIDE-PACKAGE OUTPUT-NAME
fetch() {
  local pkg=$1 inner=$2 out=$3
  [ -s "$out" ] && return 0
  if ! ls debs/"${pkg}"_*.deb >/dev/null 2>&1; then
    (cd debs && apt-get download "$pkg" >/dev/null 2>&1) || {
      echo "fetch-footage: cannot download $pkg with apt-get (run apt-get update first?)" >&2
      return 1
    }
  fi
  local tmp; tmp=$(mktemp -d)
  dpkg-deb --fsys-tarfile debs/"${pkg}"_*.deb | tar -x -C "$tmp" ".$inner"
  mv "$tmp$inner" "$out.part" && mv "$out.part" "$out"
  rm -rf "$tmp"
}

fetch python3-imageio /usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4 cockatoo.mp4
fetch python3-skimage /usr/lib/python3/dist-packages/skimage/data/astronaut.png astronaut.png
fetch python3-skimage /usr/lib/python3/dist-packages/skimage/data/coffee.png coffee.png
fetch python3-skimage /usr/lib/python3/dist-packages/skimage/data/chelsea.png chelsea.png
fetch python3-sklearn /usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg china.jpg
fetch python3-sklearn /usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg flower.jpg
if [ $want_fillets = 1 ]; then
  fetch fillets-ng-data /usr/share/games/fillets-ng/images/menu/intro.mpg fillets-intro.mpg
fi

# Derived clips (small, for the tests): the same 30 frames of cockatoo at 256x144 as ffmpeg
# writes them in each Y4M pixel format, and ffmpeg's own rgb24 decoding of each as reference.
if command -v ffmpeg >/dev/null 2>&1; then
  derive() { # derive OUT ARGS...: writes OUT atomically
    local out=$1; shift
    [ -s "$out" ] && return 0
    ffmpeg -nostdin -loglevel error -y "$@" "$out.part" && mv "$out.part" "$out"
  }
  for pf in yuv444p yuv422p yuv420p gray; do
    derive cockatoo_256x144_$pf.y4m -i cockatoo.mp4 -an -frames:v 30 -vf scale=256:144 \
      -pix_fmt $pf -f yuv4mpegpipe
    derive cockatoo_256x144_$pf.rgb -i cockatoo_256x144_$pf.y4m -pix_fmt rgb24 -f rawvideo
  done
  # Full range (XCOLORRANGE=FULL) 4:4:4.
  derive cockatoo_256x144_yuvj444p.y4m -i cockatoo.mp4 -an -frames:v 30 -vf scale=256:144 \
    -pix_fmt yuvj444p -strict -1 -f yuv4mpegpipe
  derive cockatoo_256x144_yuvj444p.rgb -i cockatoo_256x144_yuvj444p.y4m -pix_fmt rgb24 -f rawvideo
  # The paper's working format: 256x256 centre crop, 4:4:4 (the demo and end-to-end tests).
  derive cockatoo_256.y4m -i cockatoo.mp4 -an \
    -vf "scale=256:256:force_original_aspect_ratio=increase,crop=256:256,setsar=1,format=yuv444p" \
    -pix_fmt yuv444p -f yuv4mpegpipe
  # Small clip for end-to-end tests: 32 frames, 64x64.
  derive cockatoo_64x64_32f.y4m -i cockatoo.mp4 -an -frames:v 32 \
    -vf "scale=64:64:force_original_aspect_ratio=increase,crop=64:64,setsar=1,format=yuv444p" \
    -pix_fmt yuv444p -f yuv4mpegpipe
  # The multi-shot clip at the paper's size: every frame of the intro is doubled, so fps=15 keeps
  # each distinct frame once (1,099 frames; ../shared/footage.md).
  if [ $want_fillets = 1 ]; then
    derive fillets_256.y4m -i fillets-intro.mpg -an \
      -vf "fps=15,scale=256:256:force_original_aspect_ratio=increase,crop=256:256,setsar=1,format=yuv444p" \
      -pix_fmt yuv444p -f yuv4mpegpipe
  fi
else
  echo "fetch-footage: ffmpeg CLI not found: derived test clips not made" >&2
  exit 1
fi
# The stamp the footage tests look for (tests/support/footage.hpp): everything above was made.
touch footage.complete
echo "footage in $dest"
