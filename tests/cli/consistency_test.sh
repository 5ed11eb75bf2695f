#!/usr/bin/env bash
# A run directory is always one run: results carry the run id of
# config.json, --force replaces the whole run, a kill -9 at any stage of
# `awd run --force` leaves the old run or an unfinished new one and the same
# command then finishes the work, analyze refuses changed data, and bad input
# found only in the files of a run gives one line.
#   consistency_test.sh AWD SHARED_DATA   (lib.sh test_data: which data)
AWD=$1
. "$(dirname "$0")/lib.sh" awd-consistency
test_data "$2"
PY=/usr/bin/python3

# A private copy of the MNIST test split (or its fallback): the test changes it.
DATA="$T/data"
mkdir -p "$DATA" && cp "$MNIST"/t10k-*-ubyte.gz "$DATA"/

# state RUN: unfinished | trained | analysed | mixed (a result of another run than config.json's)
state() {
  "$PY" - "$1" <<'PY'
import json, os, sys
run = sys.argv[1]
def rid(name):
    try: return json.load(open(os.path.join(run, name))).get("run_id")
    except Exception: return None
c, t, s = rid("config.json"), rid("training.json"), rid("analysis/summary.json")
if c is None: print("unfinished"); sys.exit()
if t is not None and t != c or s is not None and s != c: print("mixed" if t == c else "unfinished"); sys.exit()
print("analysed" if s == c else "trained" if t == c else "unfinished")
PY
}
run_id() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$1"; }

# kill_when RUN STAGE PID OLD_ID: kill -9 PID once the new run (config.json id
# not OLD_ID) has started training (STAGE training) or finished it (analysis).
kill_when() {
  "$PY" - "$@" <<'PY'
import json, os, signal, sys, time
run, stage, pid, old = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def rid(name):
    try: return json.load(open(os.path.join(run, name))).get("run_id")
    except Exception: return None
deadline = time.time() + 120
while time.time() < deadline:
    c = rid("config.json")
    if c not in (None, old) and (stage == "training" or rid("training.json") == c):
        os.kill(pid, signal.SIGKILL)
        sys.exit(0)
    time.sleep(0.002)
sys.exit(1)
PY
}

SMALL=(--data "$DATA" -M 10 --n-test 50 --max-epoch 40 -q)

# --force replaces the whole run: nothing of a run with more layers, its
# analysis and its noise record survives.
"$AWD" run "${SMALL[@]}" --hidden 30,30 --noise-every 5 --learners 2 -o "$T/r" >/dev/null 2>&1 || bad "first run"
[ -f "$T/r/noise.csv" ] && [ -f "$T/r/weights/fc3.weight.npy" ] && ok || bad "first run lacks noise.csv or fc3"
"$AWD" train "${SMALL[@]}" --hidden 20 --seed 5 --force -o "$T/r" >/dev/null 2>&1 || bad "forced train"
left=$(cd "$T/r" && find . -mindepth 1 | sort | tr '\n' ' ')
[ "$left" = "./.awd.json ./config.json ./model.pt ./training.json ./weights ./weights/fc1.weight.npy ./weights/fc2.weight.npy " ] \
  && ok || bad "after --force the run holds: $left"
[ "$(state "$T/r")" = trained ] && ok || bad "forced train: state $(state "$T/r")"
# awd run with the same training configuration only analyses: training.json stays as it is.
cp "$T/r/training.json" "$T/training.json"
"$AWD" run "${SMALL[@]}" --hidden 20 --seed 5 -o "$T/r" >/dev/null 2>&1 && ok || bad "run over a trained run"
cmp -s "$T/r/training.json" "$T/training.json" && ok || bad "run over a trained run trained again"
[ "$(state "$T/r")" = analysed ] && ok || bad "run over a trained run: state $(state "$T/r")"
# The same command once more has nothing left to do: it says so and succeeds.
"$AWD" run "${SMALL[@]}" --hidden 20 --seed 5 -o "$T/r" >"$T/out" 2>&1 && grep -q "already finished" "$T/out" && ok ||
  bad "finished run: $(cat "$T/out")"
"$AWD" train "${SMALL[@]}" -o "$T/t" >/dev/null 2>&1 || bad "train t"
expect_usage_error "trained run of another configuration" "t: holds a trained run of another configuration \(config.json differs at /train/seed\)" \
  "$AWD" run "${SMALL[@]}" --seed 3 -o "$T/t"
mkdir -p "$T/mine" && echo notes >"$T/mine/notes.txt"
expect_usage_error "folder of other files" "mine: not a run directory \(holds 'notes.txt' and no config.json\)" \
  "$AWD" run "${SMALL[@]}" --force -o "$T/mine"
[ -f "$T/mine/notes.txt" ] && ok || bad "the user's file was removed"

# Debris of killed processes goes with the next run.
host=$(hostname | tr . _)
touch "$T/r/model.pt.tmp.$host.999999999" "$T/r/analysis/summary.json.tmp.$host.999999999"
"$AWD" run "${SMALL[@]}" --hidden 20 --seed 5 --force -o "$T/r" >/dev/null 2>&1 || bad "forced run"
[ -z "$(find "$T/r" -name '*.tmp.*')" ] && ok || bad "temporaries left: $(find "$T/r" -name '*.tmp.*')"

