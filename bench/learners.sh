#!/usr/bin/env bash
# Steps per second of n learners (SPEC §8), all in one process against one
# process per learner over c10d/Gloo on loopback, for the MNIST MLP and the
# CIFAR-10 CNN. Each learner's batch is b = 25, so a step of n learners
# processes 25 n samples. The time is training.json's (training alone: no
# process start, no rendezvous, no data loading).
#
#   bench/learners.sh build/awd ../shared/data [epochs]
set -euo pipefail
awd=$(realpath "$1"); data=$(realpath "$2"); epochs=${3:-10}
py=/usr/bin/python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

steps_per_second() {  # run_dir samples n b
  "$py" -c 'import json,math,sys
t=json.load(open(sys.argv[1]+"/training.json")); N,B=int(sys.argv[2]),int(sys.argv[3])*int(sys.argv[4])
print("%.1f" % (t["epochs"]*math.ceil(N/B)/t["seconds"]))' "$@"
}

printf "%-5s %-6s %3s %10s %10s %8s\n" model algo n in-process processes ratio
for model in mlp cnn; do
  if [ $model = mlp ]; then
    args=(--data "$data/mnist" -M 400); samples=4000; e=$epochs
  else
    args=(--data "$data/cifar10" --preset cifar-cnn -M 100); samples=1000; e=$(( (epochs + 4) / 5 ))
  fi
  for algo in ssgd dpsgd; do
    for n in 1 2 4; do
      common=("${args[@]}" --learners "$n" -B 25 --algo "$algo" --max-epoch "$e" --stop-loss 0 -q --force)
      "$awd" train "${common[@]}" -o "$tmp/local" > /dev/null
      "$awd" launch -n "$n" -- "$awd" train "${common[@]}" --backend gloo -o "$tmp/gloo" > /dev/null
      a=$(steps_per_second "$tmp/local" $samples "$n" 25)
      b=$(steps_per_second "$tmp/gloo" $samples "$n" 25)
      printf "%-5s %-6s %3s %10s %10s %8s\n" $model $algo "$n" "$a" "$b" \
        "$("$py" -c "print('%.2f' % ($b/$a))")"
    done
  done
done
