#!/usr/bin/env bash
# The awd command line as a user meets it: one small real run, re-analysis,
# config files, and bad input (one clear line, non-zero exit, nothing half-written).
#   cli_test.sh AWD SHARED_DATA   (lib.sh test_data: which data)
AWD=$1
. "$(dirname "$0")/lib.sh" awd-cli
test_data "$2"

SMALL=(--data "$MNIST" -M 20 --n-test 100 -q)
FLAT=(--flatness-top 10)

# A real run.
if "$AWD" run "${SMALL[@]}" "${FLAT[@]}" -o "$T/run" >"$T/run.out" 2>"$T/run.err"; then ok; else bad "run failed: $(cat "$T/run.err")"; fi
for f in config.json model.pt training.json weights/fc1.weight.npy weights/fc2.weight.npy weights/fc3.weight.npy \
         analysis/summary.json analysis/directions.csv analysis/pairs.csv analysis/flatness.csv \
         analysis/coverage.csv; do
  [ -s "$T/run/$f" ] && ok || bad "missing $f"
done
grep -q "Eq. 10" "$T/run.out" && ok || bad "no summary table on stdout"
[ "$(wc -l <"$T/run/analysis/directions.csv")" -eq 901 ] && ok || bad "directions.csv should have 900 rows"
[ "$(wc -l <"$T/run/analysis/pairs.csv")" -eq 101 ] && ok || bad "pairs.csv should have 100 rows"
ls "$T/run" | grep -q '\.tmp\.' && bad "temporary files left behind" || ok

# Outputs readable without LibTorch, and consistent with each other.
/usr/bin/python3 - "$T/run" <<'PY' && ok || bad "numpy/json checks"
import csv, json, sys, numpy as np
run = sys.argv[1]
w = np.load(run + "/weights/fc2.weight.npy")
assert w.shape == (30, 30) and w.dtype == np.float32, w.shape
s = json.load(open(run + "/analysis/summary.json"))
assert abs(np.linalg.norm(w.astype(np.float64)) - s["weight_norm"]) < 1e-9 * s["weight_norm"]
assert s["eq10_residual"] < 1e-12 and s["duality_max_residual"] < 1e-10, s
rows = list(csv.DictReader(open(run + "/analysis/directions.csv")))
assert abs(sum(float(r["dL_i"]) for r in rows) - s["sum_dL"]) < 1e-9
pairs = list(csv.DictReader(open(run + "/analysis/pairs.csv")))
kept = [float(p["l_k"]) for p in pairs if p["kept"] == "1"]
assert abs(sum(kept) / len(kept) - s["pair_gap"]) < 1e-12
flat = list(csv.DictReader(open(run + "/analysis/flatness.csv")))
assert len(flat) == 10 and [int(r["rank"]) for r in flat] == list(range(1, 11)), flat
assert [int(r["basis_index"]) for r in flat] == [int(r["basis_index"]) for r in rows[:10]]
assert all(abs(float(r["F"]) - float(r["t_plus"]) - float(r["t_minus"])) <= 1e-12 * float(r["F"]) for r in flat)
assert len(s["flatness_F"]) == 10
cov = list(csv.DictReader(open(run + "/analysis/coverage.csv")))
assert len(cov) == 20 and int(cov[-1]["pairs"]) == len(kept), cov[-1]
assert abs(float(cov[-1]["pair_gap"]) - s["pair_gap"]) < 1e-12
c = json.load(open(run + "/config.json"))
assert len(c["samples"]["train_indices"]) == 200 and len(c["samples"]["test_indices"]) == 100
assert not set(c["samples"]["train_indices"]) & set(c["samples"]["test_indices"])
assert c["data_files"][0]["crc32"] and c["awd_version"]
PY

# Re-analysis with other options into a new folder.
if "$AWD" analyze "$T/run" --name fisher --basis fisher --max-test 50 -q >"$T/an.out" 2>"$T/an.err"; then ok; else bad "analyze: $(cat "$T/an.err")"; fi
/usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['basis']=='fisher' and s['pairs_kept']+s['pairs_skipped']==50" \
  "$T/run/fisher/summary.json" && ok || bad "fisher re-analysis"
