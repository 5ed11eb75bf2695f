#!/usr/bin/env bash
# The cost and the picture of --analyze-every on the paper's MNIST setting:
# B = 25 against B = 400, 3 repeats each, every solution trained twice (with
# and without --analyze-every K) so that the wall times compare and the final
# weights can be held against each other.
#   bench/trajectory.sh AWD DATA OUT ["B:K ..."] ["SEEDS"]   (default "25:5 400:5", "0 1 2")
# Rows are appended to OUT/times.csv (wall seconds of each training).
set -eu
AWD=$1 DATA=$2 OUT=$3 PAIRS=${4:-25:5 400:5} SEEDS=${5:-0 1 2}
mkdir -p "$OUT"
[ -f "$OUT/times.csv" ] || printf 'B,K,seed,epochs,snapshots,plain_s,traj_s,same_weights\n' >"$OUT/times.csv"
for pair in $PAIRS; do
  B=${pair%%:*} K=${pair##*:}
  for seed in $SEEDS; do
    t0=$(date +%s.%N)
    "$AWD" train --data "$DATA" -B "$B" --seed "$seed" -q -o "$OUT/plain-B$B-s$seed" >/dev/null
    t1=$(date +%s.%N)
    "$AWD" train --data "$DATA" -B "$B" --seed "$seed" -q --analyze-every "$K" -o "$OUT/traj-B$B-s$seed" >/dev/null
    t2=$(date +%s.%N)
    same=yes
    for f in "$OUT/plain-B$B-s$seed"/weights/*.npy; do
      cmp -s "$f" "$OUT/traj-B$B-s$seed/weights/$(basename "$f")" || same=no
    done
    epochs=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['epochs'])" "$OUT/plain-B$B-s$seed/training.json")
    snaps=$(ls -d "$OUT/traj-B$B-s$seed"/trajectory/epoch-* | wc -l)
    printf '%s,%s,%s,%s,%s,%.1f,%.1f,%s\n' "$B" "$K" "$seed" "$epochs" "$snaps" "$(echo "$t1 - $t0" | bc)" \
      "$(echo "$t2 - $t1" | bc)" "$same" | tee -a "$OUT/times.csv"
  done
done
