#!/usr/bin/python3
"""Tables and SVG plot of benchmarks/run_quality.sh (docs/quality.md).

  /usr/bin/python3 benchmarks/peers/quality_summary.py OUT-DIR PLOT.svg

Reads OUT-DIR/both-CLIP-sSEED.json (both recipes side by side, one run per seed) and
OUT-DIR/paper-CLIP-eEPOCHS.json, OUT-DIR/standard-CLIP-nSTEPS.json (one recipe, one length) as
written by `keychroma paper --json`. Plain SVG written by hand: matplotlib is not among
keychroma's dependencies.
"""
import glob
import json
import os
import re
import statistics
import sys


def measures(run):
    """The numbers a row shows, from one recipe's part of a `keychroma paper --json` report."""
    ev = run["table2"]["evaluation"]["non_keyframes"]
    return dict(psnr=ev["psnr"], pooled=ev["psnr_pooled"], gray=ev["gray"]["psnr"],
                gray_pooled=ev["gray"]["psnr_pooled"], ssim=ev["ssim"],
                colour=ev["colorfulness_result"] / ev["colorfulness_truth"],
                flicker=ev["flicker_result"] / ev["flicker_truth"],
                total=run["times_s"]["end_to_end"], train=run["times_s"]["train"],
                keys=len(run["table2"]["keyframes"]), updates=run["table2"]["updates"])


