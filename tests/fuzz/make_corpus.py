#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/): small valid
inputs of every kind each parser accepts, and a few near misses. The model seeds are written by
make_model_seeds.cpp (they need the library's own writer). Run from anywhere; overwrites."""
import hashlib
import io
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- Y4M: each chroma layout, ranges, frame parameters, a truncation, a hostile size -------------
def y4m(header, frame_bytes, frames, frame_marker=b"FRAME\n"):
    body = b"".join(frame_marker + bytes((i * 37 + k) % 256 for k in range(frame_bytes))
                    for i in range(frames))
    return header.encode() + b"\n" + body


put("y4m", "c444", y4m("YUV4MPEG2 W4 H2 F25:1 Ip A1:1 C444", 24, 2))
put("y4m", "c422", y4m("YUV4MPEG2 W4 H2 F30000:1001 Ip C422", 16, 2))
put("y4m", "c420jpeg", y4m("YUV4MPEG2 W4 H4 F25:1 C420jpeg", 24, 2))
put("y4m", "c420mpeg2", y4m("YUV4MPEG2 W4 H4 F25:1 C420mpeg2 XYSCSS=420MPEG2", 24, 1))
put("y4m", "c420paldv", y4m("YUV4MPEG2 W2 H2 F25:1 C420paldv", 6, 1))
put("y4m", "mono_lstar", y4m("YUV4MPEG2 W4 H2 F25:1 Cmono XKEYCHROMA=LSTAR", 8, 3))
put("y4m", "full_range", y4m("YUV4MPEG2 W2 H2 F24:1 C444 XCOLORRANGE=FULL", 12, 1))
put("y4m", "frame_params", y4m("YUV4MPEG2 W2 H2 F25:1 C444", 12, 2, b"FRAME Ip XA=1\n"))
put("y4m", "default_chroma", y4m("YUV4MPEG2 W2 H2 F25:1", 6, 1))
put("y4m", "truncated", y4m("YUV4MPEG2 W4 H2 F25:1 C444", 24, 2)[:-5])
put("y4m", "claims_16384", b"YUV4MPEG2 W16384 H16384 F30:1 C444\nFRAME\n")
put("y4m", "interlaced", y4m("YUV4MPEG2 W2 H2 F25:1 It C444", 12, 1))

# --- Package: SHA256SUMS, a 0 byte, manifest.json (fuzz_package.cpp writes the two files it
# lists with this content) -------------------------------------------------------------------
gray = b"YUV4MPEG2 W2 H2 F25:1 Cmono XKEYCHROMA=LSTAR\nFRAME\nabcd"
model = b"model"
manifest = json.dumps({
    "format": "keychroma-package", "format_version": 1, "tool": "keychroma 0.1.0",
    "video": {"width": 2, "height": 2, "frames": 1, "fps": [25, 1], "duration_s": 0.04},
    "model": {"architecture": "x", "weights": "float32", "working_size": [8, 8], "fit": "scale"},
    "keyframes": {"method": "given", "count": 1, "frames": [0]},
}, indent=2).encode()
sha = lambda b: hashlib.sha256(b).hexdigest()
sums = (f"{sha(gray)}  gray.y4m\n{sha(model)}  model.kcm\n{sha(manifest)}  manifest.json\n").encode()
put("package", "valid", sums + b"\0" + manifest)
put("package", "binary_mode", sums.replace(b"  ", b" *") + b"\0" + manifest)
put("package", "altered", sums.replace(b"gray.y4m", b"model.kcm", 1) + b"\0" + manifest)
put("package", "traversal", f"{sha(gray)}  ../gray.y4m\n".encode() + b"\0" + manifest)
put("package", "bad_working_size", sums + b"\0" + manifest.replace(b"[\n      8,\n      8\n    ]", b"[0, 99999999]"))

# --- keyframes.json ------------------------------------------------------------------------------
put("keyframes_json", "object", json.dumps({"method": "x", "keyframes": [0, 30, 60], "frames": 90}))
put("keyframes_json", "array", "[5, 1, 3]")
put("keyframes_json", "huge", "[1e20]")
put("keyframes_json", "fraction", "[2.5]")
put("keyframes_json", "negative", "[-1]")
put("keyframes_json", "nested", '{"keyframes": {"a": 1}}')
put("keyframes_json", "max", "[18446744073709551615, 18446744073709551616]")

# --- images: the first byte picks the file extension (fuzz_image.cpp) -----------------------------
try:
    from PIL import Image
    img = Image.new("RGB", (3, 2))
    img.putdata([(255, 0, 0), (0, 255, 0), (0, 0, 255), (9, 9, 9), (200, 100, 50), (0, 0, 0)])
    for k, (fmt, ext) in enumerate([("PNG", "png"), ("JPEG", "jpg"), ("BMP", "bmp"), ("TGA", "tga")]):
        buf = io.BytesIO()
        img.save(buf, fmt)
        put("image", ext, bytes([k]) + buf.getvalue())
    buf = io.BytesIO()
    img.convert("LA").save(buf, "PNG")
    put("image", "gray_alpha_png", bytes([0]) + buf.getvalue())
    buf = io.BytesIO()
    img.save(buf, "JPEG", progressive=True)
    put("image", "progressive_jpg", bytes([1]) + buf.getvalue())
    # a PNG header claiming 65535x65535
    png = bytearray(open(os.path.join(HERE, "corpus", "image", "png"), "rb").read()[1:])
    png[16:24] = struct.pack(">II", 65535, 65535)
    put("image", "png_claims_65535", bytes([0]) + bytes(png))
except ImportError:
    print("make_corpus.py: PIL missing, image seeds not written")
