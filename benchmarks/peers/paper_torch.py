#!/usr/bin/python3
"""Reference implementation of the paper's method with PyTorch + OpenCV + scikit-learn.

keychroma's end-to-end run is compared against this script (docs/paper-reproduction.md):
the same keyframes (or the ones this script extracts with OpenCV/scikit-learn), the same network,
loss, optimizer, epochs and batch size, at equal threads.

  /usr/bin/python3 benchmarks/peers/paper_torch.py CLIP.y4m --epochs 25 --threads 2 \
      [--keyframes 0,30,...] [--batch 16] [--seed 1] [--device cpu|cuda] [--json out.json]

Prints a JSON summary: keyframes (its own extraction's and those trained on), times (decode,
keyframes, training, colorization, end to end), frames/s, and the mean per-frame PSNR of the
colorized frames (all and non-keyframes) and of the gray baseline (a = b = 0).
"""
import argparse
import json
import math
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
from sklearn.cluster import MeanShift, estimate_bandwidth


def read_frames(path):
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    if not frames:
        sys.exit(f"{path}: no frames")
    return frames


def extract_keyframes(frames, every=30):
    black = np.zeros_like(frames[0])
    ref = cv2.calcHist([black], [0, 1, 2], None, [8, 8, 8], [0, 256, 0, 256, 0, 256])
    d = np.array([[cv2.compareHist(ref, cv2.calcHist([f], [0, 1, 2], None, [8, 8, 8],
                                                      [0, 256, 0, 256, 0, 256]),
                                   cv2.HISTCMP_HELLINGER) * 10000.0] for f in frames])
    bw = estimate_bandwidth(d, quantile=0.3)
    labels = MeanShift(bandwidth=bw if bw > 0 else None).fit(d).labels_ if bw > 0 else np.zeros(len(d), int)
    keys = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        keys.extend(idx[::every].tolist())
    return sorted(keys), d.ravel(), labels


def transmitted_l(lab):
    """The L the receiver has: the 8-bit L* plane of the gray video (code = round(L * 255 / 100),
    keychroma's transmission format), back in L units. Training uses it too, like keychroma."""
    return np.round(lab[..., 0] * 2.55) / 2.55


def to_lab(rgb):
    lab = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    return transmitted_l(lab) / 50.0 - 1.0, lab[..., 1:] / 128.0


def conv(i, o, s=1):
    """A 3x3 convolution with Keras' "same" padding, as the paper's (Keras) network and
    keychroma have it: stride 1 pads one pixel on every side; stride 2 on an even size pads only
    the bottom and right (out = ceil(in / 2)), where PyTorch's padding=1 would pad the top and
    left too and shift every sample by one pixel."""
    if s == 1:
        return nn.Conv2d(i, o, 3, padding=1)
    return nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(i, o, 3, stride=s))


class KerasAdam(torch.optim.Optimizer):
    """Adam as Keras applies it (the paper's model, and keychroma's nn::adam): the bias
    correction folded into the step size and epsilon added to the uncorrected sqrt(v):
        lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t),  w -= lr_t * m / (sqrt(v) + eps).
    torch.optim.Adam adds eps to sqrt(v / (1 - beta2^t)) instead, i.e. an epsilon up to
    1 / sqrt(1 - beta2) = 32x smaller in the first steps, which is most of a 25-epoch run here."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-7):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["t"], st["m"], st["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                st["t"] += 1
                t = st["t"]
                st["m"].mul_(b1).add_(p.grad, alpha=1 - b1)
                st["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                lr_t = group["lr"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                p.addcdiv_(st["m"], st["v"].sqrt().add_(group["eps"]), value=-lr_t)


def paper_net():
    return nn.Sequential(
        conv(1, 64), nn.ReLU(), conv(64, 64, 2), nn.ReLU(),
        conv(64, 128), nn.ReLU(), conv(128, 128, 2), nn.ReLU(),
        conv(128, 256), nn.ReLU(), conv(256, 256, 2), nn.ReLU(),
        conv(256, 512), nn.ReLU(), conv(512, 256), nn.ReLU(), conv(256, 128), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="nearest"), conv(128, 64), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="nearest"), conv(64, 32), nn.ReLU(),
        conv(32, 2), nn.Tanh(), nn.Upsample(scale_factor=2, mode="nearest"))


def glorot_(net, seed):
    """Keras' default init (Glorot-uniform weights, zero biases), as keychroma uses."""
    torch.manual_seed(seed)
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def colorize(net, frames, device, batch=8):
    """The receiver: L of each frame -> network -> a,b merged with L -> 8-bit sRGB."""
    out = []
    with torch.no_grad():
        for i in range(0, len(frames), batch):
            labs = [cv2.cvtColor(f.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
                    for f in frames[i:i + batch]]
            inp = torch.from_numpy(np.stack([transmitted_l(l) / 50.0 - 1.0 for l in labs])[:, None]
                                   .astype(np.float32)).to(device)
            ab = net(inp).cpu().numpy().transpose(0, 2, 3, 1) * 128.0
            for lab, pred in zip(labs, ab):
                lab[..., 0] = transmitted_l(lab)
                lab[..., 1:] = pred
                out.append(np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * 255.0 + 0.5, 0, 255)
                           .astype(np.uint8))
    return out


