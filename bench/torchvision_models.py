"""torchvision models (and an sklearn MLP) through `import awd`, as a new user
would: each model trained briefly on 2000 CIFAR-10 images, then the README's
one line `awd.analyze(model, layer, train, test)`. One process per model, so
each peak memory is its own.

    /usr/bin/python3 bench/torchvision_models.py [DATA_DIR] [--epochs E] [--only NAME,...]

DATA_DIR is a CIFAR-10 binary folder (default ../shared/data/cifar10,
else Fashion-MNIST from Debian as in examples/torchvision_notebook.py). Prints
one row per analysis: layer, N, basis, training time, analysis time, peak
memory (ru_maxrss of the process), pair gap and self-check residuals; a
refusal is printed as the one-line message the user sees.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "examples"))
sys.path.insert(0, os.path.join(ROOT, "build", "python"))

# (model, layer): the five models at their last layer, and the hidden
# dense layer of mobilenet_v3_small (N = 589,824, top-k); squeezenet has no Linear.
CASES = [("mobilenet_v3_small", "classifier.3"), ("mobilenet_v3_small", "classifier.0"),
         ("shufflenet_v2_x0_5", "fc"), ("mobilenet_v2", "classifier.1"),
         ("efficientnet_b0", "classifier.1"), ("squeezenet1_0", None), ("sklearn_mlp", "coefs_[-1]")]


def load_data(data):
    import torchvision_notebook as nb
    (xtr, ytr), (xte, yte) = nb.cifar(data) if data else nb.fashion()
    return nb.subset(xtr, ytr, 2000, 0), nb.subset(xte, yte, 1000, 1)


def train(name, x, y, epochs):
    import torch
    import torchvision
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(num_classes=10)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            j = order[i:i + 64]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[j]), y[j])
            loss.backward()
            opt.step()
        print(f"  {name}: epoch {epoch + 1}, last loss {loss.item():.3f}", file=sys.stderr)
    return model.eval()


def sklearn_case(train_set, test_set):
    """An sklearn MLP's last layer through awd.features: W = coefs_[-1].T."""
    import numpy as np
    from sklearn.neural_network import MLPClassifier
    import awd
    xtr, ytr = train_set[0].flatten(1).numpy(), train_set[1].numpy()
    xte, yte = test_set[0].flatten(1).numpy(), test_set[1].numpy()
    start = time.time()
    mlp = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=200, random_state=0).fit(xtr, ytr)
    trained = time.time() - start

    def hidden(x):  # the activities entering the last layer (ReLU hidden layers)
        for W, b in zip(mlp.coefs_[:-1], mlp.intercepts_[:-1]):
            x = np.maximum(x @ W + b, 0)
        return x
    start = time.time()
    r = awd.features(hidden(xtr), ytr, hidden(xte), yte, mlp.coefs_[-1].T.copy(), mlp.intercepts_[-1].copy(),
                     x_train=xtr, x_test=xte)
    return r, trained, time.time() - start


def one_case(name, layer, data, epochs):
    import awd
    train_set, test_set = load_data(data)
    row = {"model": name, "layer": layer}
    try:
        if name == "sklearn_mlp":
            r, row["train_s"], row["analysis_s"] = sklearn_case(train_set, test_set)
        else:
            start = time.time()
            model = train(name, *train_set, epochs)
            row["train_s"] = time.time() - start
            start = time.time()
            r = awd.analyze(model, layer, train_set, test_set)
            row["analysis_s"] = time.time() - start
        s = r.summary
        row.update(N=s.get("N"), basis=s.get("basis"), seconds=s.get("seconds"), dL_p=s.get("pair_gap"),
                   n_s=s.get("n_sharp"), eq10_residual=s.get("eq10_residual"),
                   duality_max_residual=s.get("duality_max_residual"), self_check=s.get("self_check"))
    except (ValueError, TypeError, RuntimeError, ImportError) as e:
        row["refused"] = f"{type(e).__name__}: {e}"
    row["peak_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(row))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data", nargs="?", default=os.path.join(ROOT, "..", "shared", "data", "cifar10"))
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--only", default="")
    p.add_argument("--case", nargs=2, help=argparse.SUPPRESS)
    a = p.parse_args()
    data = a.data if os.path.isdir(a.data) else None
    if a.case:
        return one_case(a.case[0], None if a.case[1] == "-" else a.case[1], data, a.epochs)
    only = set(filter(None, a.only.split(",")))
    for name, layer in CASES:
        if only and name not in only:
            continue
        start = time.time()
        out = subprocess.run([sys.executable, __file__, a.data, "--epochs", str(a.epochs), "--case", name, layer or "-"],
                             capture_output=True, text=True)
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else f'{{"model": "{name}", "crashed": {out.returncode}}}'
        print(line, f"(wall {time.time() - start:.0f} s)", flush=True)
        if out.returncode:
            print(out.stderr[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
