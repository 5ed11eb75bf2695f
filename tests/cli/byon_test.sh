#!/usr/bin/env bash
# Bring your own network (SPEC §11): awd analyze --model on PyTorch models
# scripted with python/awd_export.py, against awd's own analysis of the same
# weights, and every bad input refused in one line.
#   byon_test.sh AWD SHARED_DATA SOURCE_DIR   (lib.sh test_data: which data)
AWD=$1
SRC=$3
. "$(dirname "$0")/lib.sh" awd-byon
test_data "$2"
export PYTHONDONTWRITEBYTECODE=1  # nothing written into the source tree

# awd's own bias-free MLP, and the same weights and samples in PyTorch.
"$AWD" run --data "$MNIST" -M 20 --n-test 100 -q -o "$T/run" >"$T/run.out" 2>&1 && ok || bad "awd run: $(cat "$T/run.out")"
/usr/bin/python3 "$SRC/tests/fixtures/byon_models.py" "$T/run" "$MNIST" "$T/fx" && ok || bad "fixtures"

# --float64-activities: awd_features in float64, so that the numbers can be compared to 1e-9.
MODEL=(analyze --layer fc2 --data "$T/fx/data" -q --float64-activities)
"$AWD" "${MODEL[@]}" --model "$T/fx/awd_mlp.pt" -o "$T/awd_mlp" >"$T/a.out" 2>&1 && ok || bad "analyze --model: $(cat "$T/a.out")"
"$AWD" "${MODEL[@]}" --model "$T/fx/bias_mlp.pt" -o "$T/bias_mlp" >"$T/b.out" 2>&1 && ok || bad "analyze --model (bias): $(cat "$T/b.out")"
grep -q "Eq. 10" "$T/a.out" && ok || bad "no summary table on stdout"

/usr/bin/python3 - "$T" <<'PY' && ok || bad "--model against awd's own analysis"
import csv, json, sys, zlib
T = sys.argv[1]
own, imp = (json.load(open(f"{T}/{d}/summary.json")) for d in ("run/analysis", "awd_mlp"))
def close(a, b): return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)
for k in ("loss_train", "loss_test", "loss_partners", "gap", "pair_gap", "eq10_sum", "sum_dL", "dL_sharp",
          "dL_flat", "weight_norm", "test_error", "train_error"):
    assert close(own[k], imp[k]), (k, own[k], imp[k])
assert own["n_sharp"] == imp["n_sharp"] and own["pairs_kept"] == imp["pairs_kept"]
rows = [list(csv.DictReader(open(f"{T}/{d}/directions.csv"))) for d in ("run/analysis", "awd_mlp")]
for a, b in zip(*rows):
    for k in ("lambda", "sigma_g", "sigma_w", "dL_i"):
        assert abs(float(a[k]) - float(b[k])) <= 1e-9 * max(abs(float(a[k])), 1e-6), (k, a, b)
pa, pb = (list(csv.DictReader(open(f"{T}/{d}/pairs.csv"))) for d in ("run/analysis", "awd_mlp"))
assert [p["partner"] for p in pa] == [p["partner"] for p in pb]
m = imp["config"]["model"]
blob = open(m["path"], "rb").read()
assert m["bytes"] == len(blob) and m["crc32"] == "%08x" % zlib.crc32(blob), m
# With a bias every identity of SPEC §6 still holds.
b = json.load(open(f"{T}/bias_mlp/summary.json"))
assert b["eq10_residual"] < 1e-12 and b["duality_max_residual"] < 1e-10, b
assert not close(b["pair_gap"], imp["pair_gap"])
PY

# The last layer three ways: awd analyze --model, the features route with the
# inputs (partner search), and with partners.npy; numbers the same to 1e-9.
"$AWD" analyze --layer fc3 --data "$T/fx/data" -q --float64-activities --model "$T/fx/bias_mlp_fc3.pt" -o "$T/m_fc3" >"$T/m3.out" 2>&1 && ok ||
  bad "analyze --model fc3: $(cat "$T/m3.out")"
