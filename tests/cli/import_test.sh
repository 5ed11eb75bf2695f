#!/usr/bin/env bash
# The import routes speak awd: `awd analyze --model` on models that work in
# place, have several Linear layers or none, or fail inside; the features
# route's and the .npy data's bad input; NaN refused at load; options a route
# ignores; `awd report --compare` across differing n_s and a top-k analysis.
# Every refusal is one line naming the file and leaves no output folder.
# Small models and data written by tests/fixtures/import_models.py (no data set needed).
#   import_test.sh AWD SOURCE_DIR
AWD=$1
SRC=$2
. "$(dirname "$0")/lib.sh" awd-import
export PYTHONDONTWRITEBYTECODE=1  # nothing written into the source tree
PY=/usr/bin/python3

$PY "$SRC/tests/fixtures/import_models.py" "$T/fx" >"$T/fx.out" 2>&1 && ok || bad "fixtures: $(tail -3 "$T/fx.out")"
FX=$T/fx
DATA=$FX/data

# refused NAME PATTERN CMD...: one line matching PATTERN, exit 2, and no output folder $T/refused left.
refused() {
  rm -rf "$T/refused"
  expect_usage_error "$@"
  [ -e "$T/refused" ] && bad "$1: a refused analysis left its output folder $(ls -A "$T/refused")"
  return 0
}
# spoil NAME PYTHON: a copy of the data folder as $T/NAME, then PYTHON run in it (numpy as np).
spoil() {
  rm -rf "$T/$1" && cp -r "$DATA" "$T/$1" && (cd "$T/$1" && $PY -c "import numpy as np; $2")
}
# spoil_features NAME PYTHON: the same for the features folder.
spoil_features() {
  rm -rf "$T/$1" && cp -r "$FX/features" "$T/$1" && rm "$T/$1/partners_found.npy" && (cd "$T/$1" && $PY -c "import numpy as np; $2")
}
summary() { $PY -c "import json, sys; s = json.load(open(sys.argv[1] + '/summary.json')); print($2)" "$1"; }

# In-place activations right after the cut run as in PyTorch: ReLU(inplace=True)
# gives exactly the numbers of the same weights with an out-of-place ReLU.
MODEL=(analyze --data "$DATA" -q --float64-activities)
"$AWD" "${MODEL[@]}" --model "$FX/inplace_relu.pt" --layer fc1 -o "$T/inplace" >"$T/a.out" 2>&1 && ok ||
  bad "ReLU(inplace=True) after the cut: $(cat "$T/a.out")"
"$AWD" "${MODEL[@]}" --model "$FX/plain_relu.pt" --layer fc1 -o "$T/plain" >"$T/b.out" 2>&1 && ok || bad "plain ReLU: $(cat "$T/b.out")"
$PY - "$T" <<'PY' && ok || bad "in-place ReLU against out-of-place"
import json, sys
a, b = (json.load(open(f"{sys.argv[1]}/{d}/summary.json")) for d in ("inplace", "plain"))
for k in ("loss_train", "loss_test", "pair_gap", "eq10_sum", "sum_dL", "dL_sharp", "dL_flat", "n_sharp"):
    assert a[k] == b[k], (k, a[k], b[k])
assert a["eq10_residual"] < 1e-12 and a["duality_max_residual"] < 1e-10, a
PY
"$AWD" "${MODEL[@]}" --model "$FX/inplace_hswish.pt" --layer fc1 -o "$T/hswish" >"$T/c.out" 2>&1 && ok ||
  bad "Hardswish(inplace=True) after the cut: $(cat "$T/c.out")"
[ "$(summary "$T/hswish" 's["eq10_residual"] < 1e-12 and s["self_check"]["passed"]')" = True ] && ok || bad "hswish: Eq. 10"
# A failure inside the model: the first line of the Python-side cause, no interpreter dump.
refused "raising head" "^awd: .*raises.pt: awd_head failed on a float64 tensor \[60, 3\]: ValueError: the head refuses every batch$" \
  "$AWD" "${MODEL[@]}" --model "$FX/raises.pt" --layer fc -o "$T/refused"
