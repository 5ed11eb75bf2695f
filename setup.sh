#!/usr/bin/env bash
# Sets up awd on a fresh Debian 12 machine: installs the packages, builds, and
# (unless --no-run) analyses a Fashion-MNIST solution as a first example.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" -eq 0 ]; then
  scripts/setup-deps.sh
else
  sudo scripts/setup-deps.sh
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
if [ "${1:-}" != "--no-run" ]; then
  ./build/awd run --out runs/fashion-mnist --force
fi