# kill -9 at each stage of `awd run --force`, then the same command again.
K=(run --data "$DATA" -M 50 --n-test 500 --max-epoch 400 --stop-loss 1e-12 --flatness-top 100 -q --force -o "$T/k")
"$AWD" "${K[@]}" >/dev/null 2>&1 || bad "run k"
old=$(run_id "$T/k/config.json")
# While it starts: the old run stays whole, or the new one is unfinished.
"$AWD" "${K[@]}" >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
s=$(state "$T/k")
{ [ "$s" = analysed ] && [ "$(run_id "$T/k/config.json")" = "$old" ]; } || [ "$s" = unfinished ] && ok \
  || bad "killed at the start: state $s"
# During the training: unfinished, never a mix; the same command finishes it.
old=$(run_id "$T/k/config.json")
"$AWD" "${K[@]}" >/dev/null 2>&1 &
pid=$!
kill_when "$T/k" training "$pid" "$old" || bad "the training never started"
wait "$pid" 2>/dev/null
[ "$(state "$T/k")" = unfinished ] && ok || bad "killed in training: state $(state "$T/k")"
"$AWD" "${K[@]}" >/dev/null 2>&1 && ok || bad "rerun after a kill in training"
[ "$(state "$T/k")" = analysed ] && ok || bad "rerun after a kill in training: state $(state "$T/k")"
# During the analysis: trained; the same command only analyses.
old=$(run_id "$T/k/config.json")
"$AWD" "${K[@]}" >/dev/null 2>&1 &
pid=$!
kill_when "$T/k" analysis "$pid" "$old" || bad "the training never finished"
wait "$pid" 2>/dev/null
[ "$(state "$T/k")" = trained ] && ok || bad "killed in the analysis: state $(state "$T/k") (the analysis was not interrupted?)"
cp "$T/k/training.json" "$T/training.json"
"$AWD" "${K[@]}" >/dev/null 2>&1 && ok || bad "rerun after a kill in the analysis"
cmp -s "$T/k/training.json" "$T/training.json" && ok || bad "rerun after a kill in the analysis trained again"
[ "$(state "$T/k")" = analysed ] && ok || bad "rerun after a kill in the analysis: state $(state "$T/k")"

# Data swapped after training: analyze refuses, naming the file; restored, it analyses.
cp "$DATA/t10k-labels-idx1-ubyte.gz" "$T/labels.gz"
"$PY" - "$DATA/t10k-labels-idx1-ubyte.gz" <<'PY'
import gzip, sys
b = bytearray(gzip.open(sys.argv[1]).read())
b[8] = (b[8] + 1) % 10  # the first label
gzip.open(sys.argv[1], "wb").write(bytes(b))
PY
expect_usage_error "data changed" "t10k-labels-idx1-ubyte.gz: changed since the run was trained \(now [0-9]+ bytes, CRC-32 [0-9a-f]{8}; .*t/config.json records" \
  "$AWD" analyze "$T/t" --name again
cp "$T/labels.gz" "$DATA/t10k-labels-idx1-ubyte.gz"
"$AWD" analyze "$T/t" --name again >/dev/null 2>&1 && ok || bad "analyze with the data restored"

# Bad values in a run's own files, and bad input found before any work.
"$PY" - "$T/t/config.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["samples"]["train_labels"][0] = 15; json.dump(j, open(sys.argv[1], "w"))
PY
expect_usage_error "label out of range in config.json" "t/config.json: training label 15 is out of range 0..9" \
  "$AWD" analyze "$T/t" --name edited
"$PY" - "$T/t/training.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); del j["epochs"]; json.dump(j, open(sys.argv[1], "w"))
PY
expect_usage_error "key missing in training.json" "t/training.json: incomplete training record .*'epochs'" \
  "$AWD" analyze "$T/t" --name edited
expect_usage_error "network too large" "training needs about [0-9.]+ [GT]B, more than the" \
  "$AWD" train --data "$DATA" --hidden 30000000 -o "$T/big"
[ ! -e "$T/big" ] && ok || bad "a refused training made its folder"
# Train and test images of different sizes.
mkdir -p "$T/mixed"
"$PY" - "$T/mixed" <<'PY'
import struct, sys
def idx(path, n, side):
    open(path + "-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 2051, n, side, side) + bytes(n * side * side))
    open(path + "-labels-idx1-ubyte", "wb").write(struct.pack(">II", 2049, n) + bytes(i % 10 for i in range(n)))
idx(sys.argv[1] + "/train", 50, 28)
idx(sys.argv[1] + "/t10k", 50, 27)
PY
expect_usage_error "image sizes differ" "t10k-images-idx3-ubyte: test images of 27x27 do not match the training images of 28x28" \
  "$AWD" train --data "$T/mixed" -M 1 --n-test 5 -o "$T/m"

finish consistency
