"""PyTorch's own training loop on the networks awd trains, for bench/epoch_vs_pytorch.sh.

    pytorch_epoch.py ARCH DATA_DIR --epochs E --batch B --threads T [--width W] [--per-class M] [--augment]

ARCH is resnet18 or densenet121 (the CIFAR variants of models/resnet.h and
models/densenet.h: 3x3 stem, no max-pool, base width / growth W) on the first
M images per class of DATA_DIR/data_batch_1.bin, or mlp (784-30-30-10, no
biases, plain SGD lr 0.1) on the first M images per class of DATA_DIR's MNIST
test split. The loop is the plain one a PyTorch user writes: per epoch a
shuffled order (and, with --augment, a 4-pixel padded crop and flip of every
image), then for every batch forward, cross-entropy, zero_grad, backward,
optimizer.step; SGD with momentum 0.9 and weight decay 5e-4 on the conv and
dense weights for the CIFAR nets (awd's recipe). No evaluation, no BatchNorm
recalibration. Prints one line per epoch, "epoch K seconds S", to stdout.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from torch import nn
from torchvision.models.densenet import DenseNet

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.downsample is None else self.downsample(x)))


def resnet18(width):
    layers = [nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for i in range(4):
        cout = width << i
        layers += [BasicBlock(cin, cout, 1 if i == 0 else 2), BasicBlock(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


def densenet121(growth):
    model = DenseNet(growth_rate=growth, block_config=(6, 12, 24, 16), num_init_features=2 * growth, num_classes=10)
    model.features.conv0 = nn.Conv2d(3, 2 * growth, 3, 1, 1, bias=False)
    model.features.pool0 = nn.Identity()
    return model


def first_per_class(labels, per_class):
    picked = []
    for c in range(10):
        picked += list(np.flatnonzero(labels == c)[:per_class])
    return np.array(sorted(picked))


def cifar(folder, per_class):
    raw = np.fromfile(os.path.join(folder, "data_batch_1.bin"), dtype=np.uint8).reshape(-1, 3073)
    idx = first_per_class(raw[:, 0], per_class)
    x = torch.from_numpy(raw[idx, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255)
    mean, std = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1), torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    return (x - mean) / std, torch.from_numpy(raw[idx, 0].astype(np.int64))


def mnist(folder, per_class):
    def idx_file(name):
        with gzip.open(os.path.join(folder, name)) as f:
            return np.frombuffer(f.read(), dtype=np.uint8)
    images = idx_file("t10k-images-idx3-ubyte.gz")[16:].reshape(-1, 784)
    labels = idx_file("t10k-labels-idx1-ubyte.gz")[8:]
    idx = first_per_class(labels, per_class)
    return torch.from_numpy(images[idx].astype(np.float32) / 255), torch.from_numpy(labels[idx].astype(np.int64))


def augmented(x, gen):
    """A 4-pixel padded crop (the padding black, i.e. -mean/std) and a flip per image."""
    black = (-torch.tensor(CIFAR_MEAN) / torch.tensor(CIFAR_STD)).view(1, 3, 1, 1)
    padded = black.expand(x.size(0), 3, 40, 40).clone()
    padded[:, :, 4:36, 4:36] = x
    offsets = torch.randint(0, 9, (x.size(0), 2), generator=gen)
    flips = torch.rand(x.size(0), generator=gen) < 0.5
    out = torch.empty_like(x)
    for i in range(x.size(0)):
        r, c = offsets[i].tolist()
        img = padded[i, :, r:r + 32, c:c + 32]
        out[i] = img.flip(2) if flips[i] else img
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("arch", choices=["resnet18", "densenet121", "mlp"])
    p.add_argument("data")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--per-class", type=int, default=200)
    p.add_argument("--augment", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    if a.arch == "mlp":
        x, y = mnist(a.data, a.per_class)
        model = nn.Sequential(nn.Linear(784, 30, bias=False), nn.ReLU(), nn.Linear(30, 30, bias=False), nn.ReLU(),
                              nn.Linear(30, 10, bias=False))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
    else:
        x, y = cifar(a.data, a.per_class)
        model = resnet18(a.width) if a.arch == "resnet18" else densenet121(a.width)
        decayed = [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        ids = {id(w) for w in decayed}
        rest = [q for q in model.parameters() if id(q) not in ids]
        opt = torch.optim.SGD([{"params": decayed, "weight_decay": 5e-4}, {"params": rest, "weight_decay": 0.0}],
                              lr=0.05, momentum=0.9)
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        inputs = augmented(x, gen) if a.augment else x
        order = torch.randperm(x.size(0), generator=gen)
        for lo in range(0, x.size(0), a.batch):
            idx = order[lo:lo + a.batch]
            loss = loss_fn(model(inputs[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        print(f"epoch {epoch} seconds {time.perf_counter() - t0:.4f}", flush=True)


if __name__ == "__main__":
    main()
