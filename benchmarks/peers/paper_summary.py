#!/usr/bin/python3
"""Table of benchmarks/run_paper.sh: keychroma against the PyTorch reference, per clip.

  /usr/bin/python3 benchmarks/peers/paper_summary.py OUT-DIR

Reads OUT-DIR/kc-CLIP-eE-tT-sS.json (`keychroma paper --json`) and torch-*.json (paper_torch.py)
and prints, per clip and setting, the mean non-keyframe PSNR of each (and per seed), the pooled
PSNR (from the mean MSE) of each and of the gray baseline, and the median times with the median of the per-seed time ratios (runs of one seed
were made back to back, so each ratio compares runs under the same machine load).
"""
import glob
import json
import os
import re
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    out = sys.argv[1]
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, "kc-*.json"))):
        m = re.match(r"kc-(.+)-e(\d+)-t(\d+)-s(\d+)\.json", os.path.basename(path))
        torch_path = os.path.join(out, os.path.basename(path).replace("kc-", "torch-", 1))
        if not m or not os.path.exists(torch_path):
            continue
        clip, epochs, threads, seed = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        runs.setdefault((clip, epochs, threads), []).append((seed, load(path), load(torch_path)))

    print("| clip | frames | keyframes | epochs | threads | seeds | non-key PSNR keychroma | "
          "PyTorch | difference | pooled PSNR (kc / torch / gray) | keychroma end to end | "
          "PyTorch | ratio | training (kc / torch) | colorizing, frames/s (kc / torch) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (clip, epochs, threads), rs in sorted(runs.items()):
        rs.sort()
        kc_p = [k["table2"]["evaluation"]["non_keyframes"]["psnr"] for _, k, _ in rs]
        th_p = [t["psnr_nonkey"] for _, _, t in rs]
        # Pooled PSNR (from the mean MSE) stays finite where a frame is reproduced exactly (the
        # gray baseline of a black frame), which makes the mean of per-frame PSNR infinite.
        nk = [k["table2"]["evaluation"]["non_keyframes"] for _, k, _ in rs]
        kc_pool = statistics.mean(e["psnr_pooled"] for e in nk)
        th_pool = [t["psnr_pooled_nonkey"] for _, _, t in rs if "psnr_pooled_nonkey" in t]
        th_pool = f"{statistics.mean(th_pool):.2f}" if th_pool else "-"
        gray = nk[0]["gray"]["psnr_pooled"]
        kc_t = [k["times_s"]["end_to_end"] for _, k, _ in rs]
        th_t = [t["time_end_to_end_s"] for _, _, t in rs]
        ratio = statistics.median(a / b for a, b in zip(kc_t, th_t))
        kc_train = statistics.median(k["times_s"]["train"] for _, k, _ in rs)
        th_train = statistics.median(t["time_train_s"] for _, _, t in rs)
        kc_fps = statistics.median(k["times_s"]["colorize_fps"] for _, k, _ in rs)
        th_fps = statistics.median(t["colorize_fps"] for _, _, t in rs)
        per_seed = lambda v: " / ".join(f"{x:.2f}" for x in v)
        kc_mean, th_mean = statistics.mean(kc_p), statistics.mean(th_p)
        print(f"| {clip} | {rs[0][1]['table2']['frames']} | {len(rs[0][1]['table2']['keyframes'])} "
              f"| {epochs} | {threads} | {' '.join(str(s) for s, _, _ in rs)} "
              f"| {kc_mean:.2f} ({per_seed(kc_p)}) | {th_mean:.2f} ({per_seed(th_p)}) "
              f"| {kc_mean - th_mean:+.2f} dB | {kc_pool:.2f} / {th_pool} / {gray:.2f} "
              f"| {statistics.median(kc_t):.1f} s | {statistics.median(th_t):.1f} s | {ratio:.2f} "
              f"| {kc_train:.1f} / {th_train:.1f} s | {kc_fps:.2f} / {th_fps:.2f} |")
    for name in ("load-before.txt", "load-after.txt"):
        p = os.path.join(out, name)
        if os.path.exists(p):
            print(f"\n{name[:-4]}: {open(p).read().strip()}")


if __name__ == "__main__":
    main()