# The top-k basis with its exact remainder (Eq. 10 over all N), and the spectrum.
if "$AWD" analyze "$T/run" --name top --basis-rank 20 --spectrum -q >"$T/top.out" 2>"$T/top.err"; then ok; else bad "top-k: $(cat "$T/top.err")"; fi
/usr/bin/python3 - "$T/run/top" <<'PY' && ok || bad "top-k outputs"
import csv, json, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
t = s["top_k"]
assert t["k"] == 20 and s["config"]["analysis"]["basis_rank"] == 20
assert abs(t["total"]["eq10"] - s["pair_gap"]) < 1e-12, (t["total"]["eq10"], s["pair_gap"])
assert isinstance(t["certificate"]["certified"], bool)
assert len(list(csv.reader(open(d + "/directions.csv")))) == 21
rows = [list(map(float, r)) for r in list(csv.reader(open(d + "/spectrum.csv")))[1:]]
mass = sum(r[1] for r in rows) * (rows[1][0] - rows[0][0])
assert abs(mass - 1) < 1e-3, mass
assert s["spectrum"]["trace"] > 0
PY
grep -q "top-k      20 of 900 directions" "$T/top.out" && ok || bad "no top-k line: $(cat "$T/top.out")"
expect_error "basis rank too large" "basis_rank 900 must be below the layer's 900 weights" "$AWD" analyze "$T/run" --name top2 --basis-rank 900

# Config file, overridden by flags.
echo '{"train": {"batch_size": 50, "max_epoch": 3}, "data": {"per_class": 10}}' >"$T/cfg.json"
"$AWD" train --config "$T/cfg.json" --data "$MNIST" --n-test 20 --max-epoch 2 -q -o "$T/cfgrun" >/dev/null 2>&1 && ok || bad "train with config"
/usr/bin/python3 -c "
import json,sys; c=json.load(open(sys.argv[1])); t=json.load(open(sys.argv[2]))
assert c['train']['batch_size']==50 and c['train']['max_epoch']==2 and c['data']['per_class']==10 and t['epochs']==2" \
  "$T/cfgrun/config.json" "$T/cfgrun/training.json" && ok || bad "config file + flag override"

# --help lists options with their SPEC defaults.
"$AWD" run --help >"$T/help" 2>&1
grep -q -- "--lr FLOAT=0.1 " "$T/help" && grep -q -- "--batch-size INT=25 " "$T/help" && ok || bad "help defaults: $(head -5 "$T/help")"

# Bad input.
expect_error "missing data folder" "no/such/dir: data folder does not exist" "$AWD" train --data "$T/no/such/dir" -o "$T/x1"
mkdir -p "$T/corrupt"
head -c 5000 "$MNIST/t10k-images-idx3-ubyte.gz" >"$T/corrupt/t10k-images-idx3-ubyte.gz"
cp "$MNIST/t10k-labels-idx1-ubyte.gz" "$T/corrupt/"
expect_error "truncated data file" "corrupt/t10k-images-idx3-ubyte.gz: " "$AWD" train --data "$T/corrupt" -o "$T/x2"
# The count in the message, from the label file itself (980 on the MNIST test split).
n0=$(/usr/bin/python3 -c "import gzip, sys; print(gzip.open(sys.argv[1]).read()[8:].count(0))" "$MNIST/t10k-labels-idx1-ubyte.gz")
[ "$AWD_TEST_REAL_MNIST" = 0 ] || [ "$n0" = 980 ] && ok || bad "the MNIST test split has 980 zeros, not $n0"
expect_error "M too large" "class 0 has $n0 samples" "$AWD" train --data "$MNIST" -M 100000 -o "$T/x3"
expect_error "unknown layer" "no layer named 'fc7'" "$AWD" analyze "$T/run" --layer fc7 --name x
expect_error "non-dense layer" "layer 'relu1' is not dense" "$AWD" analyze "$T/run" --layer relu1 --name y
expect_error "finished run" "already holds a finished run.*--force" "$AWD" run "${SMALL[@]}" -o "$T/run"
# Validation at the edge: one "awd:" line and exit 2 before any work.
expect_usage_error "unknown option" "^awd: The following arguments? (was|were) not expected: --no-such-option" \
  "$AWD" train --no-such-option -o "$T/v0"
for opt in --stop-loss --stop-accuracy --lr --weight-decay --init-scale --momentum; do
  for v in inf nan; do
    expect_usage_error "$opt $v" "must be a finite number" "$AWD" train "${SMALL[@]}" "$opt" "$v" -o "$T/v1"
  done
