#!/usr/bin/env bash
# awd never deletes what it did not write and never mixes two experiments:
# every folder it writes is marked with its kind, a folder of the user's files
# survives every command byte for byte (with and without --force), sweeps and
# runs record their input files and refuse changed ones from any working
# directory, a failed solution does not stop a sweep's report, and the minor
# refusals of the command line. Small generated .npy data, about a second per command.
#   ownership_test.sh AWD SOURCE_DIR
AWD=$(realpath "$1")
SRC=$2
. "$(dirname "$0")/lib.sh" awd-ownership
PY=/usr/bin/python3

# Two data sets of the same shape (3 classes, 8x8 inputs) and a features folder.
"$PY" - "$T" <<'PY'
import os, sys
import numpy as np
T = sys.argv[1]
def data(d, seed):
    rng = np.random.default_rng(seed)
    os.makedirs(d)
    for split in ("train", "test"):
        np.save(f"{d}/x_{split}.npy", (rng.random((60, 8, 8)) * 255).astype(np.uint8))
        np.save(f"{d}/y_{split}.npy", np.arange(60) % 3)
data(f"{T}/A/d", 1)
data(f"{T}/B/d", 2)
rng = np.random.default_rng(3)
f = f"{T}/F"
os.makedirs(f)
np.save(f"{f}/a_train.npy", rng.random((30, 6)))
np.save(f"{f}/a_test.npy", rng.random((15, 6)))
np.save(f"{f}/y_train.npy", np.arange(30) % 3)
np.save(f"{f}/y_test.npy", np.arange(15) % 3)
np.save(f"{f}/W.npy", rng.standard_normal((3, 6)))
np.save(f"{f}/partners.npy", np.arange(15) % 3)
PY
D="$T/A/d"
TINY=(--data "$D" -M 10 --n-test 15 --max-epoch 3 -q)

# snap DIR: every file's checksum and every folder, to compare byte for byte.
snap() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum && find . -type d | sort); }
# user_files DIR: a user's notes, project and data in DIR.
user_files() {
  mkdir -p "$1/proj/sub" && echo "my notes" >"$1/notes.txt" && echo "x" >"$1/proj/f" && head -c 300 /dev/urandom >"$1/proj/sub/data.bin"
}
# survives NAME DIR BEFORE: DIR is as it was.
survives() { [ "$(snap "$2")" = "$3" ] && ok || bad "$1: $2 changed"; }

# A run of our own, and its weights.
"$AWD" run "${TINY[@]}" -o "$T/R" >/dev/null 2>"$T/err" && ok || bad "first run: $(cat "$T/err")"
[ "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["kind"])' "$T/R/.awd.json")" = run ] &&
  [ -f "$T/R/analysis/.awd.json" ] && ok || bad "the run or its analysis is not marked"

# Finding 1: analyze --features/--model -o a folder that is not an analysis': refused, even with --force.
mkdir -p "$T/s" && user_files "$T/s" && cp -r "$T/F" "$T/s/feats"
before=$(snap "$T/s")
for force in "" --force; do
  expect_usage_error "features -o . $force" "^awd: \.: not an analysis folder \(holds '[a-z.]+' and no summary.json\)" \
    env -C "$T/s" "$AWD" analyze --features feats -o . $force
  survives "features -o . $force" "$T/s" "$before"
done
before=$(snap "$D")
expect_usage_error "features -o DATA" "d: not an analysis folder" "$AWD" analyze --features "$T/F" -o "$D" --force
survives "features -o DATA" "$D" "$before"
before=$(snap "$T/R")
expect_usage_error "features -o RUN/weights" "weights: not an analysis folder" "$AWD" analyze --features "$T/F" -o "$T/R/weights" --force
expect_usage_error "features -o RUN" "R: holds a run \(.awd.json\), not an analysis" "$AWD" analyze --features "$T/F" -o "$T/R" --force
survives "features -o RUN" "$T/R" "$before"
# An analysis folder holding the user's files: --force replaces the analysis, the files stay.
"$AWD" analyze --features "$T/F" -o "$T/L" -q >/dev/null 2>&1 && ok || bad "features -o L"
user_files "$T/L"
rm "$T/L/.awd.json"  # as an awd before markers left it: known by its summary.json
before=$(snap "$T/L" | grep -v -e summary.json -e '\.csv' -e '\.awd\.json')
expect_usage_error "finished analysis" "L: already holds a finished analysis \(summary.json\); use --force" \
  "$AWD" analyze --features "$T/F" -o "$T/L"
