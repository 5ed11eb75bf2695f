#!/usr/bin/env bash
# A torchvision-style ResNet-18 (tests/fixtures/resnet18.py, no torchvision
# needed) split by python/awd_export.py at fc: it loads, and the analysis of its
# last layer satisfies Eq. 10 to rounding.
#   resnet_test.sh AWD SOURCE_DIR
AWD=$1
SRC=$2
. "$(dirname "$0")/lib.sh" awd-resnet
export PYTHONDONTWRITEBYTECODE=1  # nothing written into the source tree

/usr/bin/python3 "$SRC/tests/fixtures/resnet18.py" "$T/fx" >"$T/fx.out" 2>&1 && ok || bad "fixture: $(tail -3 "$T/fx.out")"
"$AWD" analyze --model "$T/fx/resnet18.pt" --layer fc --data "$T/fx/data" -q -o "$T/a" >"$T/a.out" 2>&1 && ok ||
  bad "analyze --model resnet18 --layer fc: $(cat "$T/a.out")"
/usr/bin/python3 - "$T/a" <<'PY' && ok || bad "ResNet-18 at fc: Eq. 10"
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
assert s["m"] == 10 and s["n"] == 512 and s["N"] == 5120, s
assert s["pairs_kept"] + s["pairs_skipped"] == 30, s
assert s["eq10_residual"] < 1e-12 and s["duality_max_residual"] < 1e-10, s
assert abs(s["eq10_sum"] - s["pair_gap"]) <= 1e-10 * max(1.0, abs(s["pair_gap"])), s
PY

finish resnet