done
expect_usage_error "--delta-scale inf" "delta_scale must be a finite number" "$AWD" analyze "$T/run" --delta-scale inf --name v
expect_usage_error "negative seed" "seed" "$AWD" train "${SMALL[@]}" --seed -1 -o "$T/v2"
echo '{"data": {"per_class": 20.9}}' >"$T/frac.json"
expect_usage_error "fractional per_class" "per_class: must be an integer, not 20.9" "$AWD" train --config "$T/frac.json" -o "$T/v3"
echo '{"train": {"seed": -1}}' >"$T/negseed.json"
expect_usage_error "negative seed in a config" "seed: must be a non-negative integer" "$AWD" train --config "$T/negseed.json" -o "$T/v4"
expect_usage_error "empty analysis name" "name must be a plain folder name" "$AWD" analyze "$T/run" --name ""
expect_usage_error "analysis name out of the run" "name must be a plain folder name" "$AWD" analyze "$T/run" --name ../x
expect_usage_error "n x b beyond the training set" "learners x batch_size = 4 x 30 = 120 exceeds the 100" \
  "$AWD" train --data "$MNIST" -M 10 --learners 4 -B 30 -o "$T/v5"
[ ! -e "$T/v1" ] && [ ! -e "$T/v5" ] && ok || bad "a refused command left a folder behind"
# awd run checks the layer and the basis rank before training, not after.
expect_usage_error "run: unknown layer" "no layer named 'fc7'" "$AWD" run "${SMALL[@]}" --layer fc7 -o "$T/v6"
expect_usage_error "run: basis rank too large" "basis_rank 900 must be below" "$AWD" run "${SMALL[@]}" --basis-rank 900 -o "$T/v7"
[ ! -e "$T/v6" ] && [ ! -e "$T/v7" ] && ok || bad "a run refused for its layer left a folder behind"
# Self-checks are enforced: gamma = 1e300 overflows Eq. 10; the results stay, marked.
expect_usage_error "failed self-check" "huge: self-check failed: Eq. 10 residual" "$AWD" analyze "$T/run" --delta-scale 1e300 --name huge
/usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['self_check']['passed'] is False" \
  "$T/run/huge/summary.json" && ok || bad "failed self-check not marked in summary.json"

expect_error "existing analysis" "fisher: already holds an analysis of this run \(summary.json\); use --force" "$AWD" analyze "$T/run" --name fisher
expect_error "output not writable" "cannot create output folder" "$AWD" train "${SMALL[@]}" -o "$T/run/config.json/sub"
expect_error "bad batch size" "batch_size \(B\) must be at least 1" "$AWD" train "${SMALL[@]}" -B 0 -o "$T/x4"
expect_error "bad dropout" "dropout \(d\) must be in" "$AWD" train "${SMALL[@]}" -d 1 -o "$T/x5"
expect_error "more learners than samples" "learners \(n = 201\) exceed the 200 training samples" "$AWD" train "${SMALL[@]}" --learners 201 -o "$T/x7"
expect_error "bad algo" "algo must be ssgd or dpsgd" "$AWD" train "${SMALL[@]}" --learners 2 --algo asgd -o "$T/x8"
expect_error "not a run dir" "not a run directory" "$AWD" analyze "$T/corrupt"
expect_error "bad config file" "cfg2.json: train.speed: unknown option" sh -c "echo '{\"train\":{\"speed\":1}}' >$T/cfg2.json && exec $AWD train --config $T/cfg2.json -o $T/x6"
expect_error "diverged" "training diverged at epoch" "$AWD" train "${SMALL[@]}" --lr 1e6 -s 50 --max-epoch 50 -o "$T/div"
grep -q '"stop_reason": "diverged"' "$T/div/training.json" && ok || bad "diverged run not recorded"
expect_error "diverged run analysis" "training diverged" "$AWD" analyze "$T/div"
# --init-from: a run's weights/ folder starts another run, recorded with each file's size and CRC-32.
"$AWD" train "${SMALL[@]}" --max-epoch 1 --init-from "$T/run/weights" -o "$T/init" >/dev/null 2>"$T/init.err" && ok ||
  bad "train --init-from: $(cat "$T/init.err")"
