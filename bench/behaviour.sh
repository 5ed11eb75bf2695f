#!/usr/bin/env bash
# Behaviour check for refactors: did a change alter any number awd writes?
#
#   bench/behaviour.sh record AWD DATA OUT   # run AWD on DATA/mnist, results under OUT
#   bench/behaviour.sh check A B             # compare two recorded folders
#
# record runs (one at a time; sweep and compare train 2 solutions at once):
#   run-seed0, run-seed3  awd run at the paper setting (all defaults), seeds 0 and 3
#   reanalyse             awd analyze run-seed0 with the Fisher basis and flatness of the top 5
#   dpsgd-one             one DPSGD learner with dropout and the noise record (the default generator's path)
#   sweep                 lr in {0.05, 0.1} x 2 repeats, M = 50, 200 test samples
#   compare               SSGD vs DPSGD, 2 learners, b = 25, noise every 10 steps
# and saves each command's stdout as OUT/<name>.stdout, the wall times in OUT/times.txt.
# check compares every value (numbers exactly, as doubles) of every summary.json,
# training.json, analysis CSV (directions, pairs, coverage, flatness), noise.csv
# and every CSV under a report/ folder, and the bytes of every weights/*.npy;
# wall-clock timings are left out (see TIMINGS below); keys only B has (what a newer awd records
# in addition) are listed, not counted. Exit status 1 if any value differs or a file is missing.
# Typical use: record the reference once with the old binary, record again with
# the new one, then  bench/behaviour.sh check REF NEW.
set -euo pipefail

usage() { sed -n '4,5p' "$0" | sed 's/^# *//' >&2; exit 2; }

record() {
  local awd data out
  [ $# -eq 3 ] || usage
  awd=$(realpath "$1"); data=$(realpath "$2"); out=$3
  if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
    echo "behaviour: $out exists and is not empty" >&2; exit 2
  fi
  mkdir -p "$out"; out=$(realpath "$out")
  step() {  # name, then the awd arguments
    local name=$1 t0 t1; shift
    t0=$(date +%s%N)
    "$awd" "$@" > "$out/$name.stdout"
    t1=$(( ($(date +%s%N) - t0) / 10000000 ))  # centiseconds
    printf '%-10s %4d.%02d s\n' "$name" $((t1 / 100)) $((t1 % 100)) | tee -a "$out/times.txt"
  }
  local m="$data/mnist"
  step run-seed0 run --data "$m" --seed 0 -o "$out/run-seed0" -q
  step run-seed3 run --data "$m" --seed 3 -o "$out/run-seed3" -q
  step reanalyse analyze "$out/run-seed0" --name fisher --basis fisher --flatness-top 5 -q
  step dpsgd-one run --data "$m" --learners 1 --algo dpsgd -d 0.1 --noise-every 25 -M 50 --n-test 200 \
    -o "$out/dpsgd-one" -q
  step sweep sweep --data "$m" --param lr --values 0.05,0.1 --repeats 2 -M 50 --n-test 200 \
    -j 2 -q -o "$out/sweep"
  step compare compare --data "$m" --learners 2 -B 25 -M 50 --n-test 200 --repeats 2 \
    --noise-every 10 --max-epoch 40 -j 2 -q -o "$out/compare"
  echo "recorded: $out"
}

check() {
  [ $# -eq 2 ] || usage
  /usr/bin/python3 - "$1" "$2" <<'EOF'
import csv, json, os, sys

# Wall-clock timings, left out by key (JSON) or column (CSV) name:
#   summary.json  "seconds" {coverage, decomposition, dual_weights, eigh, hessian, pair_parts,
#                 losses, partners} (per-stage analysis times), "training"."seconds"
#   training.json "seconds", "seconds_per_epoch", "history"[i]."seconds"
# No CSV column is a timing.
TIMINGS = {"seconds", "seconds_per_epoch"}
NAMES = {"summary.json", "training.json", "directions.csv", "pairs.csv",
         "coverage.csv", "flatness.csv", "noise.csv"}
CAP = 50

def files(root):
    found = set()
    for d, _, names in os.walk(root):
        rel = os.path.relpath(d, root)
        for n in names:
            in_report = "report" in rel.split(os.sep)
            in_weights = os.path.basename(rel) == "weights"
            if n in NAMES or (in_report and n.endswith(".csv")) or (in_weights and n.endswith(".npy")):
                found.add(os.path.normpath(os.path.join(rel, n)))
    return found

def norm(v):
    """Text to compare: repr of the double for numbers (exact, -0.0 != 0.0), else str."""
    if isinstance(v, bool) or v is None:
        return json.dumps(v), False
    if isinstance(v, (int, float)):
        return repr(float(v)), True
    try:
        return repr(float(v)), True
    except ValueError:
        return str(v), False

numbers = differ = 0
added = set()
def same(f, key, a, b):
    global numbers, differ
    (ta, na), (tb, nb) = norm(a), norm(b)
    numbers += na and nb
    if ta != tb:
        differ += 1
        if differ <= CAP:
            print(f"{f}  {key}: {a} | {b}")

def walk(f, key, a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in TIMINGS:
                continue
            if k not in a:  # a key the newer awd records in addition: listed, not a difference
                added.add(f"{key}.{k}".lstrip(".").split("[")[0])
                continue
            walk(f, f"{key}.{k}" if key else k, a.get(k, "<missing>"), b.get(k, "<missing>"))
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            walk(f, f"{key}[{i}]", a[i] if i < len(a) else "<missing>",
                 b[i] if i < len(b) else "<missing>")
    elif isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        same(f, key, json.dumps(a)[:60], json.dumps(b)[:60])
    else:
        same(f, key, a, b)

def rows(path):
    with open(path, newline="") as fh:
        r = list(csv.reader(fh))
    return (r[0], r[1:]) if r else ([], [])

A, B = sys.argv[1], sys.argv[2]
fa, fb = files(A), files(B)
for f in sorted(fa ^ fb):
    print(f"missing in {B if f in fa else A}: {f}")
for f in sorted(fa & fb):
    pa, pb = os.path.join(A, f), os.path.join(B, f)
    if f.endswith(".json"):
        walk(f, "", json.load(open(pa)), json.load(open(pb)))
        continue
    if f.endswith(".npy"):  # the trained weights, byte for byte
        same(f, "bytes", open(pa, "rb").read().hex(), open(pb, "rb").read().hex())
        continue
    (ha, ra), (hb, rb) = rows(pa), rows(pb)
    same(f, "header", ",".join(ha), ",".join(hb))
    for i in range(max(len(ra), len(rb))):
        a = ra[i] if i < len(ra) else []
        b = rb[i] if i < len(rb) else []
        for j in range(max(len(a), len(b), len(ha))):
            col = ha[j] if j < len(ha) else str(j)
            if col not in TIMINGS:
                same(f, f"row {i + 1} {col}", a[j] if j < len(a) else "<missing>",
                     b[j] if j < len(b) else "<missing>")
if differ > CAP:
    print(f"... {differ - CAP} more differences not shown")
if added:
    print("keys only in " + B + ": " + ", ".join(sorted(added)))
print(f"behaviour: {len(fa & fb)} files, {numbers} numbers compared, {differ} differ"
      + (f", {len(fa ^ fb)} files missing" if fa ^ fb else ""))
sys.exit(1 if differ or fa ^ fb or not fa else 0)
EOF
}

case "${1:-}" in
  record) shift; record "$@" ;;
  check) shift; check "$@" ;;
  *) usage ;;
esac
