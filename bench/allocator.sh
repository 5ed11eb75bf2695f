#!/usr/bin/env bash
# Which allocator set-up is fastest: glibc's defaults (an awd built before
# util::tune_allocator), the same binary with jemalloc or tcmalloc preloaded
# (measurement only: awd never asks the user for LD_PRELOAD), and an awd
# that calls util::tune_allocator (mallopt). Interleaved, pair by pair.
#
#   bench/allocator.sh OLD_AWD NEW_AWD DATA_DIR [pairs]
#
# DATA_DIR holds mnist/ and cifar10/. Per variant: seconds of one
# resnet18-cifar-cpu epoch (-B 128, one learner), of the MNIST MLP's training
# (the paper's setting, to the stop rule), and the analysis of that MNIST
# solution in a fresh `awd analyze` process (stage total from summary.json).
# jemalloc / tcmalloc rows need libjemalloc2 / libtcmalloc-minimal4.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '7p' "$0" | sed 's/^# *//' >&2; exit 2; }
old=$(realpath "$1"); new=$(realpath "$2"); data=$(realpath "$3"); pairs=${4:-3}
lib=/usr/lib/x86_64-linux-gnu
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

variants=("glibc defaults|$old|" "tune_allocator (mallopt)|$new|")
[ -e "$lib/libjemalloc.so.2" ] && variants+=("jemalloc (preloaded)|$old|$lib/libjemalloc.so.2")
[ -e "$lib/libtcmalloc_minimal.so.4" ] && variants+=("tcmalloc (preloaded)|$old|$lib/libtcmalloc_minimal.so.4")

json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$3"; }
for ((p = 1; p <= pairs; ++p)); do
  for v in "${variants[@]}"; do
    IFS='|' read -r name bin pre <<<"$v"
    env ${pre:+LD_PRELOAD=$pre} "$bin" train --preset resnet18-cifar-cpu --data "$data/cifar10" --learners 1 -B 128 \
      --max-epoch 1 --fixed-epochs -o "$work/resnet" --force -q >/dev/null
    r=$(json 0 'd["seconds"]' "$work/resnet/training.json")
    env ${pre:+LD_PRELOAD=$pre} "$bin" train --data "$data/mnist" -o "$work/mlp" --force -q >/dev/null
    m=$(json 0 'd["seconds"]' "$work/mlp/training.json")
    env ${pre:+LD_PRELOAD=$pre} "$bin" analyze "$work/mlp" --name a --force -q >/dev/null
    a=$(json 0 'sum(d["seconds"].values())' "$work/mlp/a/summary.json")
    printf '%s\t%s\t%s\t%s\n' "$name" "$r" "$m" "$a" | tee -a "$work/all.tsv" >&2
  done
done
echo "medians over $pairs rounds (seconds):"
printf '%-26s %14s %14s %14s\n' variant resnet-epoch mlp-training mnist-analysis
/usr/bin/python3 - "$work/all.tsv" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, *v = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append([float(x) for x in v])
for name, vals in rows.items():
    med = [statistics.median(c) for c in zip(*vals)]
    print(f"{name:<26} {med[0]:14.2f} {med[1]:14.2f} {med[2]:14.3f}")
EOF