def gray_baseline(frame):
    lab = cv2.cvtColor(frame.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    lab[..., 1:] = 0
    return np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("clip")
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keyframes", default="",
                    help="comma-separated indices to train on (else its own extraction's)")
    ap.add_argument("--adam", choices=["keras", "torch"], default="keras",
                    help="Adam's epsilon as Keras (the paper, keychroma) or torch.optim.Adam puts it")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                    help="where the network runs (cuda: FP32, no TF32, like keychroma's default)")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    torch.manual_seed(args.seed)

    # Timed like keychroma's end to end: decode, keyframes, training, colorization. The
    # keyframes are always extracted (the method's cost); --keyframes only replaces the list
    # trained on, so both implementations learn from the same frames.
    t0 = time.perf_counter()
    frames = read_frames(args.clip)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    own_keys, _, _ = extract_keyframes(frames)
    t_keys = time.perf_counter() - t0
    keys = [int(k) for k in args.keyframes.split(",")] if args.keyframes else own_keys

    t0 = time.perf_counter()
    xs, ys = zip(*(to_lab(frames[k]) for k in keys))
    x = torch.from_numpy(np.stack(xs)[:, None]).contiguous().to(args.device)
    y = torch.from_numpy(np.stack(ys).transpose(0, 3, 1, 2)).contiguous().to(args.device)
    net = paper_net()
    glorot_(net, args.seed)
    net.to(args.device)
    opt = (KerasAdam(net.parameters(), lr=1e-3, eps=1e-7) if args.adam == "keras"
           else torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7))
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(args.epochs):
        perm = torch.randperm(len(keys))
        total = 0.0
        for i in range(0, len(keys), args.batch):
            idx = perm[i:i + args.batch].to(args.device)
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(keys))
    t_train = time.perf_counter() - t0

    net.eval()
    t0 = time.perf_counter()
    result = colorize(net, frames, args.device)
    t_color = time.perf_counter() - t0

    keyset = set(keys)
    mse = [float(np.mean((f.astype(np.float64) - r) ** 2)) for f, r in zip(frames, result)]
    gmse = [float(np.mean((f.astype(np.float64) - gray_baseline(f)) ** 2)) for f in frames]
    to_db = lambda m: float("inf") if m == 0 else 10 * np.log10(255.0 ** 2 / m)
    p, g = [to_db(m) for m in mse], [to_db(m) for m in gmse]
    non = [i for i in range(len(frames)) if i not in keyset]
    pooled = lambda ms: to_db(float(np.mean([ms[i] for i in non]))) if non else None
    res = {
        "clip": args.clip, "frames": len(frames), "size": [frames[0].shape[1], frames[0].shape[0]],
        "keyframes": keys, "own_keyframes": own_keys,
        "epochs": args.epochs, "batch": args.batch, "adam": args.adam, "threads": args.threads, "seed": args.seed,
        "device": args.device,
        "time_read_s": t_read, "time_keyframes_s": t_keys, "time_train_s": t_train,
        "time_colorize_s": t_color, "colorize_fps": len(frames) / t_color,
        "time_end_to_end_s": t_read + t_keys + t_train + t_color,
        "loss_curve": losses,
        "psnr_all": float(np.mean(p)),
        "psnr_nonkey": float(np.mean([p[i] for i in non])) if non else None,
        "psnr_gray_all": float(np.mean(g)),
        "psnr_gray_nonkey": float(np.mean([g[i] for i in non])) if non else None,
        "psnr_pooled_nonkey": pooled(mse), "psnr_gray_pooled_nonkey": pooled(gmse),
        "mse_per_frame": mse,
        "torch": torch.__version__,
    }
    text = json.dumps(res, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