"$AWD" analyze --features "$T/F" -o "$T/L" -q --force >/dev/null 2>"$T/err" && ok || bad "features --force over L: $(cat "$T/err")"
[ "$(snap "$T/L" | grep -v -e summary.json -e '\.csv' -e '\.awd\.json')" = "$before" ] && [ -f "$T/L/.awd.json" ] && ok ||
  bad "features --force over an analysis with the user's files"

# Finding 2: --name never names the run's own files and folders, nor a folder of the user's.
mkdir -p "$T/R/mine" && echo keep >"$T/R/mine/x.txt"
before=$(snap "$T/R")
for name in weights config.json model.pt noise.csv training.json; do
  for force in "" --force; do
    expect_usage_error "--name $name $force" "name $name: names a file or folder of the run itself" \
      "$AWD" analyze "$T/R" --name "$name" $force
  done
done
expect_usage_error "--name of the user's folder" "mine: not an analysis folder \(holds 'x.txt'" \
  "$AWD" analyze "$T/R" --name mine --force
survives "--name" "$T/R" "$before"
"$AWD" train "${TINY[@]}" --init-from "$T/R/weights" -o "$T/R2" >/dev/null 2>"$T/err" && ok || bad "init-from R/weights: $(cat "$T/err")"
rm -r "$T/R/mine"

# Finding 3: a sweep is never written into a run or a folder of the user's, and
# --force of a run never removes a sweep or a user's file.
SW=(sweep "${TINY[@]}" --param lr --values 0.1 --repeats 1 -j 1)
before=$(snap "$T/R")
expect_usage_error "sweep -o RUN" "R: holds a run \(.awd.json\), not a sweep" "$AWD" "${SW[@]}" -o "$T/R"
survives "sweep -o RUN" "$T/R" "$before"
mkdir -p "$T/u" && user_files "$T/u"
before=$(snap "$T/u")
expect_usage_error "sweep -o user folder" "u: not a sweep folder \(holds '[a-z.]+' and no sweep.json\)" "$AWD" "${SW[@]}" -o "$T/u"
expect_usage_error "run -o user folder" "u: not a run directory" "$AWD" run "${TINY[@]}" --force -o "$T/u"
survives "sweep/run -o user folder" "$T/u" "$before"
"$AWD" "${SW[@]}" -o "$T/S" >/dev/null 2>"$T/err" && ok || bad "sweep S: $(cat "$T/err")"
before=$(snap "$T/S")
for cmd in run train; do
  expect_usage_error "$cmd -o SWEEP --force" "S: holds a sweep \(.awd.json\), not a run" "$AWD" $cmd "${TINY[@]}" --force -o "$T/S"
done
expect_usage_error "run -o SWEEP/report" "report: holds a report \(.awd.json\), not a run" "$AWD" run "${TINY[@]}" --force -o "$T/S/report"
expect_usage_error "compare -o SWEEP" "S: holds a sweep \(.awd.json\), not a compare" \
  "$AWD" compare "${TINY[@]}" --learners 2 -B 5 --repeats 1 -o "$T/S"
survives "run/train/compare -o SWEEP" "$T/S" "$before"
expect_usage_error "train -o ANALYSIS" "analysis: holds an analysis \(.awd.json\), not a run" "$AWD" train "${TINY[@]}" -o "$T/R/analysis"
# The user's files in a run folder survive --force.
user_files "$T/R" && echo mine >"$T/R/weights/README"
user=$(cd "$T/R" && sha256sum notes.txt proj/f proj/sub/data.bin weights/README)
old_id=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$T/R/config.json")
for cmd in train run; do
  "$AWD" $cmd "${TINY[@]}" --seed 4 --force -o "$T/R" >/dev/null 2>"$T/err" && ok || bad "$cmd --force over R: $(cat "$T/err")"
  [ "$(cd "$T/R" && sha256sum notes.txt proj/f proj/sub/data.bin weights/README)" = "$user" ] && ok || bad "$cmd --force removed the user's files"
