#!/usr/bin/env bash
# Installs everything awd needs on a fresh Debian 12 machine (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# python3-numpy: the tests read the .npy outputs with numpy, as users will.
# python3-torch: the tests script PyTorch models (python/awd_export.py) for awd analyze --model.
# python3-torchvision: the tests load torchvision's resnet18/densenet121 weights by name into awd's networks.
# --no-install-recommends: libtorch-dev otherwise pulls in Qt, OpenCV and ffmpeg.
# libopenblas0-pthread: without it LibTorch runs on the reference BLAS, 10-15x slower.
# libspectra-dev, libeigen3-dev: restarted Lanczos for the top-k Hessian eigenpairs of large layers.
# pybind11-dev, python3-dev: the Python package's C++ core (import awd), built against python3-torch's LibTorch;
# python3-pytest runs its tests, python3-matplotlib draws its figures, python3-pandas backs Result.to_pandas.
apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config \
  libtorch-dev libgloo-dev libopenblas0-pthread \
  libcli11-dev nlohmann-json3-dev libgtest-dev zlib1g-dev \
  libspectra-dev libeigen3-dev \
  gnuplot-nox dataset-fashion-mnist python3-numpy python3-torch python3-torchvision \
  pybind11-dev python3-dev python3-pytest python3-matplotlib python3-pandas \
  procps >/dev/null  # pgrep in the tests (children of a killed sweep or launch)
