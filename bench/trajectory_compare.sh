#!/usr/bin/env bash
# The cost of --analyze-every in a compare with several learners (README "Along
# training"): a small MNIST compare, 4 learners x b = 25, 2 repeats of 40 epochs,
# run with and without --analyze-every K; prints the wall seconds of each and
# whether every solution's final weights and noise.csv are the same in both.
#   bench/trajectory_compare.sh AWD MNIST_DIR OUT [K]   (K default 5)
set -eu
AWD=$1 DATA=$2 OUT=$3 K=${4:-5}
COMMON=(--data "$DATA" -M 100 --n-test 500 -n 4 -B 25 --max-epoch 40 --fixed-epochs --noise-every 20 --repeats 2
        -j 1 -q)
mkdir -p "$OUT"
for k in 0 "$K"; do
  t0=$(date +%s.%N)
  "$AWD" compare "${COMMON[@]}" --analyze-every "$k" -o "$OUT/k$k" >"$OUT/k$k.out"
  printf 'analyze-every %s: %.1f s\n' "$k" "$(echo "$(date +%s.%N) - $t0" | bc)"
done
same=yes
for run in "$OUT/k0"/runs/*/rep*; do
  other=$OUT/k$K/${run#"$OUT/k0/"}
  for f in "$run"/weights/*.npy "$run"/noise.csv; do
    cmp -s "$f" "$other/${f#"$run/"}" || same=no
  done
done
echo "final weights and noise.csv identical: $same"
echo "overlay: $OUT/k$K/report/report.html (trajectories_mean.csv)"
