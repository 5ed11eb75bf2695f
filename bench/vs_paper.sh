#!/usr/bin/env bash
# awd's analysis of one MNIST solution against the paper authors' own code on
# the same solution, measured in one run, interleaved pair by pair.
#
#   bench/vs_paper.sh BUILD_DIR MNIST_DIR PAPER_CHECKOUT [pairs] [threads]
#
# BUILD_DIR holds awd and bench/bench_analysis; MNIST_DIR is a folder of MNIST
# IDX files; PAPER_CHECKOUT a checkout of github.com/YuFengDuke/A-W-Duality-Project
# (imported from there by bench/paper_analysis.py, never copied). Trains one
# solution of the paper's setting (4000 training / 1000 test samples, MLP
# 784-30-30-10, analysed layer fc2, N = 900), then per pair: the authors'
# eval_model (their analysis, timed inside Python: no interpreter start-up or
# imports), awd's analysis in-process (bench_analysis, median of 11), and a
# whole `awd analyze` process (wall time, start-up and files included).
# Prints the medians over the pairs and the ratios paper / awd.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '4,5p' "$0" | sed 's/^# *//' >&2; exit 2; }
build=$(realpath "$1"); data=$(realpath "$2"); paper=$(realpath "$3")
pairs=${4:-5}; threads=${5:-$(nproc)}
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
run=$work/run

"$build/awd" train --data "$data" -o "$run" -q >/dev/null
echo "solution: $(grep -o '"stop_reason": "[a-z_]*"' "$run/training.json"), $(grep -o '"epochs": [0-9]*' "$run/training.json")"

seconds_of() { awk -v k="$1" '$1 == k { print $2 }'; }
paper_t=(); inproc_t=(); process_t=(); floor_t=()
for ((i = 1; i <= pairs; ++i)); do
  # The authors' code on one thread: its faster setting here (11.4 s against
  # 14.6 s on 2), and what PyTorch chose by itself on this machine.
  p=$(/usr/bin/python3 "$here/paper_analysis.py" "$run" "$paper" 1 1 | tee -a "$work/paper.log" | seconds_of paper_seconds)
  a=$("$build/bench/bench_analysis" "$run" 11 "$threads" | tee -a "$work/awd.log" | seconds_of analysis_median_seconds)
  f=$(grep floor_seconds "$work/awd.log" | tail -n 1 | awk '{ print $2 }')
  t0=$(date +%s%N)
  "$build/awd" analyze "$run" --name bench --force -q --threads "$threads" >/dev/null
  w=$(awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.6f", ns / 1e9 }')
  printf 'pair %d: paper %.3f s   awd in-process %.4f s   awd analyze process %.3f s\n' "$i" "$p" "$a" "$w"
  paper_t+=("$p"); inproc_t+=("$a"); process_t+=("$w"); floor_t+=("$f")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mp=$(median "${paper_t[@]}"); ma=$(median "${inproc_t[@]}"); mw=$(median "${process_t[@]}"); mf=$(median "${floor_t[@]}")
echo "awd's last in-process run:"; tail -n 15 "$work/awd.log" | grep -v '_seconds ' | sed 's/^/  /'
echo "the paper's last run: $(grep 'paper analysis' "$work/paper.log" | tail -n 1)"
awk -v p="$mp" -v a="$ma" -v w="$mw" -v f="$mf" -v n="$pairs" -v t="$threads" 'BEGIN {
  printf "medians over %d pairs (awd on %d threads, the authors code on 1):\n", n, t
  printf "  the authors analysis (eval_model) %7.3f s\n", p
  printf "  awd analysis, in-process         %8.4f s   ratio %6.1fx\n", a, p / a
  printf "  awd analyze, whole process       %8.3f s   ratio %6.1fx\n", w, p / w
  printf "  floor of any dense analysis here %8.4f s   ratio %6.1fx (its three float64 operations alone)\n", f, p / f
}'