"$AWD" analyze --features "$T/fx/features" -q -o "$T/f_fc3" >"$T/f.out" 2>&1 && ok || bad "analyze --features: $(cat "$T/f.out")"
mkdir -p "$T/partners" && cp "$T/fx/features/"[aWby]*.npy "$T/partners/"
/usr/bin/python3 -c "
import csv, numpy as np, sys
np.save(sys.argv[2], np.array([int(r['partner']) for r in csv.DictReader(open(sys.argv[1]))]))" \
  "$T/m_fc3/pairs.csv" "$T/partners/partners.npy"
"$AWD" analyze --features "$T/partners" -q -o "$T/p_fc3" >"$T/p.out" 2>&1 && ok || bad "analyze --features (partners.npy): $(cat "$T/p.out")"
/usr/bin/python3 - "$T" <<'PY' && ok || bad "--features against --model"
import csv, json, sys
T = sys.argv[1]
def close(a, b): return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)
m = json.load(open(f"{T}/m_fc3/summary.json"))
for d in ("f_fc3", "p_fc3"):
    f = json.load(open(f"{T}/{d}/summary.json"))
    for k in ("loss_train", "loss_test", "loss_partners", "gap", "pair_gap", "eq10_sum", "sum_dL", "weight_norm",
              "test_error", "dL_sharp", "dL_flat"):
        assert close(m[k], f[k]), (d, k, m[k], f[k])
    assert f["eq10_residual"] < 1e-12 and f["duality_max_residual"] < 1e-10, f
    for a, b in zip(*(csv.DictReader(open(f"{T}/{x}/directions.csv")) for x in ("m_fc3", d))):
        assert abs(float(a["sigma_g"]) - float(b["sigma_g"])) <= 1e-9 * max(float(a["sigma_g"]), 1e-6), (a, b)
PY

# --n-test draws a seeded subset; --normalize is applied before the model.
"$AWD" "${MODEL[@]}" --model "$T/fx/bias_mlp.pt" --n-test 30 --seed 3 --normalize 0.1,0.9 -o "$T/sub" >/dev/null 2>&1 && ok ||
  bad "analyze --model --n-test --normalize"
[ "$(wc -l <"$T/sub/pairs.csv")" -eq 31 ] && ok || bad "--n-test 30 should give 30 pairs"

# The default: activities in float32 (batches of 1024, a progress line), then float64: the same
# analysis to float32 rounding, and the identities of SPEC §6 exact again.
"$AWD" analyze --layer fc2 --data "$T/fx/data" --model "$T/fx/awd_mlp.pt" -o "$T/f32" >"$T/f32.out" 2>"$T/f32.err" && ok ||
  bad "analyze --model (float32 activities): $(cat "$T/f32.err")"
grep -qE "activities entering 'fc2': ([0-9]+)/\1 samples" "$T/f32.err" && ok || bad "no progress line: $(cat "$T/f32.err")"
/usr/bin/python3 - "$T" <<'PY' && ok || bad "float32 activities against float64"
import json, sys
T = sys.argv[1]
a, b = (json.load(open(f"{T}/{d}/summary.json")) for d in ("awd_mlp", "f32"))
for k in ("loss_train", "loss_test", "gap", "pair_gap", "sum_dL", "weight_norm"):
    assert abs(a[k] - b[k]) <= 1e-5 * max(abs(a[k]), 1e-3), (k, a[k], b[k])
assert b["eq10_residual"] < 1e-12 and b["duality_max_residual"] < 1e-10, b
PY

# The memory estimate: refused before anything is computed or written, with the estimate and the limit.
expect_error "max-memory" "awd_mlp.pt: the analysis needs about .* more than the limit of .*--max-memory" \
  "$AWD" "${MODEL[@]}" --model "$T/fx/awd_mlp.pt" --max-memory 1M -o "$T/xm"
