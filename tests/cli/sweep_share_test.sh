#!/usr/bin/env bash
# One sweep folder shared by several `awd sweep` processes (docs/cluster.md),
# and children that die with their parent:
#   share     three sweeps started together on one folder train every solution
#             once, with the numbers of a single sweep; two different experiments
#             racing for one empty folder: one wins, the other is refused
#   takeover  a sweep killed with -9 while training: its child dies with it, and
#             the claim it left (as from a machine that died) is taken over by
#             another sweep once the claim timeout passed; kill -9 of awd launch
#             leaves no rank running
#   sweep_share_test.sh AWD SHARED_DATA share|takeover   (two ctest entries; lib.sh test_data: which data)
AWD=$1
MODE=$3
. "$(dirname "$0")/lib.sh" awd-sweep-share
test_data "$2"

SW=(sweep --data "$MNIST" -M 10 --n-test 50 --max-epoch 40 --param lr --values 0.05,0.1,0.2 --repeats 2 -j 1)
TK=(sweep --data "$MNIST" -M 10 --n-test 50 --max-epoch 40 --param lr --values 0.05,0.1 --repeats 1 -j 1)

# wait_for SECONDS CMD...: polls CMD every 0.1 s; false when it never held.
wait_for() {
  local tenths=$(($1 * 10))
  shift
  for _ in $(seq 1 "$tenths"); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
all_gone() {  # all_gone PID...: none of the processes runs
  for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done
  return 0
}
# number NAME FILE: the count "N NAME" in a sweep's status line (0 when absent).
number() {
  local n
  n=$(grep -oE "[0-9]+ $1" "$2" | head -1 | cut -d' ' -f1)
  echo "${n:-0}"
}

# Leftovers of the claim protocol: claims, temporary and set-aside files.
leftovers() { find "$1" -name 'claim.json*' -o -name '*.tmp.*' -o -name 'sweep.json.*'; }

if [ "$MODE" = share ]; then
"$AWD" "${SW[@]}" -q -o "$T/single" >"$T/single.out" 2>&1 && ok || bad "single sweep: $(tail -3 "$T/single.out")"
pids=()
for w in 1 2 3; do
  "$AWD" "${SW[@]}" -q -o "$T/shared" >"$T/w$w.out" 2>"$T/w$w.err" &
  pids+=($!)
done
for w in 1 2 3; do
  wait "${pids[$((w - 1))]}" && ok || bad "worker $w: exit $?: $(cat "$T/w$w.err")"
done
ran=0
for w in 1 2 3; do
  out=$T/w$w.out
  grep -qE "^sweep: 6 solutions, .* finished by other workers; report" "$out" && ok ||
    bad "worker $w: no status line: $(tail -2 "$out")"
  ran=$((ran + $(number run, "$out")))
  # Each worker accounts for every solution: found finished, trained, or finished by the others.
  sum=$(($(number "already finished" "$out") + $(number run, "$out") + $(number diverged "$out") +
         $(number "finished by other workers" "$out")))
  [ "$sum" -eq 6 ] && [ "$(number failed "$out")" -eq 0 ] && ok || bad "worker $w: counts: $(tail -1 "$out")"
done
[ "$ran" -eq 6 ] && ok || bad "the three workers trained $ran solutions, not 6: $(tail -qn1 "$T"/w?.out)"
# Each solution's log.txt keeps every attempt: one attempt, one finished training.
for log in "$T"/shared/runs/*/rep*/log.txt; do
  [ "$(grep -c '^== awd sweep: attempt by ' "$log")" -eq 1 ] && [ "$(grep -c '^results: ' "$log")" -eq 1 ] && ok ||
    bad "$log: not exactly one training: $(grep -E '^(== awd sweep|results: )' "$log")"
done
[ "$(ls "$T"/shared/runs/*/rep*/log.txt | wc -l)" -eq 6 ] && ok || bad "expected 6 solutions"
[ -z "$(leftovers "$T/shared")" ] && ok || bad "left behind: $(leftovers "$T/shared")"
/usr/bin/python3 - "$T/single" "$T/shared" <<'PY' && ok || bad "the shared sweep's numbers differ from a single sweep's"
import glob, json, os, sys
a, b = sys.argv[1], sys.argv[2]
def runs(d):
    return sorted(os.path.relpath(p, d) for p in glob.glob(d + "/runs/*/*/analysis/summary.json"))
assert runs(a) == runs(b) and len(runs(a)) == 6, (runs(a), runs(b))
def numbers(s):  # without times and run identities
    if isinstance(s, dict):
        return {k: numbers(v) for k, v in s.items() if k != "seconds" and "run_id" not in k}
    return s
for r in runs(a):
    assert numbers(json.load(open(os.path.join(a, r)))) == numbers(json.load(open(os.path.join(b, r)))), r
for f in ("summary.csv", "ranks.csv", "solutions.csv"):
    assert open(f"{a}/report/{f}").read() == open(f"{b}/report/{f}").read(), f
PY

# Two experiments racing for one empty folder, two rounds: one wins, the other
# is refused with one line and exit 2 (and never prints a table).
TINY=(sweep --data "$MNIST" -M 10 --n-test 50 --max-epoch 2 --repeats 1 -j 1 -q)
for round in 1 2; do
  d=$T/race$round
  "$AWD" "${TINY[@]}" --param lr --values 0.1 -o "$d" >"$T/ra.out" 2>"$T/ra.err" &
  pa=$!
  "$AWD" "${TINY[@]}" --param lr --values 0.3 -o "$d" >"$T/rb.out" 2>"$T/rb.err" &
  pb=$!
  wait $pa
  ra=$?
  wait $pb
  rb=$?
  if [ $ra -eq 0 ]; then win=a lose=b rl=$rb; else win=b lose=a rl=$ra; fi
  [ $((ra == 0)) -ne $((rb == 0)) ] && ok || bad "race $round: exits $ra and $rb (exactly one must win)"
  [ "$rl" -eq 2 ] && [ "$(wc -l <"$T/r$lose.err")" -eq 1 ] &&
    grep -q "^awd: $d: holds a sweep of another experiment" "$T/r$lose.err" && [ ! -s "$T/r$lose.out" ] && ok ||
    bad "race $round: the loser (exit $rl) said: $(cat "$T/r$lose.err" "$T/r$lose.out")"
  value=$([ $win = a ] && echo 0.1 || echo 0.3)
  [ "$(ls "$d/runs")" = "lr=$value" ] &&
    [ "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["values"])' "$d/sweep.json")" = "[$value]" ] && ok ||
    bad "race $round: folder holds $(ls "$d/runs"), not the winner's lr=$value"
done
fi

if [ "$MODE" = takeover ]; then
# A sweep killed with -9 while it trains: its `awd solve` child dies with it.
"$AWD" "${TK[@]}" -q -o "$T/tk" >/dev/null 2>&1 &
w=$!
wait_for 120 sh -c "ls '$T'/tk/runs/*/rep*/claim.json >/dev/null 2>&1 && pgrep -P $w >/dev/null" ||
  bad "the sweep never claimed a solution"
kids=$(pgrep -P $w)
kill -9 $w
wait $w 2>/dev/null
wait_for 2 all_gone $kids && ok || bad "kill -9 of a sweep left its children running: $(ps -o pid,args -p $kids)"
claims=$(ls "$T"/tk/runs/*/rep*/claim.json 2>/dev/null)
[ "$(echo "$claims" | wc -w)" -eq 1 ] && ok || bad "expected one claim left, found: $claims"
claim=$(echo "$claims" | head -1)
# As if the sweep had run on a machine that died: its process cannot be asked,
# so only the missing heartbeat frees the claim.
/usr/bin/python3 - "$claim" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["host"] = "node-that-died"
open(sys.argv[1], "w").write(json.dumps(c) + "\n")
PY
t0=$(date +%s.%N)
"$AWD" "${TK[@]}" --claim-timeout 3 -o "$T/tk" >"$T/tk.out" 2>"$T/tk.err" && ok || bad "takeover sweep: $(tail -3 "$T/tk.err")"
secs=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
echo "takeover: the second sweep took $secs s"
awk -v s="$secs" 'BEGIN { exit !(s >= 3) }' && ok || bad "the claim was taken before the 3 s timeout ($secs s)"
grep -qE "taking over the claim of node-that-died pid [0-9]+ \(no heartbeat for [3-9] s\)" "$T/tk.err" && ok ||
  bad "no takeover line: $(cat "$T/tk.err")"
[ "$(find "$T/tk/runs" -name summary.json | wc -l)" -eq 2 ] && ok || bad "the sweep did not finish after the takeover"
[ -z "$(leftovers "$T/tk")" ] && ok || bad "left behind: $(leftovers "$T/tk")"
log=$(dirname "$claim")/log.txt
[ "$(grep -c '^== awd sweep: attempt by ' "$log")" -eq 2 ] && [ "$(grep -c '^results: ' "$log")" -eq 1 ] && ok ||
  bad "$log: expected the killed attempt and the finished one: $(grep -E '^(== awd sweep|results: )' "$log")"
grep -q "0 failed, " "$T/tk.out" && ok || bad "takeover sweep status: $(tail -1 "$T/tk.out")"

# kill -9 of awd launch: its ranks die with it.
"$AWD" launch -n 2 -- sleep 300 >/dev/null 2>&1 &
l=$!
wait_for 30 sh -c "[ \$(pgrep -P $l | wc -l) -eq 2 ]" || bad "awd launch did not start its ranks"
kids=$(pgrep -P $l)
kill -9 $l
wait $l 2>/dev/null
wait_for 2 all_gone $kids && ok || bad "kill -9 of awd launch left its ranks running: $(ps -o pid,args -p $kids)"
kill -9 $kids 2>/dev/null
fi

finish "sweep-$MODE"
