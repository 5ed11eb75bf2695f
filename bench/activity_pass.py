"""awd's activity pass of a large network against PyTorch's forward of the same network.

    /usr/bin/python3 bench/activity_pass.py BUILD_DIR [samples] [batch] [threads] [repeats]

Builds torchvision's ResNet-18 (10 classes, 32 x 32 inputs, seeded), exports it
for `awd analyze --model ... --layer fc` (awd.export), and times the float32
forwards up to the layer over `samples` random images in batches of `batch`:
PyTorch's eager model (NCHW and channels-last, oneDNN on) and the exported
TorchScript method from Python, against awd's activity pass of the same file
(build/bench/bench_activity_pass: NCHW, channels-last inputs, oneDNN off).
Medians of `repeats`, variants interleaved; same thread count everywhere.
Python runs with glibc's allocator as the user's would; GLIBC_TUNABLES=
glibc.malloc.mmap_threshold=2147483648:glibc.malloc.trim_threshold=2147483648
gives it what awd sets at start-up (util::tune_allocator)."""
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from awd.export import export  # noqa: E402


def main():
    build = sys.argv[1]
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count()
    repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10).eval()
    x = torch.randn(samples, 3, 32, 32)
    features = torch.nn.Sequential(*list(model.children())[:-1], torch.nn.Flatten())
    features_cl = copy.deepcopy(features)  # converted to channels-last below, features stays NCHW
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "resnet18.pt")
        scripted = export(model, "fc", x[:16], path)

        def batched(f, u):
            with torch.no_grad():
                return torch.cat([f(u[i:i + batch]) for i in range(0, samples, batch)])

        x_cl = x.contiguous(memory_format=torch.channels_last)
        features_cl.to(memory_format=torch.channels_last)
        variants = {
            "pytorch_eager_nchw": lambda: batched(features, x),
            "pytorch_eager_channels_last": lambda: batched(features_cl, x_cl),
            "pytorch_torchscript_nchw": lambda: batched(scripted.awd_features, x),
        }
        seconds = {k: [] for k in variants}
        for _ in range(repeats):  # one round of every variant, awd's included, at a time
            for name, f in variants.items():
                t0 = time.perf_counter()
                f()
                seconds[name].append(time.perf_counter() - t0)
            out = subprocess.run([os.path.join(build, "bench", "bench_activity_pass"), path, "fc", str(samples),
                                  str(batch), str(threads), "1"], check=True, capture_output=True, text=True)
            for line in out.stdout.split("\n"):
                if line.strip():
                    name, s = line.split()
                    seconds.setdefault(name, []).append(float(s))
    medians = {k: statistics.median(v) for k, v in seconds.items()}
    base = medians["pytorch_eager_nchw"]
    print(f"ResNet-18 (torchvision, 10 classes) up to fc, {samples} images 3x32x32, batch {batch}, "
          f"{threads} threads, medians of {repeats}; load {os.getloadavg()[0]:.1f}")
    for name, s in medians.items():
        print(f"  {name:30s} {s:8.3f} s   {s / base:5.2f}x PyTorch eager NCHW")


if __name__ == "__main__":
    main()
