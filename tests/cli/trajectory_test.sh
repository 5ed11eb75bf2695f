#!/usr/bin/env bash
# The analysis along training (--analyze-every): the snapshots change nothing of
# the training (final weights bit for bit with and without them, dropout on),
# a snapshot holds the weights a shorter training ends with, the last
# snapshot's analysis is the end-of-training analysis bit for bit, a kept
# snapshot analyses again to the same files, trajectory.csv agrees with each
# snapshot's directions and pairs, and --force removes what the trajectory wrote.
#   trajectory_test.sh AWD SHARED_DATA   (lib.sh test_data: which data)
AWD=$1
. "$(dirname "$0")/lib.sh" awd-trajectory
test_data "$2"

# Dropout draws from LibTorch's default generator: the stream the analyses must not touch.
SMALL=(--data "$MNIST" -M 10 --n-test 50 --dropout 0.2 --fixed-epochs -q)

run() {  # run NAME ARGS...: awd run into $T/NAME, failing the test on a non-zero exit
  local name=$1
  shift
  if "$AWD" run "${SMALL[@]}" "$@" -o "$T/$name" >"$T/$name.out" 2>"$T/$name.err"; then ok; else bad "$name: $(cat "$T/$name.err")"; fi
}

run plain --max-epoch 6
run traj --max-epoch 6 --analyze-every 3           # epochs 0, 3, 6: the last taken during training
run odd --max-epoch 5 --analyze-every 2            # epochs 0, 2, 4 and 5, taken after training
run short --max-epoch 3                            # what snapshot 3 of traj must hold

# Training with and without --analyze-every gives the same weights.
same_files "final weights" "$T/plain/weights" "$T/traj/weights" $(weights "$T/plain/weights")
same_files "odd: final weights vs snapshot 5" "$T/odd/weights" "$T/odd/snapshots/epoch-0005/weights" $(weights "$T/odd/weights")
# The snapshot after epoch 3 is what a 3-epoch training ends with.
same_files "snapshot 3" "$T/short/weights" "$T/traj/snapshots/epoch-0003/weights" $(weights "$T/short/weights")

for e in 0000 0003 0006; do
  [ -s "$T/traj/snapshots/epoch-$e/model.pt" ] && [ -s "$T/traj/trajectory/epoch-$e/summary.json" ] && ok ||
    bad "traj: no snapshot or analysis of epoch $e"
done
for e in 0000 0002 0004 0005; do
  [ -s "$T/odd/trajectory/epoch-$e/summary.json" ] && ok || bad "odd: no analysis of epoch $e"
done
[ -e "$T/odd/trajectory/epoch-0006" ] && bad "odd: an epoch after the last" || ok

# The last snapshot's analysis is the end-of-training analysis, bit for bit.
for r in traj odd; do
  last=$(ls -d "$T/$r"/trajectory/epoch-* | tail -n 1)
  same_files "$r: last snapshot vs analysis" "$T/$r/analysis" "$last" directions.csv pairs.csv coverage.csv
done

# A kept snapshot analyses again (awd analyze --snapshot) to the same files.
if "$AWD" analyze "$T/traj" --snapshot 3 --name again -q >/dev/null 2>"$T/again.err"; then ok; else bad "analyze --snapshot: $(cat "$T/again.err")"; fi
same_files "re-analysed snapshot 3" "$T/traj/trajectory/epoch-0003" "$T/traj/again" directions.csv pairs.csv coverage.csv
expect_error "missing snapshot" "epoch-0004/model.pt: no snapshot of epoch 4" "$AWD" analyze "$T/traj" --snapshot 4 --name x -q

# trajectory.csv: one row per snapshot, its dL_s, dL_f and dL_p as Eq. 11's terms
# and Eq. 7's pairs give them, and its last row is analysis/summary.json's numbers.
/usr/bin/python3 - "$T/traj" <<'PY' && ok || bad "trajectory.csv checks"
import csv, json, sys
run = sys.argv[1]
rows = list(csv.DictReader(open(run + "/trajectory/trajectory.csv")))
assert [int(r["epoch"]) for r in rows] == [0, 3, 6], [r["epoch"] for r in rows]
for r in rows:
    dl_p, dl_s, dl_f, n_s = (float(r[k]) for k in ("dL_p", "dL_s", "dL_f", "n_s"))
    folder = run + "/trajectory/epoch-%04d/" % int(r["epoch"])
    # Eq. 11 per direction: dL_s sums c sigma_g sigma_w over the n_s sharpest, dL_f over the rest.
    d = list(csv.DictReader(open(folder + "directions.csv")))
    terms = [float(x["c"]) * float(x["sigma_g"]) * float(x["sigma_w"]) for x in d]
    assert abs(sum(terms[:int(n_s)]) - dl_s) <= 1e-9 and abs(sum(terms[int(n_s):]) - dl_f) <= 1e-9, r
    # Eq. 7: dL_p is the mean pair gap, the sum of the pairs' shares.
    shares = [float(p["share"]) for p in csv.DictReader(open(folder + "pairs.csv"))]
    assert abs(sum(shares) - dl_p) <= 1e-9 * max(1, abs(dl_p)), (sum(shares), dl_p)
s = json.load(open(run + "/analysis/summary.json"))
last = rows[-1]
for col, key in [("train_loss", "loss_train"), ("test_loss", "loss_test"), ("dL", "gap"), ("dL_p", "pair_gap"),
                 ("dL_s", "dL_sharp"), ("dL_f", "dL_flat"), ("n_s", "n_sharp"), ("weight_norm", "weight_norm")]:
    assert float(last[col]) == float(s[key]), (col, last[col], s[key])
d = list(csv.DictReader(open(run + "/analysis/directions.csv")))
assert float(last["lambda_max"]) == max(float(x["lambda"]) for x in d)
assert float(last["sigma_g_1"]) == float(d[0]["sigma_g"]) and float(last["S_w_N"]) == float(d[-1]["S_w"])
ranks = list(csv.DictReader(open(run + "/trajectory/trajectory_ranks.csv")))
assert len(ranks) == 3 * len(d), len(ranks)
PY
[ -s "$T/traj/trajectory/report.html" ] && ok || bad "no trajectory/report.html"
if command -v gnuplot >/dev/null; then
  for f in trajectory_gap trajectory_sharpness_spectrum; do
    [ -s "$T/traj/trajectory/figures/$f.png" ] && ok || bad "no figure $f"
  done
fi

# Bad input: one line, nothing trained.
expect_usage_error "negative k" "analyze_every must be non-negative" "$AWD" run "${SMALL[@]}" --analyze-every -1 -o "$T/bad1"
[ ! -e "$T/bad1" ] && ok || bad "a refused run left a folder"

# Training again without --analyze-every removes the snapshots and the trajectory, and only them.
echo notes >"$T/traj/trajectory/notes.txt"
run traj --max-epoch 6 --force
[ ! -e "$T/traj/snapshots" ] && ok || bad "--force left snapshots/"
[ -f "$T/traj/trajectory/notes.txt" ] && [ -z "$(ls "$T/traj/trajectory" | grep -v notes.txt)" ] && ok ||
  bad "--force: trajectory/ holds $(ls "$T/traj/trajectory")"

finish trajectory
