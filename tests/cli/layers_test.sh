#!/usr/bin/env bash
# awd analyze --layer all / --layer LIST on a run, and awd run --layer all:
# every row of layers.csv is what a separate `awd analyze --layer LAYER` of the
# same run gives, checked against that analysis' own files and the saved
# weights (not against layers.csv's writer); layers the options exclude are
# named with the reason; a finished run is recognised as finished.
#   layers_test.sh AWD SHARED_DATA   (lib.sh test_data: which data)
AWD=$1
. "$(dirname "$0")/lib.sh" awd-layers
test_data "$2"

# A 3-layer MLP: fc1 has 7840 weights, fc2 and fc3 100 each. --layer all by
# their top 40 directions; a list of the small layers by all N (dense).
if "$AWD" train --data "$MNIST" -M 20 --n-test 100 --hidden 10,10 -q -o "$T/run" >"$T/train.out" 2>"$T/train.err"
then ok; else bad "train: $(cat "$T/train.err")"; fi
if "$AWD" analyze "$T/run" --layer all --basis-rank 40 --name all -q >"$T/all.out" 2>"$T/all.err"; then ok; else bad "all: $(cat "$T/all.err")"; fi
if "$AWD" analyze "$T/run" --layer fc3,fc2 --name list -q >/dev/null 2>"$T/l.err"; then ok; else bad "list: $(cat "$T/l.err")"; fi
for l in fc1 fc2 fc3; do
  "$AWD" analyze "$T/run" --layer $l --basis-rank 40 --name top_$l -q >/dev/null 2>"$T/$l.err" && ok || bad "--layer $l: $(cat "$T/$l.err")"
done
for l in fc2 fc3; do
  "$AWD" analyze "$T/run" --layer $l --name dense_$l -q >/dev/null 2>"$T/$l.err" && ok || bad "--layer $l: $(cat "$T/$l.err")"
done
for f in layers.csv layers.json report.html figures fc1/summary.json fc3/directions.csv; do
  [ -e "$T/run/all/$f" ] && ok || bad "missing all/$f"
done
grep -q "^fc1 " "$T/all.out" && ok || bad "no per-layer table on stdout: $(cat "$T/all.out")"

/usr/bin/python3 - "$T/run" <<'PY' && ok || bad "layers.csv against separate analyses"
import csv, json, sys, numpy as np
run = sys.argv[1]
def close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(1.0, abs(b))
def check(folder, prefix, layers, request):
    rows = list(csv.DictReader(open(run + "/" + folder + "/layers.csv")))
    assert [r["layer"] for r in rows] == layers, rows
    rec = json.load(open(run + "/" + folder + "/layers.json"))
    assert rec["request"] == request and rec["skipped"] == [] and rec["awd_version"], rec
    assert rec["config"]["train"]["seed"] == json.load(open(run + "/config.json"))["train"]["seed"]
    for r in rows:
        one = run + "/" + prefix + r["layer"]
        s = json.load(open(one + "/summary.json"))
        d = list(csv.DictReader(open(one + "/directions.csv")))
        w = np.load(run + "/weights/" + r["layer"] + ".weight.npy").astype(np.float64)
        rest = s.get("top_k", {}).get("remainder", {}).get("dL", 0.0)
        want = {"N": w.size, "directions": len(d), "dL": s["gap"], "dL_p": s["pair_gap"],
                "sum_dL_i": sum(float(x["dL_i"]) for x in d), "dL_rest": rest,
                "dL_s": s["dL_sharp"], "dL_f": s["dL_flat"], "n_s": s["n_sharp"],
                "lambda_max": max(float(x["lambda"]) for x in d), "||W||": np.linalg.norm(w)}
        for k, v in want.items():
            assert close(float(r[k]), v), (folder, r["layer"], k, r[k], v)
        # Eq. 10 over all N: the computed directions and the remainder sum to dL_p.
        total = s["top_k"]["total"]["eq10"] if "top_k" in s else s["eq10_sum"]
        assert close(total, float(r["dL_p"])), (r, total)
        if "top_k" not in s:
            assert len(d) == w.size and r["certificate"] == "exact", r
        elif s["top_k"]["certificate"]["certified"]:
            assert r["certificate"] == "certified", r
        else:
            ranks = s["top_k"]["certificate"]["certified_ranks"]
            want = "not certified" if ranks == 0 else "(ranks 1-%d)" % ranks
            assert r["certificate"].endswith(want), (r, ranks)