grep -q "TorchScript interpreter" "$T/err" && bad "the interpreter's dump reached the user" || ok

# --layer: the only Linear by default; several listed; none said so.
"$AWD" analyze --model "$FX/one_linear.pt" --data "$DATA" -q -o "$T/one" >"$T/d.out" 2>&1 && ok || bad "the only Linear: $(cat "$T/d.out")"
[ "$(summary "$T/one" 's["layer"], s["config"]["analysis"]["layer"]')" = "fc fc" ] && ok || bad "the only Linear is not recorded"
refused "several Linear layers" "mlp3.pt: has 3 Linear layers \(fc1, fc2, fc3\); choose one with --layer$" \
  "$AWD" analyze --model "$FX/mlp3.pt" --data "$DATA" -o "$T/refused"
refused "no Linear layer" "no_linear.pt: this model has no Linear layer" "$AWD" analyze --model "$FX/no_linear.pt" --data "$DATA" -o "$T/refused"
refused "no Linear layer, named" "no_linear.pt: this model has no Linear layer" \
  "$AWD" analyze --model "$FX/no_linear.pt" --layer classifier.1 --data "$DATA" -o "$T/refused"
"$AWD" analyze --help >"$T/help" 2>&1
grep -- "--layer" "$T/help" | grep -q "fc2" && bad "analyze --help still gives fc2 as --layer's default" || ok
grep -- "--layer" "$T/help" | grep -q "only Linear" && ok || bad "analyze --help: --layer: $(grep -- --layer "$T/help")"

# The model against its data: every refusal one line naming the file, before anything is written.
spoil labels "y = np.load('y_train.npy'); y[7] = 4; np.save('y_train.npy', y)"
refused "label beyond the logits" "labels/y_train.npy: label 4 of sample 7 is out of range 0..2 \(.*one_linear.pt gives 3 logits\)" \
  "$AWD" analyze --model "$FX/one_linear.pt" --data "$T/labels" -o "$T/refused"
spoil empty "np.save('x_test.npy', np.zeros((0, 1, 4, 4), np.float32)); np.save('y_test.npy', np.zeros(0, np.int64))"
refused "empty test split" "empty/x_test.npy: no test samples" "$AWD" analyze --model "$FX/one_linear.pt" --data "$T/empty" -o "$T/refused"
spoil intx "np.save('x_train.npy', np.load('x_train.npy').astype(np.int32))"
refused "integer inputs" "intx/x_train.npy: inputs must be uint8 or float32, not int32" \
  "$AWD" analyze --model "$FX/one_linear.pt" --data "$T/intx" -o "$T/refused"
refused "forward takes another shape" "two_inputs.pt: forward failed on a float64 tensor \[60, 1, 4, 4\]: RuntimeError: mat1 and mat2 shapes cannot be multiplied" \
  "$AWD" analyze --model "$FX/two_inputs.pt" --layer fc2 --data "$DATA" -o "$T/refused"
refused "a model of integer inputs" "int_input.pt: forward failed on a float64 tensor \[60, 1, 4, 4\]: RuntimeError: Expected tensor for argument #1 'indices'" \
  "$AWD" analyze --model "$FX/int_input.pt" --data "$DATA" -o "$T/refused"
refused "n-test beyond the test samples" "^awd: --n-test 31 exceeds the 30 test samples" \
  "$AWD" analyze --model "$FX/one_linear.pt" --data "$DATA" --n-test 31 -o "$T/refused"
for f in "$T"/err; do grep -qE "Target [0-9]+ is out of bounds|cannot reshape|Expected floating point" "$f" && bad "a LibTorch message: $(cat "$f")"; done

