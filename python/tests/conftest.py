"""Fixtures of the Python package's tests: one small awd run trained by the
command line (Fashion-MNIST from Debian's dataset-fashion-mnist, which
setup.sh installs: no ../shared needed), its samples, and its MLP in PyTorch."""
import gzip
import json
import os
import subprocess

import numpy as np
import pytest
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FASHION = "/usr/share/datasets/fashion-mnist"


def awd_exe():
    return os.environ.get("AWD_EXE", os.path.join(ROOT, "build", "awd"))


def run_awd(*args, check=True):
    p = subprocess.run([awd_exe(), *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"awd {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


class MLP(torch.nn.Module):
    """awd's MLP (SPEC §7): flatten, fc1, ReLU, fc2, ReLU, fc3, no biases."""

    def __init__(self, bias=False):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 30, bias=bias)
        self.fc2 = torch.nn.Linear(30, 30, bias=bias)
        self.fc3 = torch.nn.Linear(30, 10, bias=bias)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def idx(path):
    with gzip.open(path) as f:
        raw = f.read()
    if raw[3] == 3:
        n, r, c = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
        return np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, r, c)
    return np.frombuffer(raw, np.uint8, offset=8).astype(np.int64)


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    """A trained and analysed run: 40 per class, 300 test samples, fc2 (N = 900)."""
    out = str(tmp_path_factory.mktemp("run") / "run")
    run_awd("run", "--data", FASHION, "-M", "40", "--n-test", "300", "--max-epoch", "30", "-q", "-o", out)
    return out


@pytest.fixture(scope="session")
def samples(run_dir):
    """The run's training and test samples, in its order, as the MLP is fed them ([0, 1] floats)."""
    s = json.load(open(os.path.join(run_dir, "config.json")))["samples"]
    out = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = idx(f"{FASHION}/{prefix}-images-idx3-ubyte.gz")
        labels = idx(f"{FASHION}/{prefix}-labels-idx1-ubyte.gz")
        i = np.array(s[f"{split}_indices"])
        out[split] = (torch.from_numpy(images[i].astype(np.float32) / 255), torch.from_numpy(labels[i]))
    return out


def run_mlp(run_dir, dtype=torch.float32, bias=False):
    m = MLP(bias)
    with torch.no_grad():
        for name in ("fc1", "fc2", "fc3"):
            getattr(m, name).weight.copy_(torch.from_numpy(np.load(f"{run_dir}/weights/{name}.weight.npy")))
    return m.to(dtype).eval()


@pytest.fixture(scope="session")
def mlp(run_dir):
    return run_mlp(run_dir)
