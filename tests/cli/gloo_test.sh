#!/usr/bin/env bash
# Learners in separate processes: `awd launch` and the Gloo exchange when
# everything works, when a rank dies mid-run, and on bad rendezvous settings.
# Each case must end with one clear line per process and a non-zero exit,
# within a bounded time (never a hang).
#   gloo_test.sh AWD GLOO_RANK setup|faults   (two ctest entries, each short)
AWD=$1
RANK_EXE=$2
MODE=$3
. "$(dirname "$0")/lib.sh" awd-gloo
# The bounds below are for a machine where a process starts in about a
# second (LibTorch loads 286 libraries); on a machine that other work slows
# down they stretch by the same factor: SLOW = how many 1.5 s one start takes
# here and now (at least 1), measured once.
t0=$(date +%s%N)
"$AWD" --version >/dev/null
start_ms=$((($(date +%s%N) - t0) / 1000000))
SLOW=$(((start_ms + 1499) / 1500))
[ "$SLOW" -ge 1 ] || SLOW=1
echo "one start of awd: $start_ms ms, bounds x$SLOW"
# run NAME MAX_SECONDS CMD...: runs CMD with a watchdog; sets rc and secs.
run() {
  local name=$1 max=$(($2 * SLOW))
  shift 2
  local t0=$SECONDS
  timeout -k 5 $((max + 30)) "$@" >"$T/out" 2>"$T/err"
  rc=$?
  secs=$((SECONDS - t0))
  echo "$name: $secs s"
  [ $rc -eq 124 ] && bad "$name: hung (killed by the watchdog)"
  [ $secs -le "$max" ] || bad "$name: took $secs s (more than $max)"
}
has() {  # has NAME PATTERN: stderr matches
  grep -qE "$2" "$T/err" && ok || bad "$1: no line matching '$2' in: $(cat "$T/err")"
}

if [ "$MODE" = setup ]; then
# Everything works: results checked by every rank (4 ranks run below, and in test_gloo.cpp).
for n in 2; do
  run "n=$n" 30 "$AWD" launch -n "$n" -- "$RANK_EXE" 20
  [ $rc -eq 0 ] && ok || bad "n=$n: exit $rc: $(cat "$T/err")"
  grep -qx "ok 20" "$T/out" && ok || bad "n=$n: rank 0 did not finish"
  [ -s "$T/err" ] && bad "n=$n: stderr not empty: $(cat "$T/err")" || ok
done

fi

if [ "$MODE" = faults ]; then
# A rank killed mid-run: the launcher names it, the survivors stop on their
# own (well before the launcher's 20 s grace period) naming it too.
run "killed rank" 15 "$AWD" launch -n 3 --timeout 20 -- "$RANK_EXE" 100000 1 30 kill
[ $rc -ne 0 ] && ok || bad "killed rank: exit 0"
has "killed rank" '^awd launch: rank 1 \(pid [0-9]+\) was killed by signal 9'
for r in 0 2; do has "killed rank" "^gloo_rank: rank $r: lost rank 1 \(pid [0-9]+\) during "; done
grep -q "SIGTERM" "$T/err" && bad "killed rank: survivors had to be terminated: $(cat "$T/err")" || ok
# One line per process from itself (the killed one has none) and one per failed rank from the launcher.
[ "$(wc -l <"$T/err")" -eq 5 ] && ok || bad "killed rank: expected 5 lines on stderr: $(cat "$T/err")"
for r in 0 2; do has "killed rank" "^awd launch: rank $r \(pid [0-9]+\) exited with code 2$"; done

# A rank that exits abruptly (no goodbye) in a ring of 4: its neighbours and
# the rank across the ring all stop.
run "exited rank" 15 "$AWD" launch -n 4 --timeout 20 -- "$RANK_EXE" 100000 2 25 exit
[ $rc -eq 1 ] && ok || bad "exited rank: exit $rc, expected rank 2's code 1"
has "exited rank" '^awd launch: rank 2 \(pid [0-9]+\) exited with code 1$'
for r in 0 1 3; do has "exited rank" "^gloo_rank: rank $r: lost rank 2 \(pid [0-9]+\) during "; done

# A rank that stalls (SIGSTOP) instead of dying: the others give up after the
# Gloo timeout, and the launcher stops the stalled one after its grace period.
run "stalled rank" 25 env AWD_GLOO_TIMEOUT=2 "$AWD" launch -n 2 --timeout 1 -- "$RANK_EXE" 100000 1 20 stop
[ $rc -ne 0 ] && ok || bad "stalled rank: exit 0"
has "stalled rank" '^gloo_rank: rank 0: .*([Tt]imed out|timeout)'
has "stalled rank" '^awd launch: rank 1 \(pid [0-9]+\) still running 1 s after the failure: SIGTERM'

fi

if [ "$MODE" = setup ]; then
# Bad rendezvous settings, one clear line each.
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run "world too large" 10 env MASTER_ADDR=127.0.0.1 MASTER_PORT="$P" RANK=0 WORLD_SIZE=3 AWD_GLOO_TIMEOUT=2 "$RANK_EXE" 5
[ $rc -eq 2 ] && ok || bad "world too large: exit $rc"
has "world too large" '^gloo_rank: rank 0: only 1 of 3 ranks joined within 2 s \(does WORLD_SIZE match the processes launched\?\)$'
run "rank too large" 10 env MASTER_ADDR=127.0.0.1 MASTER_PORT="$P" RANK=2 WORLD_SIZE=2 "$RANK_EXE" 5
has "rank too large" '^gloo_rank: rank 2: RANK=2 but WORLD_SIZE=2 \(RANK must be in 0..1\)$'
run "no env" 10 env -u MASTER_ADDR RANK=0 "$RANK_EXE" 5
has "no env" '^gloo_rank: rank 0: MASTER_ADDR is not set'
# Two launches on one port: the second's rank 0 cannot host the store.
"$AWD" launch -n 2 --port "$P" -- "$RANK_EXE" 100000 0 1000000 exit >/dev/null 2>&1 &  # idles: 10 ms a round
first=$!
sleep 1
run "port in use" 10 "$AWD" launch -n 2 --port "$P" --timeout 1 -- env AWD_GLOO_TIMEOUT=2 "$RANK_EXE" 5
[ $rc -ne 0 ] && ok || bad "port in use: exit 0"
has "port in use" "^gloo_rank: rank 0: cannot host the rendezvous store on MASTER_PORT=$P"
kill -TERM $first 2>/dev/null
wait $first

# The launcher itself.
run "launch no command" 5 "$AWD" launch -n 2
[ $rc -ne 0 ] && ok || bad "launch without a command: exit 0"
run "launch bad command" 5 "$AWD" launch -n 2 -- /nonexistent/cmd
[ $rc -eq 2 ] && ok || bad "launch bad command: exit $rc"
has "launch bad command" "^awd: launch: cannot run '/nonexistent/cmd': No such file or directory$"
fi

finish "gloo_test $MODE"