done
[ "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$T/R/config.json")" != "$old_id" ] && ok ||
  bad "run --force did not replace the run"

# Rerunning a finished run: "already finished", exit 0, nothing touched.
before=$(snap "$T/R")
"$AWD" run "${TINY[@]}" --seed 4 -o "$T/R" >"$T/out" 2>"$T/err" && grep -q "already finished" "$T/out" && ok ||
  bad "rerun of a finished run: $(cat "$T/out" "$T/err")"
survives "rerun of a finished run" "$T/R" "$before"
expect_usage_error "finished run, other analysis options" "already holds a finished run, analysed with other options \(summary.json differs at /analysis/basis\)" \
  "$AWD" run "${TINY[@]}" --seed 4 --basis fisher -o "$T/R"

# Finding 4: a sweep records absolute data paths and CRCs; resumed from another
# directory, or with the data changed, it is refused naming the path or file.
P4=(sweep --data d -M 10 --n-test 15 --max-epoch 3 -q --param lr --values 0.1,0.2 -j 1 -o "$T/P")
(cd "$T/A" && "$AWD" "${P4[@]}" --repeats 1 >/dev/null 2>"$T/err") && ok || bad "sweep from A: $(cat "$T/err")"
"$PY" - "$T" <<'PY' && ok || bad "sweep.json: absolute data path and CRCs"
import json, sys, zlib
T = sys.argv[1]
s = json.load(open(f"{T}/P/sweep.json"))
assert s["config"]["data"]["path"] == f"{T}/A/d", s["config"]["data"]
files = {f["path"]: f for f in s["data_files"]}
assert sorted(files) == sorted(f"{T}/A/d/{n}_{s}.npy" for n in "xy" for s in ("train", "test")), files
for p, f in files.items():
    b = open(p, "rb").read()
    assert f["bytes"] == len(b) and f["crc32"] == "%08x" % zlib.crc32(b), f
r = json.load(open(f"{T}/P/runs/lr=0.1/rep0/request.json"))
assert r["data"]["path"] == f"{T}/A/d" and r["data_files"] == s["data_files"], r
PY
expect_usage_error "sweep resumed from another directory" "P: holds a sweep of another experiment \(.*sweep.json differs at /config/data/path\)" \
  env -C "$T/B" "$AWD" "${P4[@]}" --repeats 2
[ ! -e "$T/P/runs/lr=0.1/rep1" ] && ok || bad "a refused sweep trained a solution"
cp "$T/A/d/x_test.npy" "$T/x_test.npy" && cp "$T/B/d/x_test.npy" "$T/A/d/x_test.npy"
expect_usage_error "sweep with changed data" "A/d/x_test.npy: changed since the sweep started \(now [0-9]+ bytes, CRC-32 [0-9a-f]{8}; .*P/sweep.json records" \
  env -C "$T/A" "$AWD" "${P4[@]}" --repeats 2
# A solution whose data changed after its sweep started refuses too (awd solve, the sweep's entry point).
expect_usage_error "solution with changed data" "A/d/x_test.npy: changed since the sweep started .*request.json records" \
  "$AWD" solve "$T/P/runs/lr=0.1/rep0" --threads 1
cp "$T/x_test.npy" "$T/A/d/x_test.npy"
# A sweep.json of an awd before: a relative path and no CRCs. Its finished solutions' records catch the other data.
"$PY" - "$T/P/sweep.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["config"]["data"]["path"] = "d"
del s["data_files"]
json.dump(s, open(sys.argv[1], "w"))
PY
expect_usage_error "old sweep resumed from another directory" "B/d/x_train.npy: read as the data now, but .*P/runs/lr=0.1/rep0/config.json does not record it" \
  env -C "$T/B" "$AWD" "${P4[@]}" --repeats 2
(cd "$T/A" && "$AWD" "${P4[@]}" --repeats 2 >/dev/null 2>"$T/err") && ok || bad "old sweep resumed where it started: $(cat "$T/err")"

