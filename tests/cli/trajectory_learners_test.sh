#!/usr/bin/env bash
# The analysis along training (--analyze-every) with several learners and the
# noise record: for SSGD and DPSGD the snapshots (of the mean weights) change
# nothing of the training (final weights and noise.csv bit for bit with and
# without them, dropout on), the last snapshot's analysis is the end-of-training
# analysis bit for bit; a compare trained with --analyze-every overlays its runs'
# trajectories: report/trajectories.csv holds each run's trajectory.csv row for
# row, trajectories_mean.csv their means per epoch, report.html the figures.
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

# A compare along training: two repeats of SSGD and DPSGD, the report overlays them.
if "$AWD" compare --data "$MNIST" -M 10 --n-test 50 -n 2 -B 10 --max-epoch 3 --fixed-epochs --noise-every 5 \
  --analyze-every 2 --repeats 2 -j 1 -q -o "$T/cmp" >"$T/cmp.out" 2>"$T/cmp.err"; then ok; else bad "compare: $(cat "$T/cmp.err")"; fi
/usr/bin/python3 - "$T/cmp" <<'PY' && ok || bad "trajectories.csv checks"
import csv, sys
cmp = sys.argv[1]
rows = list(csv.reader(open(cmp + "/report/trajectories.csv")))
head, rows = rows[0], rows[1:]
expected = []
for algo in ("ssgd", "dpsgd"):
    for rep in (0, 1):
        own = list(csv.reader(open("%s/runs/algo=%s/rep%d/trajectory/trajectory.csv" % (cmp, algo, rep))))
        assert head == ["value", "repeat"] + own[0], (head, own[0])
        assert [int(r[0]) for r in own[1:]] == [0, 2, 3], own
        expected += [[algo, str(rep)] + r for r in own[1:]]
assert rows == expected, "trajectories.csv is not the runs' trajectory.csv rows"
# The mean file: per algorithm and epoch, the mean of the repeats' rows.
means = list(csv.DictReader(open(cmp + "/report/trajectories_mean.csv")))
assert len(means) == 2 * 3, len(means)
for m in means:
    reps = [dict(zip(head, r)) for r in rows if r[0] == m["value"] and int(r[2]) == int(m["epoch"])]
    assert int(m["runs"]) == len(reps) == 2, m
    for col in ("dL_s", "dL_f", "lambda_max", "test_error"):
        want = sum(float(r[col]) for r in reps) / len(reps)
        assert abs(float(m[col]) - want) <= 1e-12 * max(1.0, abs(want)), (col, m[col], want)
PY
if command -v gnuplot >/dev/null; then
  for f in overlay_dL_sharp overlay_dL_flat overlay_lambda_max overlay_test_error; do
    [ -s "$T/cmp/report/figures/$f.png" ] && grep -q "figures/$f.png" "$T/cmp/report/report.html" && ok ||
      bad "no figure $f in the compare report"
  done
fi
grep -q 'href="trajectories.csv"' "$T/cmp/report/report.html" && ok || bad "report.html does not link trajectories.csv"

finish trajectory_learners
