#!/usr/bin/env bash
# awd analyze --model MODEL.pt --layer all / LIST: every Linear layer the
# TorchScript file can be cut at is analysed as a separate `awd analyze
# --model --layer LAYER` would (the same files, byte for byte); every other
# one is left out, named in layers.json with torchscript_split's reason.
#   layers_model_test.sh AWD SHARED_DATA SOURCE_DIR   (lib.sh test_data: which data)
AWD=$1
SRC=$3
. "$(dirname "$0")/lib.sh" awd-layers-model
test_data "$2"
export PYTHONDONTWRITEBYTECODE=1  # nothing written into the source tree

# The paper's MLP 784-30-30-10 with biases, exported at fc2 (python/awd_export.py): the
# file holds the cut at fc2 alone, so fc1 and fc3 cannot be cut.
"$AWD" train --data "$MNIST" -M 20 --n-test 100 -q -o "$T/run" >"$T/run.out" 2>&1 && ok || bad "train: $(cat "$T/run.out")"
/usr/bin/python3 - "$SRC" "$T/run" "$MNIST" "$T" <<'PY' && ok || bad "export"
import sys
import numpy as np
import torch
sys.path.insert(0, sys.argv[1] + "/tests/fixtures")
import byon_models
run, mnist, out = sys.argv[2:5]
torch.manual_seed(0)
byon_models.write_data(run, mnist, out + "/data")
example = torch.from_numpy(np.load(out + "/data/x_train.npy")[:8]).float() / 255
byon_models.awd_export.export(byon_models.run_mlp(run, True), "fc2", example, out + "/mlp.pt")
PY

M=(analyze --model "$T/mlp.pt" --data "$T/data" -q)
if "$AWD" "${M[@]}" --layer all -o "$T/all" >"$T/all.out" 2>"$T/all.err"; then ok; else bad "--layer all: $(cat "$T/all.err")"; fi
if "$AWD" "${M[@]}" --layer fc2 -o "$T/one" >"$T/one.out" 2>"$T/one.err"; then ok; else bad "--layer fc2: $(cat "$T/one.err")"; fi
for f in summary.json directions.csv pairs.csv; do [ -s "$T/all/fc2/$f" ] && ok || bad "missing all/fc2/$f"; done
for f in directions.csv pairs.csv; do
  cmp -s "$T/all/fc2/$f" "$T/one/$f" && ok || bad "fc2/$f differs from awd analyze --model --layer fc2"
done
for f in layers.csv layers.json report.html figures; do [ -e "$T/all/$f" ] && ok || bad "missing all/$f"; done
grep -q "^fc2 " "$T/all.out" && grep -q "left out fc1: " "$T/all.out" && ok || bad "stdout: $(cat "$T/all.out")"

/usr/bin/python3 - "$T" <<'PY' && ok || bad "layers.csv and layers.json against the separate analysis"
import csv, json, sys
T = sys.argv[1]
rows = list(csv.DictReader(open(T + "/all/layers.csv")))
assert [r["layer"] for r in rows] == ["fc2"], rows
a, s = (json.load(open(T + d + "/summary.json")) for d in ("/all/fc2", "/one"))
for k in ("gap", "pair_gap", "dL_sharp", "dL_flat", "n_sharp", "eq10_sum", "weight_norm", "test_error", "loss_test"):
    assert a[k] == s[k], (k, a[k], s[k])  # the same numbers, bit for bit
r = rows[0]
for k, v in {"dL": s["gap"], "dL_p": s["pair_gap"], "dL_s": s["dL_sharp"], "dL_f": s["dL_flat"],
             "n_s": s["n_sharp"], "N": 900}.items():
    assert abs(float(r[k]) - v) <= 1e-9 * max(1.0, abs(v)), (k, r[k], v)
rec = json.load(open(T + "/all/layers.json"))
assert rec["request"] == "all" and [l["layer"] for l in rec["layers"]] == ["fc2"], rec
assert rec["config"]["model"]["path"].endswith("mlp.pt"), rec["config"]
why = {x["layer"]: x["reason"] for x in rec["skipped"]}
assert list(why) == ["fc1", "fc3"], why
# fc1 takes the image (784 inputs), the file's awd_features gives fc2's 30; fc3 takes 30 too, but
# gives 10 outputs, and the file's awd_head takes fc2's 30 (the rest after fc2, not after fc3).
assert "awd_features gives activities of width 30, but layer 'fc1' takes 784 inputs" in why["fc1"], why
assert why["fc3"].startswith("awd_head failed on a float64 tensor [64, 10]"), why
PY

# A list naming a layer the file cannot be cut at is refused with the reason, before anything is written.
expect_usage_error "list with an uncuttable layer" "awd: --layer fc3: awd_head failed on a float64 tensor \[64, 10\]" \
  "$AWD" "${M[@]}" --layer fc2,fc3 -o "$T/bad"
[ -e "$T/bad" ] && bad "a refused list left a folder" || ok
expect_error "existing" "all: already holds an analysis of several layers \(layers.json\); use --force" \
  "$AWD" "${M[@]}" --layer all -o "$T/all"
expect_error "over one layer's analysis" "one: already holds an analysis \(summary.json\); use --force" \
  "$AWD" "${M[@]}" --layer all -o "$T/one"
expect_usage_error "empty name" "awd: --layer fc2,: an empty layer name in the list" "$AWD" "${M[@]}" --layer fc2, -o "$T/all" --force
if "$AWD" "${M[@]}" --layer all -o "$T/one" --force >/dev/null 2>"$T/f.err"; then ok; else bad "--force: $(cat "$T/f.err")"; fi
[ -s "$T/one/layers.json" ] && [ ! -e "$T/one/summary.json" ] && ok || bad "--force left the single analysis: $(ls "$T/one")"

finish layers_model