# Finding 5: a solution that fails its self-check is a failed solution: exit 1, the rest reported.
"$AWD" sweep "${TINY[@]}" --param delta_scale --values 1,1e300 --repeats 1 -j 1 -o "$T/G" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && ok || bad "sweep with a failed self-check: exit $rc, $(tail -2 "$T/err")"
grep -q "FAILED     delta_scale=1e+300 rep0: self-check failed" "$T/out" && grep -q "1 run, 0 diverged, 1 failed" "$T/out" && ok ||
  bad "sweep with a failed self-check: $(cat "$T/out")"
"$PY" - "$T/G/report" <<'PY' && ok || bad "report of a sweep with a failed solution"
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
assert [f["value"] for f in r["failed"]] == ["1e+300"] and "self-check" in r["failed"][0]["reason"], r["failed"]
assert r["values"][0]["finished"] == 1 and r["values"][1]["failed"] == 1, r["values"]
assert "Failed solutions" in open(sys.argv[1] + "/report.html").read()
PY
"$AWD" report "$T/G" >"$T/out" 2>"$T/err" && grep -q "FAILED" "$T/out" && ok || bad "awd report of G: $(cat "$T/err")"
"$AWD" sweep "${TINY[@]}" --param delta_scale --values 1,1e300 --repeats 1 -j 1 -o "$T/G" >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "1 already finished, 0 run, 0 diverged, 1 failed" "$T/out" && ok || bad "resumed G: exit $rc, $(tail -1 "$T/out")"

# Finding 6: experiment files are validated as config files are.
echo '{"parameter": "lr", "values": [0.1], "repeats": 2.9}' >"$T/e.json"
expect_usage_error "repeats 2.9" "e.json: repeats: must be an integer, not 2.9" "$AWD" sweep --experiment "$T/e.json" -o "$T/E"
[ ! -e "$T/E" ] && ok || bad "a refused experiment made its folder"

# Finding 7: a trained run whose --init-from files changed is not only analysed.
cp -r "$T/R/weights" "$T/W" && rm "$T/W/README"
"$AWD" train "${TINY[@]}" --init-from "$T/W" -o "$T/I" >/dev/null 2>"$T/err" && ok || bad "train --init-from W: $(cat "$T/err")"
"$PY" -c "
import numpy as np, sys
w = np.load(sys.argv[1]); np.save(sys.argv[1], w + 1)" "$T/W/fc2.weight.npy"
expect_usage_error "init-from changed" "W/fc2.weight.npy: changed since the run was trained .*; use --force to train I again" \
  env -C "$T" "$AWD" run "${TINY[@]}" --init-from W -o I
old_id=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$T/I/config.json")
"$AWD" run "${TINY[@]}" --init-from "$T/W" --force -o "$T/I" >/dev/null 2>"$T/err" && ok || bad "run --force after init change: $(cat "$T/err")"
"$PY" - "$T" "$old_id" <<'PY' && ok || bad "retrained from the new weights"
import json, sys, zlib
T, old = sys.argv[1], sys.argv[2]
c = json.load(open(f"{T}/I/config.json"))
assert c["run_id"] != old and c["model"]["init_from"] == f"{T}/W", c["model"]
f = [f for f in c["init_files"] if f["path"].endswith("fc2.weight.npy")][0]
assert f["crc32"] == "%08x" % zlib.crc32(open(f"{T}/W/fc2.weight.npy", "rb").read()), f
PY

# report --compare: never into its inputs or another awd folder; into the user's files only with --force; run ids and CRCs checked.
"$AWD" run "${TINY[@]}" -o "$T/R3" >/dev/null 2>&1 || bad "run R3"
CMPF=(report --compare "$T/R/analysis" "$T/R3/analysis")
for out in "$T/R/analysis" "$T/R3/analysis/sub"; do
  expect_usage_error "report --compare -o an input" "is the compared folder .* or inside it" "${AWD}" "${CMPF[@]}" -o "$out" --force
