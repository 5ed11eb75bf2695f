#!/usr/bin/python3
"""Times the paper authors' own analysis (their eval_model.eval_model: losses,
the layer Hessian by double backward, its eigendecomposition, partners, dual
weights and Eq. 10) of one awd solution, on the same samples and weights.

    paper_analysis.py RUN_DIR PAPER_CHECKOUT [repeats] [threads]

RUN_DIR is an `awd train` run of the MNIST MLP (784-30-30-10, no biases);
PAPER_CHECKOUT a checkout of github.com/YuFengDuke/A-W-Duality-Project (its
code is imported from there, never copied). Prints one line per repeat and
"paper_seconds S" (the median) last. The authors' code is float32 throughout,
so its estimate of dL_p agrees with awd's to about 1e-4, not to rounding.
"""
import contextlib
import gzip
import io
import json
import os
import statistics
import sys
import time
import types

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_samples(run_dir):
    """The run's training and test samples as config.json records them."""
    cfg = json.load(open(os.path.join(run_dir, "config.json")))
    s = cfg["samples"]
    files = [f["path"] for f in cfg["data_files"]]
    images = {("t10k" in os.path.basename(f)): f for f in files if "images" in f}
    labels = {("t10k" in os.path.basename(f)): f for f in files if "labels" in f}
    test_x, test_y = read_idx(images[True]), read_idx(labels[True])
    train_x, train_y = (test_x, test_y) if s["single_split"] else (read_idx(images[False]), read_idx(labels[False]))
    corrupted = set(s["corrupted"])
    keep = [i for i in range(len(s["train_indices"])) if i not in corrupted]
    tr = np.asarray(s["train_indices"])[keep]
    te = np.asarray(s["test_indices"])
    as_x = lambda x: torch.tensor(x.reshape(len(x), 1, 28, 28).astype(np.float32) / 255.0)
    return (as_x(train_x[tr]), torch.tensor(np.asarray(s["train_labels"])[keep].astype(np.int64)),
            as_x(test_x[te]), torch.tensor(test_y[te].astype(np.int64)))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    run_dir, checkout = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count()
    torch.set_num_threads(threads)
    # The authors' data.py imports torchvision to download MNIST; the samples
    # come from the run here, so it is never used.
    sys.modules.setdefault("torchvision", types.ModuleType("torchvision"))
    sys.path.insert(0, checkout)
    import eval_model, model_config, models, utils  # noqa: E402 (the authors' modules)

    train_x, train_y, test_x, test_y = load_samples(run_dir)
    model = models.FC_feature(30, 0)
    weights = os.path.join(run_dir, "weights")
    state = {k: torch.tensor(np.load(os.path.join(weights, k + ".npy")).astype(np.float32))
             for k in ("fc1.weight", "fc2.weight", "fc3.weight")}
    model.load_state_dict(state)
    config = model_config.set_config("B")  # the paper's settings; layer_index [1] is fc2
    n_weights = 30 * 30
    times = []
    for r in range(repeats):
        result = utils.result("B", [25], n_weights, 1)
        out = io.StringIO()
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(out):
            result = eval_model.eval_model(model, config, train_x, train_y, test_x, test_y, result, (0, 0, n_weights))
        times.append(time.perf_counter() - t0)
        print(f"paper analysis {r + 1}/{repeats}: {times[-1]:.3f} s, estimated dL_p "
              f"{result['estimate_loss_gap'][0, 0]:.6f}, dL {result['real_loss_gap'][0, 0]:.6f}", flush=True)
    print(f"paper_seconds {statistics.median(times):.6f}")


if __name__ == "__main__":
    main()