check("all", "top_", ["fc1", "fc2", "fc3"], "all")
check("list", "dense_", ["fc3", "fc2"], "fc3,fc2")
PY

# A basis rank that fc2 and fc3 (100 weights) cannot take: all analyses fc1 and names the others.
if "$AWD" analyze "$T/run" --layer all --basis-rank 120 --name k120 -q >"$T/k.out" 2>"$T/k.err"; then ok; else bad "all k120: $(cat "$T/k.err")"; fi
/usr/bin/python3 - "$T/run/k120" <<'PY' && ok || bad "left-out layers"
import csv, json, sys
d = sys.argv[1]
assert [r["layer"] for r in csv.DictReader(open(d + "/layers.csv"))] == ["fc1"]
sk = json.load(open(d + "/layers.json"))["skipped"]
assert [s["layer"] for s in sk] == ["fc2", "fc3"] and all("basis_rank 120" in s["reason"] for s in sk), sk
PY
grep -q "left out fc2: " "$T/k.out" && ok || bad "left-out layer not printed"

# The errors of a list, in one line each, before anything is written.
expect_error "unknown listed layer" "no layer 'fc9' to analyse \(layers: fc1, fc2, fc3\)" "$AWD" analyze "$T/run" --layer fc1,fc9 --name bad
expect_error "repeated layer" "fc2 given twice" "$AWD" analyze "$T/run" --layer fc2,fc2 --name bad
expect_error "listed layer that cannot be" "layer fc2: basis_rank 120 must be below" "$AWD" analyze "$T/run" --layer fc1,fc2 --basis-rank 120 --name bad
[ -e "$T/run/bad" ] && bad "a refused request left a folder" || ok
expect_error "existing" "list: already holds an analysis of several layers \(layers.json\); use --force" \
  "$AWD" analyze "$T/run" --layer fc3,fc2 --name list
expect_error "over one layer's analysis" "top_fc1: already holds an analysis \(summary.json\); use --force" \
  "$AWD" analyze "$T/run" --layer all --name top_fc1
# --force replaces it with one layer's analysis: nothing of the several layers stays.
if "$AWD" analyze "$T/run" --layer fc2 --name list --force -q >/dev/null 2>"$T/f.err"; then ok; else bad "force: $(cat "$T/f.err")"; fi
[ -s "$T/run/list/summary.json" ] && [ ! -e "$T/run/list/fc3" ] && [ ! -e "$T/run/list/layers.json" ] &&
  [ ! -e "$T/run/list/figures" ] && ok || bad "--force left files of the several layers: $(ls "$T/run/list")"

# awd run --layer all: the run's analysis step analyses every layer into
# RUN_DIR/analysis/LAYER; each is what a separate awd analyze --layer LAYER of
# the same run writes, file for file, and each row of layers.csv agrees with it.
RUN=(run --data "$MNIST" -M 20 --n-test 100 --hidden 10,10 --layer all --basis-rank 40 -q -o "$T/r")
if "$AWD" "${RUN[@]}" >"$T/r.out" 2>"$T/r.err"; then ok; else bad "run --layer all: $(cat "$T/r.err")"; fi
head -1 "$T/r.out" | grep -q "^training   .* after [0-9]* epochs" && ok || bad "run: no training line first: $(cat "$T/r.out")"
for l in fc1 fc2 fc3; do
  grep -q "^$l " "$T/r.out" && ok || bad "run: no row of $l on stdout: $(cat "$T/r.out")"
  "$AWD" analyze "$T/r" --layer $l --basis-rank 40 --name one_$l -q >/dev/null 2>"$T/$l.err" && ok || bad "--layer $l: $(cat "$T/$l.err")"
  for f in directions.csv pairs.csv; do
    cmp -s "$T/r/analysis/$l/$f" "$T/r/one_$l/$f" && ok || bad "run --layer all: $l/$f differs from awd analyze --layer $l"
  done