[ -e "$T/xm" ] && bad "a refused analysis left its output folder" || ok
expect_error "bad max-memory" "'8X' is not a size" "$AWD" "${MODEL[@]}" --model "$T/fx/awd_mlp.pt" --max-memory 8X -o "$T/xm"
"$AWD" "${MODEL[@]}" --model "$T/fx/awd_mlp.pt" --max-memory 4G -o "$T/m4g" >/dev/null 2>&1 && ok || bad "--max-memory 4G refused"

# Bad input: one line, non-zero exit.
expect_error "mismatched head" "forward\(x\) differs from awd_head" "$AWD" "${MODEL[@]}" --model "$T/fx/mismatched_head.pt" -o "$T/x1"
[ -e "$T/x1" ] && bad "a refused model left its output folder" || ok
expect_error "no methods" "has no method awd_features" "$AWD" "${MODEL[@]}" --model "$T/fx/no_methods.pt" -o "$T/x2"
expect_error "not a Linear" "'fc9' is not a Linear submodule; the Linear submodules are: fc1, fc2, fc3" \
  "$AWD" analyze --layer fc9 --data "$T/fx/data" --model "$T/fx/awd_mlp.pt" -o "$T/x3"
expect_error "corrupt model" "truncated.pt: not a TorchScript file" "$AWD" "${MODEL[@]}" --model "$T/fx/truncated.pt" -o "$T/x4"
expect_error "newer model" "newer_version.pt: written by a newer PyTorch.*features" \
  "$AWD" "${MODEL[@]}" --model "$T/fx/newer_version.pt" -o "$T/x5"
expect_error "missing model" "nothing.pt: no such file" "$AWD" "${MODEL[@]}" --model "$T/nothing.pt" -o "$T/x6"
expect_error "model without data" "awd: --model needs --data DIR and -o OUT" "$AWD" analyze --model "$T/fx/awd_mlp.pt" -o "$T/x7"
expect_error "bad normalize" "awd: --normalize gives 2 channels" "$AWD" "${MODEL[@]}" --model "$T/fx/awd_mlp.pt" --normalize 0,0,1,1 -o "$T/x8"
expect_error "finished analysis" "already holds a finished analysis.*--force" "$AWD" "${MODEL[@]}" --model "$T/fx/awd_mlp.pt" -o "$T/awd_mlp"
cp -r "$T/fx/data" "$T/baddata"
/usr/bin/python3 -c "import numpy as np; np.save('$T/baddata/y_test.npy', np.full(100, 12))"
expect_error "label out of range" "baddata/y_test.npy: label 12 of sample 0 is out of range 0..9" \
  "$AWD" analyze --layer fc2 --data "$T/baddata" --model "$T/fx/awd_mlp.pt" -o "$T/x9"
/usr/bin/python3 -c "import numpy as np; np.save('$T/baddata/y_test.npy', np.zeros(99, int))"
expect_error "x and y lengths" "y_test.npy: 99 labels for 100 inputs" \
  "$AWD" analyze --layer fc2 --data "$T/baddata" --model "$T/fx/awd_mlp.pt" -o "$T/x10"

# The features route's bad input.
cp -r "$T/fx/features" "$T/badf"
rm "$T/badf/W.npy"
expect_error "features: no W" "badf/W.npy: no such file" "$AWD" analyze --features "$T/badf" -o "$T/x11"
/usr/bin/python3 -c "import numpy as np; np.save('$T/badf/W.npy', np.zeros((10, 29)))"
expect_error "features: W does not fit" "badf/W.npy: W is \[10, 29\] \(outputs, inputs\) but the activities have width 30$" \
  "$AWD" analyze --features "$T/badf" -o "$T/x12"
/usr/bin/python3 -c "import numpy as np; np.save('$T/badf/W.npy', np.zeros((10, 30), np.float32)); np.save('$T/badf/y_train.npy', np.full(200, 10))"
expect_error "features: label" "badf/y_train.npy: label 10 of sample 0 is out of range 0..9" \
  "$AWD" analyze --features "$T/badf" -o "$T/x13"
expect_error "features and model" "one of RUN_DIR, --model and --features" \
  "$AWD" analyze --features "$T/badf" --model "$T/fx/awd_mlp.pt" -o "$T/x14"

finish byon
