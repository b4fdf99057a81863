#!/usr/bin/python3
"""PyTorch peer of benchmarks/bench_nn.cpp (CPU) and bench_thrust.cu (--device cuda): the paper's
network (design.md §1) at S x S,
inference per frame (batch 1 and 8) and one training step per frame (forward + backward + Adam,
batch 16), best of the default and channels_last memory formats (and, for inference, of the
channels_last network traced and frozen by torch.jit.optimize_for_inference, which fuses
convolution + ReLU and keeps oneDNN's packed weights), median of several runs. On a GPU each timed
run ends with torch.cuda.synchronize(), so it counts the kernels, not their launches; --tf32 lets
cuDNN and cuBLAS use TF32 tensor cores (keychroma's thrust_options::gemm.allow_tf32).

Prints one JSON object per measurement on stdout:
  {"what": "infer"|"train", "threads": T, "batch": B, "size": S, "ms_per_frame": ..., "format": ...,
   "device": "cpu"|"cuda"}
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as tnn


def paper_network():
    def conv(cin, cout, stride):
        # "same" padding as Keras: stride 1 pads 1 all round; stride 2 on even sizes pads only
        # bottom/right, which PyTorch expresses with an explicit ZeroPad2d.
        if stride == 1:
            return [tnn.Conv2d(cin, cout, 3, 1, 1)]
        return [tnn.ZeroPad2d((0, 1, 0, 1)), tnn.Conv2d(cin, cout, 3, 2, 0)]

    layers = []
    spec = [(1, 64, 1), (64, 64, 2), (64, 128, 1), (128, 128, 2), (128, 256, 1), (256, 256, 2),
            (256, 512, 1), (512, 256, 1), (256, 128, 1)]
    for cin, cout, s in spec:
        layers += conv(cin, cout, s) + [tnn.ReLU()]
    layers += [tnn.Upsample(scale_factor=2, mode="nearest")] + conv(128, 64, 1) + [tnn.ReLU()]
    layers += [tnn.Upsample(scale_factor=2, mode="nearest")] + conv(64, 32, 1) + [tnn.ReLU()]
    layers += conv(32, 2, 1) + [tnn.Tanh(), tnn.Upsample(scale_factor=2, mode="nearest")]
    return tnn.Sequential(*layers)


def measure(fn, repeats, device):
    def timed():
        t0 = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    timed()  # warm-up (on a GPU also cuDNN's algorithm search)
    return statistics.median(timed() for _ in range(repeats))


def run(what, batch, size, threads, repeats, device):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    best = None
    # TorchScript's optimize_for_inference targets oneDNN: the CPU's third candidate only
    formats = ("default", "channels_last") + (("jit",) if what == "infer" and device == "cpu" else ())
    for fmt in formats:
        net = paper_network().to(device)
        x = torch.rand(batch, 1, size, size, device=device)
        t = torch.rand(batch, 2, size, size, device=device) * 2 - 1
        if fmt in ("channels_last", "jit"):
            net = net.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
            t = t.contiguous(memory_format=torch.channels_last)
        if what == "infer":
            net.eval()
            if fmt == "jit":
                with torch.no_grad():
                    net = torch.jit.optimize_for_inference(torch.jit.trace(net, x))

            def step():
                with torch.no_grad():
                    net(x)
        else:
            opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
            loss_fn = tnn.MSELoss()

            def step():
                opt.zero_grad(set_to_none=False)
                loss = loss_fn(net(x), t)
                loss.backward()
                opt.step()
        sec = measure(step, repeats, device)
        if best is None or sec < best[0]:
            best = (sec, fmt)
    return {"what": what, "threads": threads, "batch": batch, "size": size,
            "ms_per_frame": best[0] * 1000 / batch, "format": best[1], "device": device}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", choices=["infer", "train"], default=None)
    ap.add_argument("--batch", type=int, default=None, help="only the case with this batch size")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 tensor cores on a GPU")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cudnn.benchmark = True
    header = {"torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available()}
    if args.device == "cuda":
        header.update(gpu=torch.cuda.get_device_name(), tf32=args.tf32)
    print(json.dumps(header))
    for threads in args.threads:
        cases = [("infer", 1), ("infer", 8), ("train", 16)]
        for what, batch in cases:
            if args.only and what != args.only:
                continue
            if args.batch is not None and batch != args.batch:
                continue
            print(json.dumps(run(what, batch, args.size, threads, args.repeats, args.device)),
                  flush=True)


if __name__ == "__main__":
    main()
