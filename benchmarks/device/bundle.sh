#!/usr/bin/env bash
# Packs a keychroma binary and the shared libraries it loads into one .tar.xz (kc/bin, kc/lib)
# for a machine that has a CUDA driver and cuBLAS but none of Debian's libraries: the device
# machine of docs/thrust.md, which has no FFmpeg. Debian's FFmpeg with every codec library it
# links is 204 MB (57 MB as xz), over the device's 64 MiB carry limit; the libraries that
# colorizing, converting and training never call (other codecs, network protocols, hardware
# acceleration, and MPI, which a plain run does not start: mpi/world.hpp) are packed as
# stand-ins without code (stub_library.py), which leaves 17 MB. Before packing, the bundle's
# `convert` of a real clip must decode to the same frames as the installed libraries' (ffmpeg
# -f framemd5), or nothing is written.
#
#   benchmarks/device/bundle.sh OUT.tar.xz [BINARY]    (default: build/release/examples/keychroma-cuda)
#   on the device: tar -xJf OUT.tar.xz; LD_LIBRARY_PATH=kc/lib:CUBLAS_DIR kc/bin/keychroma-cuda ...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$(realpath -m "$1")"
binary="${2:-$root/build/release/examples/keychroma-cuda}"
footage="${KEYCHROMA_FOOTAGE_DIR:-$root/cache/footage}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
lib="$work/kc/lib"
mkdir -p "$lib" "$work/kc/bin"

# Debian 12's FFmpeg 5.1 links these; keychroma decodes and encodes with FFmpeg's own H.264
# decoder, libx264, FFV1, MP3/AAC and raw video. libgme stays real: its probe runs on every open.
stand_ins=(libicudata.so.72 libcodec2.so.1.0 librsvg-2.so.2 libcairo.so.2 libcairo-gobject.so.2
  libSvtAv1Enc.so.1 libaom.so.3 libx265.so.199 libjxl.so.0.7 libjxl_threads.so.0.7 librav1e.so.0
  libvpx.so.7 libdav1d.so.6 libopenmpt.so.0 libzvbi.so.0 libgnutls.so.30 libssh-gcrypt.so.4
  libsrt-gnutls.so.1.5 libzmq.so.5 librabbitmq.so.4 libbluray.so.2 libchromaprint.so.1
  libOpenCL.so.1 libva.so.2 libva-drm.so.2 libva-x11.so.2 libvdpau.so.1 libmfx.so.1 libX11.so.6
  libwebp.so.7 libwebpmux.so.3 libopenjp2.so.7 librist.so.4 libtheoradec.so.1 libtheoraenc.so.1
  libxvidcore.so.4 libvorbis.so.0 libvorbisenc.so.2 libspeex.so.1 libgsm.so.1 libtwolame.so.0
  libshine.so.3 libsnappy.so.1 libsoxr.so.0 libmpi.so.40 libgdk_pixbuf-2.0.so.0
  libglib-2.0.so.0 libgobject-2.0.so.0 libxml2.so.2 libdrm.so.2)
loaded="$(ldd "$binary")"
for name in "${stand_ins[@]}"; do
  path="$(awk -v n="$name" '$1 == n {print $3}' <<<"$loaded")"
  [[ -n "$path" ]] && python3 "$here/stub_library.py" "$path" "$lib"
done
# Everything else it loads with the stand-ins in place, but the C library and cuBLAS (the
# device's own: the CUDA driver and cuBLAS must match each other there).
LD_LIBRARY_PATH="$lib" ldd "$binary" | awk '$3 ~ /^\// {print $1, $3}' |
  while read -r name path; do
    case "$path" in "$lib"/*) continue ;; esac
    case "$name" in libc.so.* | libm.so.* | ld-linux* | libpthread.so.* | libdl.so.* | librt.so.* | \
      libcublas.so.* | libcublasLt.so.*) continue ;; esac
    cp -L "$path" "$lib/$name"
  done
strip --strip-unneeded "$lib"/*
cp "$binary" "$work/kc/bin/" && strip "$work/kc/bin/"*

clip="$footage/cockatoo.mp4"
[[ -s "$clip" ]] || "$root/scripts/fetch-footage.sh" >&2
"$binary" convert "$clip" "$work/installed.mp4" >/dev/null
LD_LIBRARY_PATH="$lib" "$work/kc/bin/$(basename "$binary")" convert "$clip" "$work/bundled.mp4" >/dev/null
for v in installed bundled; do ffmpeg -v error -i "$work/$v.mp4" -f framemd5 - >"$work/$v.md5"; done
cmp -s "$work/installed.md5" "$work/bundled.md5" ||
  { echo "bundle.sh: the bundle's convert differs from the installed libraries'" >&2; exit 1; }
tar -C "$work" -cf - kc | xz -9 -T2 >"$out.partial"
mv "$out.partial" "$out"
echo "$out: $(du -h "$out" | cut -f1), $(ls "$lib" | wc -l) libraries"