def headline(out):
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, "both-*-s*.json"))):
        m = re.match(r"both-(.+)-s(\d+)\.json", os.path.basename(path))
        with open(path) as f:
            j = json.load(f)
        for recipe, run in j["recipes"].items():
            runs.setdefault((m.group(1), recipe), []).append((int(m.group(2)), measures(run)))
    if not runs:
        return
    print("| clip | recipe | seeds | non-key PSNR, mean (per seed) | pooled (gray) | gain over gray, "
          "pooled | colourfulness / truth | flicker / truth | end to end, median |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (clip, recipe), rs in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1] != "paper")):
        rs.sort()
        ms = [m for _, m in rs]
        per_seed = " / ".join(f"{m['psnr']:.2f}" for m in ms)
        pooled = statistics.mean(m["pooled"] for m in ms)
        gray = ms[0]["gray_pooled"]
        print(f"| {clip} | {recipe} | {' '.join(str(s) for s, _ in rs)} "
              f"| {statistics.mean(m['psnr'] for m in ms):.2f} ({per_seed}) "
              f"| {pooled:.2f} ({gray:.2f}) | {pooled - gray:+.2f} dB "
              f"| {statistics.mean(m['colour'] for m in ms):.2f} "
              f"| {statistics.mean(m['flicker'] for m in ms):.2f} "
              f"| {statistics.median(m['total'] for m in ms):.1f} s |")
    print()


def tradeoff(out, svg_path):
    rows = []
    for path in glob.glob(os.path.join(out, "*-*-[en]*.json")):
        m = re.match(r"(paper|standard)-(.+)-([en])(\d+)\.json", os.path.basename(path))
        if not m:
            continue
        with open(path) as f:
            j = json.load(f)
        r = measures(j["recipes"][m.group(1)])
        r.update(recipe=m.group(1), clip=m.group(2), length=int(m.group(4)),
                 unit="epochs" if m.group(3) == "e" else "steps")
        rows.append(r)
    # the side-by-side runs of the first seed are the recipes' default lengths
    for path in glob.glob(os.path.join(out, "both-*-s1.json")):
        clip = re.match(r"both-(.+)-s1\.json", os.path.basename(path)).group(1)
        with open(path) as f:
            j = json.load(f)
        for recipe, run in j["recipes"].items():
            r = measures(run)
            r.update(recipe=recipe, clip=clip, length=r["updates"],
                     unit="epochs" if recipe == "paper" else "steps")
            rows.append(r)
    if not rows:
        return
    rows.sort(key=lambda r: (r["clip"], r["recipe"], r["length"]))
    print("| clip | recipe | length | non-key PSNR | pooled (gray) | colourfulness / truth | "
          "flicker / truth | training (s) | end to end (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['clip']} | {r['recipe']} | {r['length']} {r['unit']} | {r['psnr']:.2f} "
              f"| {r['pooled']:.2f} ({r['gray_pooled']:.2f}) | {r['colour']:.2f} "
              f"| {r['flicker']:.2f} | {r['train']:.1f} | {r['total']:.1f} |")

    # One panel per clip: x = end-to-end seconds, y = pooled non-keyframe PSNR.
    clips = sorted({r["clip"] for r in rows})
    PW, H, L, R, T, B = 460, 380, 60, 20, 50, 55
    W = PW * len(clips)
    colours = {"paper": "#1f77b4", "standard": "#d62728"}
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'font-family="sans-serif" font-size="12">', f'<rect width="{W}" height="{H}" fill="white"/>']
    for k, clip in enumerate(clips):
        ox = k * PW
        pts = [r for r in rows if r["clip"] == clip]
        xs = [r["total"] for r in pts]
        ys = [r["pooled"] for r in pts] + [pts[0]["gray_pooled"]]
        x0, x1 = 0.0, max(xs) * 1.08
        y0, y1 = min(ys) - 0.3, max(ys) + 0.3
        px = lambda v: ox + L + (v - x0) / (x1 - x0) * (PW - L - R)
        py = lambda v: H - B - (v - y0) / (y1 - y0) * (H - T - B)
        s.append(f'<text x="{ox + PW / 2}" y="20" text-anchor="middle" font-size="14">{clip}: '
                 f'pooled non-keyframe PSNR against time</text>')
        s.append(f'<line x1="{ox + L}" y1="{H - B}" x2="{ox + PW - R}" y2="{H - B}" stroke="black"/>')
        s.append(f'<line x1="{ox + L}" y1="{T}" x2="{ox + L}" y2="{H - B}" stroke="black"/>')
        step = next(v for v in (10, 25, 50, 100, 200, 500) if x1 / v <= 8)
        for v in range(0, int(x1) + 1, step):
            s.append(f'<line x1="{px(v):.1f}" y1="{H - B}" x2="{px(v):.1f}" y2="{H - B + 5}" '
                     f'stroke="black"/><text x="{px(v):.1f}" y="{H - B + 18}" '
                     f'text-anchor="middle">{v}</text>')
        ystep = 0.5 if y1 - y0 < 6 else 1.0
        v = round(y0 / ystep) * ystep
        while v <= y1:
            if v >= y0:
                s.append(f'<line x1="{ox + L - 5}" y1="{py(v):.1f}" x2="{ox + L}" y2="{py(v):.1f}" '
                         f'stroke="black"/><text x="{ox + L - 8}" y="{py(v) + 4:.1f}" '
                         f'text-anchor="end">{v:.1f}</text>')
            v += ystep
        s.append(f'<text x="{ox + (L + PW - R) / 2}" y="{H - 14}" text-anchor="middle">'
                 f'end-to-end seconds, 2 threads</text>')
        g = py(pts[0]["gray_pooled"])
        s.append(f'<line x1="{ox + L}" y1="{g:.1f}" x2="{ox + PW - R}" y2="{g:.1f}" stroke="gray" '
                 f'stroke-dasharray="6,4"/><text x="{ox + PW - R - 4}" y="{g - 6:.1f}" '
                 f'text-anchor="end" fill="gray">gray</text>')
        for i, recipe in enumerate(("paper", "standard")):
            line = [r for r in pts if r["recipe"] == recipe]
            if not line:
                continue
            c = colours[recipe]
            s.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (
                c, " ".join(f"{px(r['total']):.1f},{py(r['pooled']):.1f}" for r in line)))
            for r in line:
                s.append(f'<circle cx="{px(r["total"]):.1f}" cy="{py(r["pooled"]):.1f}" r="4" '
                         f'fill="{c}"><title>{r["length"]} {r["unit"]}</title></circle>')
            s.append(f'<rect x="{ox + L + 12}" y="{T + 4 + 18 * i}" width="14" height="4" fill="{c}"/>'
                     f'<text x="{ox + L + 32}" y="{T + 10 + 18 * i}">{recipe} '
                     f'({", ".join(str(r["length"]) for r in line)} {line[0]["unit"]})</text>')
    s.append("</svg>")
    with open(svg_path, "w") as f:
        f.write("\n".join(s) + "\n")
    print(f"\nplot: {svg_path}")


def main():
    out, svg_path = sys.argv[1], sys.argv[2]
    headline(out)
    tradeoff(out, svg_path)


if __name__ == "__main__":
    main()
