"""A PyTorch user's script, end to end: train a small CNN on MNIST with two
recipes (small and large batches), then hand both models and the data to awd.

    /usr/bin/python3 examples/pytorch_mnist.py ../shared/data/mnist work

writes work/data/{x,y}_{train,test}.npy (the .npy data folder awd reads) and
work/small-batch.pt, work/large-batch.pt (TorchScript, cut at fc2 by
awd_export). The README's worked example continues with awd analyze and
awd report --compare.
"""
import gzip
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import awd_export  # noqa: E402


def read_idx(path):
    with gzip.open(path) as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


class Net(nn.Module):
    """Two conv + max-pool stages and two dense layers; fc2 gives the logits."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5)
        self.conv2 = nn.Conv2d(8, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, u):
        h = self.pool(torch.relu(self.conv1(u)))
        h = self.pool(torch.relu(self.conv2(h)))
        return self.fc2(torch.relu(self.fc1(h.flatten(1))))


def train(x, y, batch, lr, epochs, seed=0):
    torch.manual_seed(seed)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for epoch in range(epochs):
        order = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        with torch.no_grad():
            loss = nn.functional.cross_entropy(model(x), y).item()
        print(f"batch {batch}: epoch {epoch + 1} training loss {loss:.4f}", file=sys.stderr)
    return model.eval()


def main(mnist_dir, out):
    images = read_idx(os.path.join(mnist_dir, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    # The first 4000 images train, the last 2000 test (MNIST's test split is what ../shared/data holds).
    data = os.path.join(out, "data")
    os.makedirs(data, exist_ok=True)
    parts = {"train": slice(0, 4000), "test": slice(8000, 10000)}
    for part, rows in parts.items():
        np.save(os.path.join(data, f"x_{part}.npy"), images[rows][:, None])  # uint8 [N, 1, 28, 28]
        np.save(os.path.join(data, f"y_{part}.npy"), labels[rows])
    # awd scales uint8 inputs to [0, 1]; train on the same values.
    x = torch.from_numpy(images[parts["train"]][:, None].astype(np.float32) / 255.0)
    y = torch.from_numpy(labels[parts["train"]])
    for name, batch, lr in [("small-batch", 25, 0.01), ("large-batch", 500, 0.1)]:
        model = train(x, y, batch, lr, epochs=30)
        awd_export.export(model, "fc2", x[:64], os.path.join(out, name + ".pt"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: pytorch_mnist.py MNIST_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