/usr/bin/python3 - "$T" <<'PY' && ok || bad "init_files in config.json"
import json, os, sys, zlib
c = json.load(open(sys.argv[1] + "/init/config.json"))
files = c["init_files"]
assert c["model"]["init_from"].endswith("run/weights") and len(files) == 3, files
for f in files:
    data = open(f["path"], "rb").read()
    assert f["bytes"] == len(data) and f["crc32"] == "%08x" % zlib.crc32(data), f
PY
expect_error "init-from missing folder" "no/weights: not a folder of weights" "$AWD" train "${SMALL[@]}" --init-from "$T/no/weights" -o "$T/x9"
expect_error "init-from other network" "fc1.weight.npy: shape \[30, 784\], but the model's tensor is \[20, 784\]" \
  "$AWD" train "${SMALL[@]}" --hidden 20,30 --init-from "$T/run/weights" -o "$T/x10"
# The forced re-run replaces the old one, its analyses too (consistency_test.sh tests more).
cp -r "$T/run" "$T/runF"
"$AWD" train "${SMALL[@]}" --max-epoch 2 -o "$T/runF" --force >/dev/null 2>&1 && ok || bad "--force"
[ ! -e "$T/runF/analysis" ] && [ ! -e "$T/runF/fisher" ] && ok || bad "--force left the old run's analyses"

# Sweeps: an interrupted sweep (kill -9 of the sweep and its solutions) resumes
# and ends with the same finished runs and numbers as an uninterrupted one.
SWEEP=(sweep --data "$MNIST" -M 10 --n-test 50 --max-epoch 40 --param lr --values 0.05,0.1,0.2 --repeats 2 -j 1 -q
       --spectrum)
"$AWD" "${SWEEP[@]}" -o "$T/swA" >"$T/swA.out" 2>&1 && ok || bad "uninterrupted sweep: $(tail -3 "$T/swA.out")"
# --spectrum: each value's spectral density in the report, and its figure.
[ "$(grep -c '^0.1,' "$T/swA/report/spectra.csv")" -gt 100 ] && ok || bad "no spectra.csv rows for lr = 0.1"
[ -s "$T/swA/report/figures/spectral_density.png" ] && ok || bad "no spectral density figure"
grep -q "spectral_density.png" "$T/swA/report/report.html" && ok || bad "report.html does not show the spectral density"
setsid "$AWD" "${SWEEP[@]}" -o "$T/swB" >/dev/null 2>&1 &
sweep_pid=$!
for _ in $(seq 1 600); do
  [ "$(find "$T/swB/runs" -name summary.json 2>/dev/null | wc -l)" -ge 2 ] && break
  sleep 0.1
done
kill -9 -- -"$sweep_pid" 2>/dev/null
wait "$sweep_pid" 2>/dev/null
n_before=$(find "$T/swB/runs" -name summary.json | wc -l)
[ "$n_before" -ge 2 ] && [ "$n_before" -lt 6 ] && ok || bad "sweep was not interrupted mid-way ($n_before finished)"
"$AWD" "${SWEEP[@]}" -o "$T/swB" >"$T/swB.out" 2>&1 && ok || bad "resumed sweep: $(tail -3 "$T/swB.out")"
grep -q "$n_before already finished" "$T/swB.out" && ok || bad "resume did not keep finished solutions: $(tail -2 "$T/swB.out")"
/usr/bin/python3 - "$T/swA" "$T/swB" <<'PY' && ok || bad "resumed sweep differs from the uninterrupted one"
import glob, json, os, sys
a, b = sys.argv[1], sys.argv[2]
def runs(d):
    return sorted(os.path.relpath(p, d) for p in glob.glob(d + "/runs/*/*/analysis/summary.json"))
assert runs(a) == runs(b) and len(runs(a)) == 6, (runs(a), runs(b))
for r in runs(a):
    sa, sb = json.load(open(os.path.join(a, r))), json.load(open(os.path.join(b, r)))
    for s in (sa, sb):
        s.pop("seconds"); s["training"].pop("seconds"); s.pop("run_id")  # each run has its own id
    assert sa == sb, r
for f in ("summary.csv", "ranks.csv", "solutions.csv"):
    assert open(f"{a}/report/{f}").read() == open(f"{b}/report/{f}").read(), f
PY
expect_error "sweep of another experiment" "holds a sweep of another experiment" \
  "$AWD" sweep --data "$MNIST" -M 10 --n-test 50 --param lr --values 0.3 --repeats 1 -q -o "$T/swA"