done
/usr/bin/python3 - "$T/r" <<'PY' && ok || bad "run: layers.csv against separate analyses"
import csv, json, sys, numpy as np
run = sys.argv[1]
rows = list(csv.DictReader(open(run + "/analysis/layers.csv")))
assert [r["layer"] for r in rows] == ["fc1", "fc2", "fc3"], rows
rec = json.load(open(run + "/analysis/layers.json"))
assert rec["request"] == "all" and rec["skipped"] == [], rec
own = json.load(open(run + "/config.json"))
for r in rows:
    a = json.load(open(run + "/analysis/" + r["layer"] + "/summary.json"))
    s = json.load(open(run + "/one_" + r["layer"] + "/summary.json"))
    assert a["run_id"] == own["run_id"], (a["run_id"], own["run_id"])
    for k in ("gap", "pair_gap", "dL_sharp", "dL_flat", "n_sharp", "eq10_sum", "weight_norm", "test_error"):
        if k in s:
            assert a[k] == s[k], (r["layer"], k, a[k], s[k])  # the same numbers, bit for bit
    d = list(csv.DictReader(open(run + "/one_" + r["layer"] + "/directions.csv")))
    w = np.load(run + "/weights/" + r["layer"] + ".weight.npy")
    want = {"N": w.size, "directions": len(d), "dL": s["gap"], "dL_p": s["pair_gap"], "dL_s": s["dL_sharp"],
            "dL_f": s["dL_flat"], "n_s": s["n_sharp"], "||W||": np.linalg.norm(w.astype(np.float64))}
    for k, v in want.items():
        assert abs(float(r[k]) - v) <= 1e-9 * max(1.0, abs(v)), (r["layer"], k, r[k], v)
PY
for f in layers.csv layers.json report.html figures; do [ -e "$T/r/analysis/$f" ] && ok || bad "run: missing analysis/$f"; done

# The same command again: finished, nothing redone.
touch -d '2001-01-01' "$T/r/analysis/layers.json"
if "$AWD" "${RUN[@]}" >"$T/again.out" 2>"$T/again.err"; then ok; else bad "rerun: $(cat "$T/again.err")"; fi
grep -q "already finished" "$T/again.out" && ok || bad "rerun not recognised as finished: $(cat "$T/again.out")"
[ "$(stat -c %Y "$T/r/analysis/layers.json")" = "$(date -d '2001-01-01' +%s)" ] && ok || bad "rerun rewrote layers.json"
# Other analysis options are refused; an analysis interrupted before its layers.json is finished again.
expect_error "rerun, other options" "already holds a finished run, analysed with other options \(layers.json differs at /analysis/basis_rank\)" \
  "$AWD" run --data "$MNIST" -M 20 --n-test 100 --hidden 10,10 --layer all --basis-rank 50 -q -o "$T/r"
rm "$T/r/analysis/layers.json"
if "$AWD" "${RUN[@]}" >"$T/resume.out" 2>"$T/resume.err"; then ok; else bad "resume: $(cat "$T/resume.err")"; fi
grep -q "^fc3 " "$T/resume.out" && [ -s "$T/r/analysis/layers.json" ] && ok || bad "resume did not analyse: $(cat "$T/resume.out")"
cmp -s "$T/r/analysis/fc2/directions.csv" "$T/r/one_fc2/directions.csv" && ok || bad "resume: other numbers"
# A later awd analyze of the run without --layer: the run's request names several.
expect_usage_error "analyze of a several-layer run" "the run analyses several layers \(--layer all\); give --layer all or one layer" \
  "$AWD" analyze "$T/r" --name again

# What cannot work is refused in one line before anything is trained.
TINY=(run --data "$MNIST" -M 20 --n-test 100 --hidden 10,10 -q)
expect_usage_error "run, unknown layer" "no layer 'fc9' to analyse \(layers: fc1, fc2, fc3\)" "$AWD" "${TINY[@]}" --layer fc1,fc9 -o "$T/bad"
expect_usage_error "run, snapshots" "awd: --analyze-every analyses one layer along training; --layer all names several" \
  "$AWD" "${TINY[@]}" --layer all --analyze-every 5 -o "$T/bad"
expect_usage_error "run, noise" "awd: --noise-every records one layer's noise; --layer fc1,fc2 names several" \
  "$AWD" "${TINY[@]}" --layer fc1,fc2 --noise-every 5 -o "$T/bad"
[ -e "$T/bad" ] && bad "a refused run left a folder" || ok
expect_usage_error "sweep" "awd: --layer all: a sweep analyses one layer per solution" \
  "$AWD" sweep --param lr --values 0.1 --repeats 1 --data "$MNIST" -M 20 --n-test 100 --layer all -q -o "$T/sw"
expect_usage_error "compare" "awd: --layer fc1,fc2: a compare analyses one layer per solution" \
  "$AWD" compare --repeats 1 --data "$MNIST" -M 20 --n-test 100 --learners 2 -B 10 --layer fc1,fc2 -q -o "$T/cmp"
[ -e "$T/sw" ] || [ -e "$T/cmp" ] && bad "a refused sweep or compare left a folder" || ok

finish layers
