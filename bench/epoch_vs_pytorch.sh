#!/usr/bin/env bash
# Seconds per training epoch: awd against PyTorch's own loop on the same
# network, data, batch and threads (bench/pytorch_epoch.py, /usr/bin/python3).
#
#   bench/epoch_vs_pytorch.sh AWD DATA [NET ...]
#
# DATA holds cifar10/ and mnist/ (../shared/data). NET is any of
#   resnet18      resnet18-cifar-cpu's network (width 16), 2000 images, one learner, B = 128, crop + flip
#   densenet121   densenet121-cifar-cpu's network (growth 8), 500 images (250 test), B = 128, crop + flip
#   mlp           the MNIST MLP 784-30-30-10, 4000 images, B = 25, plain SGD
# (default: all three). For each NET, ROUNDS rounds (default 3) each run, in
# turn, awd evaluating every epoch (--eval-every 1, what awd did before the
# option), awd with its default, and PyTorch's loop, each for EPOCHS epochs
# (resnet18 10, densenet121 5, mlp 30: multiples of the auto eval_every), on THREADS threads (default 1, as a
# compare trains). BEFORE=PATH runs the first column with that awd binary
# instead, without --eval-every (an awd from before the option). A run's
# seconds per epoch is its whole training time over its epochs (awd:
# training.json's seconds, every evaluation included; PyTorch: the sum of its
# epochs). Prints per NET the medians over rounds and the ratios to PyTorch's
# median. GLIBC_TUNABLES, when set, reaches both programs.
set -euo pipefail

[ $# -ge 2 ] || { sed -n '4,5p' "$0" | sed 's/^# *//' >&2; exit 2; }
awd=$(realpath "$1"); data=$(realpath "$2"); shift 2
nets=("$@"); [ ${#nets[@]} -gt 0 ] || nets=(resnet18 densenet121 mlp)
rounds=${ROUNDS:-3}; threads=${THREADS:-1}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# awd NET EVAL_EVERY: seconds per epoch of one awd training (empty EVAL_EVERY: awd's default).
awd_epoch() {
  local net=$1 every=$2 args out=$tmp/run
  case $net in
    resnet18) args=(--preset resnet18-cifar-cpu --data "$data/cifar10" --max-epoch "${EPOCHS:-10}");;
    densenet121) args=(--preset densenet121-cifar-cpu --data "$data/cifar10" -M 50 --n-test 250 --max-epoch "${EPOCHS:-5}");;
    mlp) args=(--data "$data/mnist" --max-epoch "${EPOCHS:-30}");;
  esac
  [ "$net" = mlp ] || args+=(--learners 1 -B 128)
  local bin=$awd
  if [ "$every" = before ]; then bin=$BEFORE; elif [ -n "$every" ]; then args+=(--eval-every "$every"); fi
  rm -rf "$out"
  "$bin" train "${args[@]}" --fixed-epochs --threads "$threads" -q -o "$out" >/dev/null
  /usr/bin/python3 -c 'import json, sys; t = json.load(open(sys.argv[1])); print(t["seconds"] / t["epochs"])' \
    "$out/training.json"
}

pytorch_epoch() {
  local net=$1 args
  case $net in
    resnet18) args=(resnet18 "$data/cifar10" --width 16 --per-class 200 --batch 128 --augment --epochs "${EPOCHS:-10}");;
    densenet121) args=(densenet121 "$data/cifar10" --width 8 --per-class 50 --batch 128 --augment --epochs "${EPOCHS:-5}");;
    mlp) args=(mlp "$data/mnist" --per-class 400 --batch 25 --epochs "${EPOCHS:-30}");;
  esac
  /usr/bin/python3 "$here/pytorch_epoch.py" "${args[@]}" --threads "$threads" |
    awk '{s += $4; n++} END {print s / n}'
}

echo "threads $threads, rounds $rounds, GLIBC_TUNABLES=${GLIBC_TUNABLES:-unset}, load $(cut -d' ' -f1-3 /proc/loadavg)"
first=$([ -n "${BEFORE:-}" ] && echo before || echo 1)
printf '%-12s %14s %14s %14s %10s %10s\n' net "awd $first" "awd default" pytorch "ratio $first" "ratio def"
for net in "${nets[@]}"; do
  : > "$tmp/a1"; : > "$tmp/ad"; : > "$tmp/pt"
  for ((r = 0; r < rounds; r++)); do
    awd_epoch "$net" "$first" >> "$tmp/a1"
    awd_epoch "$net" "" >> "$tmp/ad"
    pytorch_epoch "$net" >> "$tmp/pt"
    echo "  $net round $((r + 1)): $(tail -n1 "$tmp/a1") $(tail -n1 "$tmp/ad") $(tail -n1 "$tmp/pt")" >&2
  done
  a1=$(median < "$tmp/a1"); ad=$(median < "$tmp/ad"); pt=$(median < "$tmp/pt")
  awk -v n="$net" -v a="$a1" -v d="$ad" -v p="$pt" \
    'BEGIN {printf "%-12s %14.4f %14.4f %14.4f %10.2f %10.2f\n", n, a, d, p, a / p, d / p}'
done