expect_error "sweep value out of range" "dropout \(d\) must be in" "$AWD" sweep --param d --values 0.1,1.5 -o "$T/swC"
expect_error "unknown sweep parameter" "unknown sweep parameter 'momentum'" "$AWD" sweep --param momentum --values 1 -o "$T/swC"
expect_error "report of a non-sweep" "not a sweep directory" "$AWD" report "$T/run"

# awd report --compare: analysis folders side by side (the paper's Fig. 5/7 for one's own models).
if "$AWD" report --compare "$T/run/analysis" "$T/run/fisher" --labels hessian,fisher -o "$T/fold" >"$T/fold.out" 2>"$T/fold.err"; then
  ok; else bad "report --compare: $(cat "$T/fold.err")"; fi
for f in compare.csv ranks.csv summary.csv report.html; do [ -s "$T/fold/$f" ] && ok || bad "report --compare: missing $f"; done
head -1 "$T/fold/compare.csv" | grep -qx "metric,hessian,fisher" && grep -q "^lambda_max," "$T/fold/compare.csv" &&
  grep -q "dL_p" "$T/fold.out" && ok || bad "report --compare table: $(cat "$T/fold.out")"
[ "$(grep -c '^fisher,' "$T/fold/ranks.csv")" -eq 900 ] && ok || bad "report --compare: ranks.csv should hold 900 fisher ranks"
if command -v gnuplot >/dev/null; then
  for f in folders_sharpness folders_size folders_accumulated_size folders_gap_per_direction; do
    [ "$(head -c 4 "$T/fold/figures/$f.png" | tail -c 3)" = "PNG" ] && [ -s "$T/fold/figures/$f.svg" ] &&
      grep -q "figures/$f.png" "$T/fold/report.html" && ok || bad "report --compare figure $f"
  done
fi
expect_error "report --compare of a non-analysis" "$T/run: no summary.json \\(not an analysis folder\\)" \
  "$AWD" report --compare "$T/run/analysis" "$T/run" -o "$T/foldX"
expect_error "report --compare: labels" "awd: --labels: 1 labels for 2 folders" \
  "$AWD" report --compare "$T/run/analysis" "$T/run/fisher" --labels one -o "$T/foldX"

# Sweeps over names (algo, mixing) and learners; their errors.
expect_error "bad sweep category" "algo takes one of ssgd, dpsgd, not 'sgd'" "$AWD" sweep --param algo --values ssgd,sgd -o "$T/swD"
expect_error "name for a numeric parameter" "lr \(alpha\) takes numbers, not 'fast'" "$AWD" sweep --param lr --values 0.1,fast -o "$T/swD"
expect_error "learners not whole" "learners \(n\) takes whole numbers" "$AWD" sweep --param n --values 2,2.5 -o "$T/swD"

# awd compare: defaults, and bad input refused before anything runs.
"$AWD" compare --help >"$T/chelp" 2>&1
grep -q -- "--learners INT=16 " "$T/chelp" && grep -q -- "--batch-size INT=100 " "$T/chelp" &&
  grep -q -- "--noise-every INT=10 " "$T/chelp" && grep -q -- "--repeats INT=5 " "$T/chelp" && ok ||
  bad "compare help defaults: $(grep -E 'learners|batch-size|noise-every|repeats' "$T/chelp")"
# ... while run keeps its own defaults.
grep -q -- "--learners INT=1 " "$T/help" && ok || bad "run --learners default changed"
CMP=(compare --data "$MNIST" -M 10 --n-test 50 -q)
# compare trains both algorithms: --algo is not one of its options (CLI11's own two-line message).
"$AWD" "${CMP[@]}" --algo dpsgd -o "$T/cmpX" >/dev/null 2>"$T/err" && bad "compare accepted --algo" ||
  { grep -q -- "--algo" "$T/err" && ok || bad "compare --algo: $(cat "$T/err")"; }