# NaN and inf refused at load, naming the file and the first index.
spoil nanx "x = np.load('x_train.npy'); x[3, 0, 1, 2] = np.nan; x[5, 0, 0, 0] = np.inf; np.save('x_train.npy', x)"
refused "NaN input" "nanx/x_train.npy: nan at index \[3, 0, 1, 2\]: every value must be finite" \
  "$AWD" analyze --model "$FX/one_linear.pt" --data "$T/nanx" -o "$T/refused"
refused "NaN weight in the model" "nan_weight.pt: the weight of layer 'fc' holds nan at index \[1, 2\]" \
  "$AWD" analyze --model "$FX/nan_weight.pt" --data "$DATA" -o "$T/refused"
"$AWD" train --data "$DATA" -M 20 --n-test 30 --max-epoch 2 -q -o "$T/run" >"$T/run.out" 2>&1 && ok || bad "train: $(cat "$T/run.out")"
cp -r "$T/run/weights" "$T/nanw"
$PY -c "import numpy as np; w = np.load('$T/nanw/fc2.weight.npy'); w[4, 7] = -np.inf; np.save('$T/nanw/fc2.weight.npy', w)"
refused "init-from: infinite weight" "nanw/fc2.weight.npy: -inf at index \[4, 7\]: every value must be finite" \
  "$AWD" train --data "$DATA" -M 20 --n-test 30 --max-epoch 1 --init-from "$T/nanw" -o "$T/refused"

# The features route's messages.
spoil_features wT "np.save('W.npy', np.load('W.npy').T.copy())"
refused "transposed W" "wT/W.npy: W is \[16, 3\] \(outputs, inputs\) but the activities have width 16: W looks transposed" \
  "$AWD" analyze --features "$T/wT" -o "$T/refused"
spoil_features oneout "np.save('W.npy', np.load('W.npy')[:1].copy()); np.save('b.npy', np.load('b.npy')[:1].copy()); np.save('y_train.npy', 0 * np.load('y_train.npy')); np.save('y_test.npy', 0 * np.load('y_test.npy'))"
refused "W of one output" "oneout/W.npy: W is \\[1, 16\\]: one output; a last layer's outputs are the logits" \
  "$AWD" analyze --features "$T/oneout" -o "$T/refused"
spoil_features nox "import os; os.remove('x_train.npy'); os.remove('x_test.npy')"
refused "neither x files nor partners" "nox/x_train.npy: missing: the partner search needs the inputs .*/nox/x_train.npy and .*/nox/x_test.npy, or .*/nox/partners.npy instead" \
  "$AWD" analyze --features "$T/nox" -o "$T/refused"
cp "$FX/features/partners_found.npy" "$T/nox/partners.npy"
"$AWD" analyze --features "$T/nox" -q -o "$T/viapartners" >"$T/e.out" 2>&1 && ok || bad "features with partners.npy: $(cat "$T/e.out")"
spoil_features nana "a = np.load('a_test.npy'); a[5, 3] = np.inf; np.save('a_test.npy', a)"
refused "inf activity" "nana/a_test.npy: inf at index \[5, 3\]" "$AWD" analyze --features "$T/nana" -o "$T/refused"
spoil_features nanW "w = np.load('W.npy'); w[1, 3] = np.nan; np.save('W.npy', w)"
refused "NaN in W" "nanW/W.npy: nan at index \[1, 3\]" "$AWD" analyze --features "$T/nanW" -o "$T/refused"
spoil_features nanxf "x = np.load('x_test.npy'); x[2, 0, 1, 1] = np.nan; np.save('x_test.npy', x)"
refused "NaN in x of a features folder" "nanxf/x_test.npy: nan at index \[2, 0, 1, 1\]" "$AWD" analyze --features "$T/nanxf" -o "$T/refused"
spoil_features emptya "np.save('a_test.npy', np.zeros((0, 16))); np.save('y_test.npy', np.zeros(0, np.int64))"
refused "empty activities" "emptya/a_test.npy: no test samples$" "$AWD" analyze --features "$T/emptya" -o "$T/refused"

