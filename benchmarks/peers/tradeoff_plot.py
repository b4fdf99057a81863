#!/usr/bin/python3
"""Table and SVG plot of benchmarks/run_tradeoff.sh: non-keyframe PSNR and a,b error against
training time, one line per working size, one point per epoch count.

  /usr/bin/python3 benchmarks/peers/tradeoff_plot.py OUT-DIR PLOT.svg

Plain SVG written by hand: Debian's python3-matplotlib is not among keychroma's dependencies.
"""
import glob
import json
import os
import re
import sys


def main():
    out, svg_path = sys.argv[1], sys.argv[2]
    rows = []
    for path in glob.glob(os.path.join(out, "*-w*-e*-s*.json")):
        m = re.match(r"(.+)-w(\d+)-e(\d+)-s(\d+)\.json", os.path.basename(path))
        with open(path) as f:
            j = json.load(f)["recipes"]["paper"]
        ev = j["table2"]["evaluation"]["non_keyframes"]
        rows.append(dict(clip=m.group(1), size=int(m.group(2)), epochs=int(m.group(3)),
                         psnr=ev["psnr"], ab=ev["ab_error"], gray=ev["gray"]["psnr"],
                         gray_ab=ev["gray"]["ab_error"], ssim=ev["ssim"],
                         train=j["times_s"]["train"], fps=j["times_s"]["colorize_fps"],
                         total=j["times_s"]["end_to_end"], keys=len(j["table2"]["keyframes"])))
    if not rows:
        sys.exit(f"tradeoff_plot: no runs in {out}")
    rows.sort(key=lambda r: (-r["size"], r["epochs"]))
    print("| working size | epochs | non-key PSNR (dB) | a,b error | SSIM | training (s) | "
          "colorizing (frames/s) | end to end (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['size']}x{r['size']} | {r['epochs']} | {r['psnr']:.2f} | {r['ab']:.2f} "
              f"| {r['ssim']:.4f} | {r['train']:.1f} | {r['fps']:.2f} | {r['total']:.1f} |")
    print(f"| gray baseline | - | {rows[0]['gray']:.2f} | {rows[0]['gray_ab']:.2f} | | | | |")

    # The plot: x = end-to-end seconds, y = PSNR; dashed line = gray baseline.
    W, H, L, R, T, B = 640, 400, 70, 20, 40, 55
    xs = [r["total"] for r in rows]
    ys = [r["psnr"] for r in rows] + [rows[0]["gray"]]
    x0, x1 = 0.0, max(xs) * 1.08
    y0, y1 = min(ys) - 0.3, max(ys) + 0.3
    px = lambda v: L + (v - x0) / (x1 - x0) * (W - L - R)
    py = lambda v: H - B - (v - y0) / (y1 - y0) * (H - T - B)
    colours = {256: "#1f77b4", 128: "#d62728"}
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">{rows[0]["clip"]}: '
         f'non-keyframe PSNR against end-to-end time ({rows[0]["keys"]} keyframes)</text>',
         f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
         f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>']
    step = 50 if x1 > 300 else 25
    for v in range(0, int(x1) + 1, step):
        s.append(f'<line x1="{px(v):.1f}" y1="{H - B}" x2="{px(v):.1f}" y2="{H - B + 5}" stroke="black"/>'
                 f'<text x="{px(v):.1f}" y="{H - B + 18}" text-anchor="middle">{v}</text>')
    v = round(y0 * 2) / 2
    while v <= y1:
        if v >= y0:
            s.append(f'<line x1="{L - 5}" y1="{py(v):.1f}" x2="{L}" y2="{py(v):.1f}" stroke="black"/>'
                     f'<text x="{L - 8}" y="{py(v) + 4:.1f}" text-anchor="end">{v:.1f}</text>')
        v += 0.5
    s.append(f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">end-to-end seconds '
             f'(keyframes + training + colorizing), 2 threads</text>')
    s.append(f'<text transform="translate(18,{(T + H - B) / 2}) rotate(-90)" '
             f'text-anchor="middle">PSNR of non-keyframes (dB)</text>')
    g = py(rows[0]["gray"])
    s.append(f'<line x1="{L}" y1="{g:.1f}" x2="{W - R}" y2="{g:.1f}" stroke="gray" '
             f'stroke-dasharray="6,4"/><text x="{W - R - 4}" y="{g - 6:.1f}" text-anchor="end" '
             f'fill="gray">gray baseline (a = b = 0)</text>')
    for i, size in enumerate(sorted({r["size"] for r in rows}, reverse=True)):
        pts = [r for r in rows if r["size"] == size]
        c = colours.get(size, "black")
        s.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (
            c, " ".join(f"{px(r['total']):.1f},{py(r['psnr']):.1f}" for r in pts)))
        for r in pts:
            s.append(f'<circle cx="{px(r["total"]):.1f}" cy="{py(r["psnr"]):.1f}" r="4" fill="{c}"/>'
                     f'<text x="{px(r["total"]) + 6:.1f}" y="{py(r["psnr"]) - 6:.1f}" fill="{c}">'
                     f'{r["epochs"]} ep</text>')
        # legend bottom right, above the baseline label: the lines rise to the upper left
        lx, ly = W - R - 175, H - B - 75 + 18 * i
        s.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{c}"/>'
                 f'<text x="{lx + 17}" y="{ly + 10}">working size {size}x{size}</text>')
    s.append("</svg>")
    with open(svg_path, "w") as f:
        f.write("\n".join(s) + "\n")
    print(f"\nplot: {svg_path}")


if __name__ == "__main__":
    main()