done
expect_usage_error "report --compare -o RUN" "R: holds a run \(.awd.json\), not a report" "$AWD" "${CMPF[@]}" -o "$T/R" --force
before=$(snap "$T/u")
expect_usage_error "report --compare -o user folder" "u: not a report folder .*or --force" "$AWD" "${CMPF[@]}" -o "$T/u"
survives "report --compare -o user folder" "$T/u" "$before"
"$AWD" "${CMPF[@]}" -o "$T/u" --force >/dev/null 2>"$T/err" && [ -s "$T/u/compare.csv" ] && ok || bad "report --compare --force: $(cat "$T/err")"
[ "$(snap "$T/u" | grep -e notes.txt -e proj/)" = "$(echo "$before" | grep -e notes.txt -e proj/)" ] && ok || bad "report --compare --force touched the user's files"
cp -r "$T/R3/analysis" "$T/R/old"  # an analysis of another run, copied in
expect_usage_error "report --compare: foreign run id" "old/summary.json: belongs to another run than .*R/config.json" \
  "$AWD" report --compare "$T/R/analysis" "$T/R/old" -o "$T/C"
cp "$T/B/d/x_test.npy" "$T/A/d/x_test.npy"
expect_usage_error "report --compare: data changed" "A/d/x_test.npy: changed since the run was trained" "$AWD" "${CMPF[@]}" -o "$T/C"
cp "$T/x_test.npy" "$T/A/d/x_test.npy"
[ ! -e "$T/C" ] && ok || bad "a refused report --compare made its folder"

# The minor refusals, each before any folder is made.
expect_usage_error "--stop-accuracy 2" "stop_accuracy must be in \[0, 1\)" "$AWD" run "${TINY[@]}" --stop-accuracy 2 -o "$T/m1"
expect_usage_error "-B beyond the training set" "batch_size \(B\) 100000 exceeds the 30 training samples" \
  "$AWD" run "${TINY[@]}" -B 100000 -o "$T/m2"
expect_usage_error "--n-sharp beyond N" "n_sharp 5000 exceeds the 900 directions of the layer" "$AWD" run "${TINY[@]}" --n-sharp 5000 -o "$T/m3"
expect_usage_error "--seed beyond 2^64 - 1" "seed: 99999999999999999999 exceeds 18446744073709551615" \
  "$AWD" run "${TINY[@]}" --seed 99999999999999999999 -o "$T/m4"
expect_usage_error "--seed 1e30" "seed: '1e30' is not a whole number" "$AWD" run "${TINY[@]}" --seed 1e30 -o "$T/m5"
for m in m1 m2 m3 m4 m5; do [ ! -e "$T/$m" ] || bad "a refused run made $m"; done
echo '{"train": {"batch_size": 5.0, "max_epoch": 2e0}}' >"$T/int.json"
"$AWD" train --config "$T/int.json" --data "$D" -M 10 --n-test 15 -q -o "$T/m6" >/dev/null 2>"$T/err" &&
  "$PY" -c "import json,sys; t=json.load(open(sys.argv[1]))['train']; assert t['batch_size']==5 and t['max_epoch']==2, t" \
    "$T/m6/config.json" && ok || bad "integral floats in a config file: $(cat "$T/err")"
# Options a route of awd analyze would ignore are refused, before any folder is made.
for opt in "--data $D" "-o $T/m7" "--n-test 5" "--seed 3" "--normalize 0.5,0.2" "--max-memory 1G" --float64-activities; do
  expect_usage_error "analyze RUN_DIR $opt" "analyze RUN_DIR does not use ${opt%% *} \(it would be ignored\)" \
    "$AWD" analyze "$T/R" --name m7 $opt
done
for opt in "--layer fc1" "--name x" "--data $D" "--n-test 5" "--seed 3"; do
  expect_usage_error "analyze --features $opt" "analyze --features does not use ${opt%% *} \(it would be ignored\)" \
    "$AWD" analyze --features "$T/F" -o "$T/m8" $opt
done
expect_usage_error "analyze --model --name" "analyze --model does not use --name" \
  "$AWD" analyze --model "$T/none.pt" --data "$D" -o "$T/m9" --name x
for m in R/m7 m7 m8 m9; do [ ! -e "$T/$m" ] || bad "a refused analyze made $m"; done
# --help and the README name the same budget of the automatic basis choice.
budget=$("$AWD" run --help | grep -o "predicted within [0-9]* s" | head -1)
[ -n "$budget" ] && grep -q "is $budget" "$SRC/README.md" && ok || bad "--help ('$budget') and the README disagree on the dense budget"

finish ownership
