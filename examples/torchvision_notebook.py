"""What a notebook user writes: a torchvision model trained briefly, two
recipes, each analysed at its last layer by `awd.analyze`, and the figure.

    /usr/bin/python3 examples/torchvision_notebook.py [DATA_DIR] [OUT_DIR]

DATA_DIR is a CIFAR-10 binary folder (data_batch_1.bin, test_batch.bin); without
it, Fashion-MNIST from Debian's dataset-fashion-mnist (grey images repeated to
three channels and padded to 32 x 32). 2000 training and 1000 test images.
"""
import gzip
import os
import sys
import time

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "python"))
import awd  # noqa: E402


def cifar(folder):
    def batch(name):
        raw = np.fromfile(os.path.join(folder, name), np.uint8).reshape(-1, 3073)
        return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)
    return batch("data_batch_1.bin"), batch("test_batch.bin")


def fashion(folder="/usr/share/datasets/fashion-mnist"):
    def read(name, offset):
        with gzip.open(os.path.join(folder, name)) as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)
    def split(prefix):
        x = read(f"{prefix}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
        x = np.pad(np.repeat(x, 3, axis=1), ((0, 0), (0, 0), (2, 2), (2, 2)))
        return x, read(f"{prefix}-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return split("train"), split("t10k")


def subset(x, y, n, seed):
    i = np.random.default_rng(seed).permutation(len(x))[:n]
    return torch.from_numpy(x[i].astype(np.float32) / 255), torch.from_numpy(y[i])


def train(x, y, batch, lr, epochs=12, seed=0):
    torch.manual_seed(seed)
    model = torchvision.models.resnet18(num_classes=10)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            j = order[i:i + batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[j]), y[j])
            loss.backward()
            opt.step()
        print(f"  batch {batch}: epoch {epoch + 1}, last loss {loss.item():.3f}", file=sys.stderr)
    return model.eval()


def accuracy(model, x, y):
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + 500]) for i in range(0, len(x), 500)])
    return (logits.argmax(1) == y).float().mean().item(), torch.nn.functional.cross_entropy(logits, y).item()


def main(data=None, out="work/notebook"):
    os.makedirs(out, exist_ok=True)
    (xtr, ytr), (xte, yte) = cifar(data) if data else fashion()
    train_set, test_set = subset(xtr, ytr, 2000, 0), subset(xte, yte, 1000, 1)
    results = {}
    for batch, lr in ((32, 0.02), (250, 0.1)):
        start = time.time()
        model = train(*train_set, batch, lr)
        trained = time.time() - start
        acc, loss = accuracy(model, *train_set)
        print(f"B = {batch}: training accuracy {acc:.3f}, loss {loss:.4f}")
        start = time.time()
        results[batch] = awd.analyze(model, "fc", train_set, test_set)   # the whole analysis: one line
        print(f"B = {batch}: trained in {trained:.0f} s, analysed in {time.time() - start:.1f} s")
        print(results[batch])
        results[batch].save(os.path.join(out, f"B{batch}"), force=True)
    fig = awd.plot.overview(list(results.values()), labels=[f"B = {b}" for b in results])
    fig.savefig(os.path.join(out, "overview.png"), dpi=110)
    print(f"figure: {os.path.join(out, 'overview.png')}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
