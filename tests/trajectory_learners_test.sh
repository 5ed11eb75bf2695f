#!/usr/bin/env bash
# The analysis along training (--analyze-every) with several learners and the
# noise record: for SSGD and DPSGD the snapshots (of the mean weights) change
# nothing of the training (final weights and noise.csv bit for bit with and
# without them, dropout on), the last snapshot's analysis is the end-of-training
# analysis bit for bit.
#   trajectory_learners_test.sh AWD SHARED_DATA   (lib.sh test_data: which data)
AWD=$1
. "$(dirname "$0")/lib.sh" awd-trajectory-learners
test_data "$2"

# Dropout draws from LibTorch's default generator: the stream the analyses must not touch.
SMALL=(--data "$MNIST" -M 10 --n-test 50 --dropout 0.2 --fixed-epochs -q -B 10 --noise-every 4)

run() {  # run NAME ARGS...: awd run into $T/NAME, failing the test on a non-zero exit
  local name=$1
  shift
  if "$AWD" run "${SMALL[@]}" "$@" -o "$T/$name" >"$T/$name.out" 2>"$T/$name.err"; then ok; else bad "$name: $(cat "$T/$name.err")"; fi
}
same_files() {  # same_files WHAT DIR_A DIR_B FILES...: byte-identical
  local what=$1 a=$2 b=$3
  shift 3
  for f in "$@"; do cmp -s "$a/$f" "$b/$f" && ok || bad "$what: $f differs"; done
}
weights() { (cd "$1" && ls *.npy); }

# The noise record with one learner, SSGD and DPSGD with three (DPSGD on a ring:
# each learner's own weights, the mean of them snapshotted).
for case in "one -n 1" "ssgd -n 3 --algo ssgd" "dpsgd -n 3 --algo dpsgd --mixing ring"; do
  set -- $case
  name=$1
  shift
  run "$name-plain" "$@" --max-epoch 5
  run "$name-traj" "$@" --max-epoch 5 --analyze-every 2  # epochs 0, 2, 4 and 5 (taken after training)
  same_files "$name: final weights" "$T/$name-plain/weights" "$T/$name-traj/weights" $(weights "$T/$name-plain/weights")
  same_files "$name: noise record" "$T/$name-plain" "$T/$name-traj" noise.csv
  same_files "$name: final weights vs snapshot 5" "$T/$name-traj/weights" "$T/$name-traj/snapshots/epoch-0005/weights" \
    $(weights "$T/$name-traj/weights")
  for e in 0000 0002 0004 0005; do
    [ -s "$T/$name-traj/trajectory/epoch-$e/summary.json" ] && ok || bad "$name: no analysis of epoch $e"
  done
  same_files "$name: last snapshot vs analysis" "$T/$name-traj/analysis" "$T/$name-traj/trajectory/epoch-0005" \
    directions.csv pairs.csv coverage.csv
  [ -s "$T/$name-traj/trajectory/trajectory.csv" ] && ok || bad "$name: no trajectory.csv"
done
# The snapshot after epoch 2 of three DPSGD learners is the mean weights a 2-epoch training ends with.
run dpsgd-short -n 3 --algo dpsgd --mixing ring --max-epoch 2
same_files "dpsgd: snapshot 2" "$T/dpsgd-short/weights" "$T/dpsgd-traj/snapshots/epoch-0002/weights" \
  $(weights "$T/dpsgd-short/weights")

finish trajectory_learners