expect_error "compare: b = 0" "batch_size \(B\) must be at least 1" "$AWD" "${CMP[@]}" --learners 4 -B 0 -o "$T/cmpX"
expect_error "compare: n > samples" "learners \(n = 101\) exceed the 100 training samples" "$AWD" "${CMP[@]}" --learners 101 -B 1 -o "$T/cmpX"
expect_error "compare: n b > samples" "4 x 30 = 120 exceeds the 100 training samples" "$AWD" "${CMP[@]}" --learners 4 -B 30 -o "$T/cmpX"
expect_error "compare in a sweep folder" "swA: holds a sweep \(.awd.json\), not a compare" "$AWD" "${CMP[@]}" --learners 4 -B 5 -o "$T/swA"
[ -e "$T/cmpX" ] && bad "refused compare left a folder" || ok

# A tiny compare end to end: both algorithms, paired seeds, the report with its tables.
start=$(date +%s.%N)
if "$AWD" compare --data "$MNIST" -M 10 --n-test 50 --learners 4 -B 5 --max-epoch 3 --repeats 1 --noise-every 2 --noise-top 2 \
     -j 2 -q -o "$T/cmp" >"$T/cmp.out" 2>"$T/cmp.err"; then ok; else bad "compare failed: $(tail -3 "$T/cmp.err")"; fi
echo "cli: tiny compare took $(echo "$(date +%s.%N) - $start" | bc) s"
for f in sweep.json runs/algo=ssgd/rep0/analysis/summary.json runs/algo=dpsgd/rep0/analysis/summary.json \
         report/summary.csv report/compare.csv report/noise_summary.csv report/noise_points.csv \
         report/noise_series.csv report/report.html; do
  [ -s "$T/cmp/$f" ] && ok || bad "compare: missing $f"
done
grep -q "ssgd (1/1)" "$T/cmp.out" && grep -q "dpsgd (1/1)" "$T/cmp.out" && grep -q "n = 4 learners x b = 5 (B = 20)" "$T/cmp.out" &&
  ok || bad "compare table: $(cat "$T/cmp.out")"
/usr/bin/python3 - "$T/cmp" <<'PY' && ok || bad "compare runs: settings or pairing"
import json, sys
d = sys.argv[1]
a = json.load(open(d + "/runs/algo=ssgd/rep0/config.json"))
b = json.load(open(d + "/runs/algo=dpsgd/rep0/config.json"))
assert a["learners"]["algo"] == "ssgd" and b["learners"]["algo"] == "dpsgd"
for c in (a, b):
    assert c["learners"]["count"] == 4 and c["train"]["batch_size"] == 5 and c["learners"]["noise_every"] == 2
assert a["train"]["seed"] == b["train"]["seed"] and a["samples"] == b["samples"]
s = json.load(open(d + "/sweep.json"))
assert s["parameter"] == "algo" and s["values"] == ["ssgd", "dpsgd"] and s["name"] == "compare"
rows = open(d + "/report/compare.csv").read().splitlines()
assert rows[0].startswith("metric,ssgd_mean,ssgd_std,dpsgd_mean,dpsgd_std"), rows[0]
# The noise series of both algorithms (every 2 steps, top 2 directions) reaches the report.
for algo in ("ssgd", "dpsgd"):
    lines = open(f"{d}/runs/algo={algo}/rep0/noise.csv").read().splitlines()
    assert lines[0] == "step,epoch,train_loss,eta_sq,eta_layer_sq,lambda_1,lambda_2,eta_top_sq_1,eta_top_sq_2", lines[0]
    assert len(lines) > 2, lines
ns = [r.split(",") for r in open(d + "/report/noise_summary.csv").read().splitlines()]
assert ns[0][:3] == ["value", "finished", "with_noise"] and [r[:3] for r in ns[1:]] == [["ssgd", "1", "1"], ["dpsgd", "1", "1"]], ns
eta = ns[0].index("eta_sq_late_mean")
assert all(float(r[eta]) > 0 for r in ns[1:]), ns
PY
if command -v gnuplot >/dev/null; then
  for f in compare_sharpness compare_size noise_vs_sharpness noise_vs_loss noise_over_time; do
    [ "$(head -c 4 "$T/cmp/report/figures/$f.png" | tail -c 3)" = "PNG" ] && grep -q "figures/$f.png" "$T/cmp/report/report.html" &&
      ok || bad "compare figure $f"
  done
fi
"$AWD" report "$T/cmp" >"$T/cmprep.out" 2>&1 && grep -q "dpsgd - ssgd" "$T/cmprep.out" && ok || bad "awd report of a compare: $(tail -3 "$T/cmprep.out")"

finish cli