# Options a route would ignore are refused.
refused "--features --layer" "^awd: analyze --features does not use --layer" \
  "$AWD" analyze --features "$FX/features" --layer fc -o "$T/refused"
for opt in "--data $DATA" "--n-test 5" "--normalize 0.5,0.2"; do
  # shellcheck disable=SC2086
  expect_usage_error "analyze RUN $opt" "^awd: analyze RUN_DIR does not use ${opt%% *}" "$AWD" analyze "$T/run" --name x $opt
done
[ -e "$T/run/x" ] && bad "a refused re-analysis left RUN/x" || ok

# Numbers in messages in short form.
expect_error "self-check: short numbers" "self-check failed: Eq. 10 residual .* above [0-9.]+e\+[0-9]+ " \
  "$AWD" analyze --features "$FX/features" --delta-scale 1e300 -o "$T/huge"
grep -qE "[0-9]{20}" "$T/err" && bad "a number of 20 digits: $(cat "$T/err")" || ok

# report --compare: n_s differing is warned about, with the command for a common split;
# a top-k folder shows k of N and what its dL_f leaves out; the paper's names.
"$AWD" analyze --model "$FX/mlp3.pt" --layer fc2 --data "$DATA" --basis-rank 5 -q -o "$T/topk" >"$T/f.out" 2>&1 && ok ||
  bad "top-k analysis: $(cat "$T/f.out")"
"$AWD" analyze --model "$FX/mlp3.pt" --layer fc2 --data "$DATA" --n-sharp 3 -q -o "$T/ns3" >/dev/null 2>&1 && ok || bad "--n-sharp 3"
"$AWD" analyze --model "$FX/mlp3.pt" --layer fc2 --data "$DATA" --n-sharp 5 -q -o "$T/ns5" >/dev/null 2>&1 && ok || bad "--n-sharp 5"
"$AWD" report --compare "$T/ns3" "$T/ns5" "$T/topk" --labels a,b,top -o "$T/cmp" >"$T/cmp.out" 2>"$T/cmp.err" && ok ||
  bad "report --compare: $(cat "$T/cmp.err")"
grep -q "awd: warning: n_s differs between the folders (a 3, b 5, top " "$T/cmp.err" && ok || bad "no n_s warning: $(cat "$T/cmp.err")"
rerun=$(grep -o "awd report --compare .* --n-sharp [0-9]*" "$T/cmp.err")
[ -n "$rerun" ] && ok || bad "the warning gives no command"
rm -rf "$T/cmp"
"$AWD" ${rerun#awd } >"$T/cmp2.out" 2>"$T/cmp2.err" && ok || bad "the suggested command: $rerun: $(cat "$T/cmp2.err")"
grep -q "n_s differs" "$T/cmp2.err" && bad "n_s still differs after --n-sharp" || ok
grep -q "^n_s  *5  *5  *5$" "$T/cmp2.out" && ok || bad "common n_s: $(cat "$T/cmp2.out")"
grep -q "^directions  *64 of 64  *64 of 64  *5 of 64$" "$T/cmp.out" && ok || bad "k of N: $(cat "$T/cmp.out")"
grep -q "^top: only the top 5 of 64 directions were computed: dL_f sums ranks n_s+1..5, and the other 59 directions carry dL_rest" \
  "$T/cmp.out" && ok || bad "no top-k note: $(cat "$T/cmp.out")"
grep -qE "^(eq10_residual|duality_residual) " "$T/cmp.out" && ok || bad "no residuals in the table"
grep -qE "^(gap|pair_gap|dL_sharp|dL_flat|n_sharp|weight_norm) " "$T/cmp.out" "$T/cmp/compare.csv" && bad "raw JSON keys in the table" || ok
# A corrupt summary.json is one line naming it.
echo '{"gap": 0.1,' >"$T/ns5/summary.json"
expect_usage_error "corrupt summary.json" "^awd: $T/ns5/summary.json: not valid JSON" \
  "$AWD" report --compare "$T/ns3" "$T/ns5" -o "$T/cmp3"

finish import
