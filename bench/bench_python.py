"""The cost of `import awd` over the C++ core: awd.analyze against its own parts.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_python.py RUN_DIR [CIFAR_DIR] [REPEATS]

RUN_DIR is an awd run of the MNIST MLP (e.g. `awd run --data ../shared/data/mnist -o RUN_DIR`,
the paper's setting); its samples are read back from the data files config.json records.
For each case it times, median of REPEATS:
  forwards   the activities entering the layer alone (the cut's features, batches of 1024)
  core       the C++ analysis alone, given those activities (awd._core.analyze_layer)
  analyze    awd.analyze end to end
and prints overhead = (analyze - forwards) / core - 1: what the package adds beyond
the forward passes (converting, checking, the result object).
CIFAR_DIR (binary batches) adds torchvision's ResNet-18 (random weights) at fc on 2000
training and 1000 test images.
"""
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torchvision

import awd
from awd import _analysis, export


def idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    if raw[3] == 3:
        n, r, c = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
        return np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, r, c)
    return np.frombuffer(raw, np.uint8, offset=8).astype(np.int64)


def mlp_case(run):
    config = json.load(open(os.path.join(run, "config.json")))
    files = [f["path"] for f in config["data_files"]]
    images = idx(next(f for f in files if "images" in f))
    labels = idx(next(f for f in files if "labels" in f))
    s = config["samples"]
    sets = [(torch.from_numpy(images[i].astype(np.float32) / 255), torch.from_numpy(labels[i]))
            for i in (np.array(s["train_indices"]), np.array(s["test_indices"]))]
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 30, bias=False), torch.nn.ReLU(),
                                torch.nn.Linear(30, 30, bias=False), torch.nn.ReLU(),
                                torch.nn.Linear(30, 10, bias=False))
    with torch.no_grad():
        for i, name in ((1, "fc1"), (3, "fc2"), (5, "fc3")):
            model[i].weight.copy_(torch.from_numpy(np.load(os.path.join(run, "weights", f"{name}.weight.npy"))))
    return "MNIST MLP, fc2 (N = 900)", model.eval(), "3", sets


def resnet_case(folder):
    def batch(name, n):
        raw = np.fromfile(os.path.join(folder, name), np.uint8).reshape(-1, 3073)[:n]
        return torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255), torch.from_numpy(
            raw[:, 0].astype(np.int64))
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10).eval()
    return "torchvision ResNet-18, fc (N = 5120)", model, "fc", [batch("data_batch_1.bin", 2000),
                                                                 batch("test_batch.bin", 1000)]


def median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(name, model, layer, sets, repeats):
    (x_train, y_train), (x_test, y_test) = sets
    cut = export.cut(model, layer)

    def forwards():
        with torch.no_grad():
            return [torch.cat([cut.features(x[i:i + 1024]).reshape(len(x[i:i + 1024]), -1)
                               for i in range(0, len(x), 1024)]) for x in (x_train, x_test)]

    a_train, a_test = forwards()
    arrays = {"a_train": a_train, "a_test": a_test, "y_train": y_train, "y_test": y_test,
              "W": cut.layer.weight.detach(), "b": None if cut.layer.bias is None else cut.layer.bias.detach(),
              "x_train": x_train, "x_test": x_test, "partners": None}
    core, head = _analysis._core(), _analysis._head_callable(cut)
    t_fwd = median_seconds(forwards, repeats)
    t_core = median_seconds(lambda: core.analyze_layer(arrays, head, layer, "{}", "{}", 0), repeats)
    t_all = median_seconds(lambda: awd.analyze(model, layer, (x_train, y_train), (x_test, y_test), progress=False),
                           repeats)
    print(f"{name}: forwards {t_fwd:.3f} s, core {t_core:.3f} s, awd.analyze {t_all:.3f} s, "
          f"overhead beyond the forwards {100 * ((t_all - t_fwd) / t_core - 1):+.1f}%")


def main(run, cifar=None, repeats="5"):
    bench(*mlp_case(run), int(repeats))
    if cifar:
        bench(*resnet_case(cifar), int(repeats))


if __name__ == "__main__":
    main(*sys.argv[1:])
