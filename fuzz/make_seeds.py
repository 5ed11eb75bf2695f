#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into OUT/{idx,cifar,npy,config_json}.

Real data, cut small: the heads of the shared MNIST and CIFAR-10 files (never
copied into the repository, only read here), .npy files written by numpy, the
configs of experiments/*.json and fuzz/seeds/config_json; plus a few
hand-made edge cases. Both fuzz/run.sh and the test suite (fuzz_replay_*) use it.

usage: make_seeds.py OUT [SHARED_DATA]   (SHARED_DATA defaults to ../shared/data
of the repository). Under tests/cli/with_test_data.sh (the test suite), the folders
of the test data (AWD_TEST_MNIST, AWD_TEST_CIFAR) take the place of
SHARED_DATA/mnist and SHARED_DATA/cifar10: on a clone without ../shared, the
Fashion-MNIST test split and generated CIFAR-format batches.
"""
import gzip
import io
import json
import os
import pathlib
import shutil
import struct
import sys

import numpy as np

SEP = b"AWDSPLIT"  # fuzz_files.h kSeparator: between the files of one input
REPO = pathlib.Path(__file__).resolve().parent.parent


def idx_images(pixels):
    """An IDX image file (magic 2051) holding uint8 images [n, rows, cols]."""
    n, rows, cols = pixels.shape
    return struct.pack(">IIII", 0x803, n, rows, cols) + pixels.tobytes()


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


def idx_seeds(mnist, out):
    with gzip.open(mnist / "t10k-images-idx3-ubyte.gz") as f:
        head = f.read(16 + 4 * 784)
    with gzip.open(mnist / "t10k-labels-idx1-ubyte.gz") as f:
        labels = list(f.read(8 + 4)[8:])
    images = np.frombuffer(head[16:], dtype=np.uint8).reshape(4, 28, 28)
    seeds = {
        "mnist-3": idx_images(images[:3]) + SEP + idx_labels(labels[:3]),
        "mnist-1-gzip": gzip.compress(idx_images(images[:1])) + SEP + gzip.compress(idx_labels(labels[:1])),
        "mnist-crop-4x7x7": idx_images(np.ascontiguousarray(images[:, 10:17, 10:17])) + SEP + idx_labels(labels),
        "empty-0": idx_images(images[:0]) + SEP + idx_labels([]),
        "label-10": idx_images(images[:1, :2, :2].copy()) + SEP + idx_labels([10]),
        "count-mismatch": idx_images(images[:2, :3, :3].copy()) + SEP + idx_labels(labels[:1]),
        "truncated": idx_images(images[:2])[:-5] + SEP + idx_labels(labels[:2]),
        "swapped": idx_labels(labels[:1]) + SEP + idx_images(images[:1]),
    }
    write(out / "idx", seeds)


def cifar_seeds(cifar, out):
    record = 3073
    with open(cifar / "data_batch_1.bin", "rb") as f:
        train = f.read(2 * record)
    with open(cifar / "test_batch.bin", "rb") as f:
        test = f.read(record)
    seeds = {
        "train-2": train,
        "train-2-test-1": train + SEP + test,
        "gzip-1": gzip.compress(test),
        "label-10": bytes([10]) + test[1:],
        "short-record": test[:-1],
        "three-batches": test + SEP + train[:record] + SEP + train[record:],
    }
    write(out / "cifar", seeds)


def npy(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array)
    else:
        np.lib.format.write_array(buf, array, version=version)
    return buf.getvalue()


def npy_folder(x_train, y_train, x_test, y_test, version=None):
    return SEP.join(npy(a, version) for a in (x_train, y_train, x_test, y_test))


def npy_seeds(mnist, out):
    with gzip.open(mnist / "t10k-images-idx3-ubyte.gz") as f:
        head = f.read(16 + 6 * 784)
    with gzip.open(mnist / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(8 + 6)[8:], dtype=np.uint8)
    crops = np.frombuffer(head[16:], dtype=np.uint8).reshape(6, 1, 28, 28)[:, :, 12:16, 12:16].copy()
    flat = (crops.reshape(6, 16) / 255.0).astype(np.float32)
    seeds = {
        "uint8-images": npy_folder(crops[:4], labels[:4], crops[4:], labels[4:]),
        "float32-int64": npy_folder(flat[:4], labels[:4].astype(np.int64), flat[4:], labels[4:].astype(np.int64)),
        "int32-labels-v2": npy_folder(flat[:3], labels[:3].astype(np.int32), flat[3:], labels[3:].astype(np.int32), (2, 0)),
        "empty-test": npy_folder(flat[:2], np.array([0, 1], np.uint8), flat[:0], np.array([], np.uint8)),
        "float64-refused": npy_folder(flat[:2].astype(np.float64), labels[:2], flat[2:4], labels[2:4]),
        "fortran": npy_folder(np.asfortranarray(flat[:3].T).T, labels[:3], flat[3:], labels[3:]),
        "big-endian": npy_folder(flat[:2].astype(">f4"), labels[:2], flat[2:4], labels[2:4]),
        "test-label-unseen": npy_folder(flat[:2], np.array([0, 1], np.uint8), flat[2:3], np.array([7], np.uint8)),
        "negative-label": npy_folder(flat[:2], np.array([-1, 1], np.int64), flat[2:3], np.array([0], np.int64)),
    }
    write(out / "npy", seeds)


def config_seeds(out):
    seeds = {}
    for f in sorted((REPO / "experiments").glob("*.json")):
        seeds["experiment-" + f.stem] = json.dumps(json.loads(f.read_text())["config"]).encode()
    write(out / "config_json", seeds)
    for f in sorted((REPO / "fuzz" / "seeds" / "config_json").glob("*.json")):
        shutil.copy(f, out / "config_json" / f.name)


def write(folder, seeds):
    shutil.rmtree(folder, ignore_errors=True)  # no seed of an older version stays behind
    folder.mkdir(parents=True)
    for name, data in seeds.items():
        (folder / name).write_bytes(data)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    shared = pathlib.Path(sys.argv[2]) if len(sys.argv) == 3 else REPO.parent / "shared" / "data"
    mnist = pathlib.Path(os.environ.get("AWD_TEST_MNIST") or shared / "mnist")
    cifar = pathlib.Path(os.environ.get("AWD_TEST_CIFAR") or shared / "cifar10")
    for need in (mnist / "t10k-images-idx3-ubyte.gz", cifar / "test_batch.bin", cifar / "data_batch_1.bin"):
        if not need.is_file():
            sys.exit(f"{need}: no such file (the seeds are cut from the shared data sets)")
    idx_seeds(mnist, out)
    cifar_seeds(cifar, out)
    npy_seeds(mnist, out)
    config_seeds(out)


if __name__ == "__main__":
    main()
