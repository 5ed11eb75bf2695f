#!/usr/bin/env bash
# The README's figure of bench/trajectory.sh: dL_s and dL_f of every traj-B*-s*
# run in OUT against SGD steps (epoch x 4000 / B), B = 25 blue, B = 400 orange;
# solid dL_s, dashed dL_f, one line per repeat.
#   bench/trajectory_figure.sh OUT PNG
set -eu
OUT=$1 PNG=$2
plots=()
titled=" "
for dir in "$OUT"/traj-B*-s*; do
  B=${dir##*traj-B} B=${B%%-s*}
  [ -f "$dir/trajectory/trajectory.csv" ] || continue
  color=$([ "$B" = 25 ] && echo "#1b3b8a" || echo "#e76f51")
  x="(column('epoch') * 4000 / $B)"
  # One legend entry per batch size, not per repeat.
  ts="title 'ΔL_s, B = $B'" tf="title 'ΔL_f, B = $B'"
  case "$titled" in *" $B "*) ts=notitle tf=notitle ;; esac
  titled="$titled$B "
  plots+=("'$dir/trajectory/trajectory.csv' using $x:(column('dL_s')) with linespoints lw 2 pt 7 ps 0.6 lc rgb '$color' $ts")
  plots+=("'$dir/trajectory/trajectory.csv' using $x:(column('dL_f')) with linespoints lw 2 dt 2 pt 6 ps 0.6 lc rgb '$color' $tf")
done
plot=$(IFS=,; echo "${plots[*]}")
gnuplot <<GP
set encoding utf8
set datafile separator ','
set datafile columnheaders
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,12'
set output '$PNG'
set xlabel 'SGD steps (epoch x M_{total} / B)'
set ylabel 'part of the generalization gap (nats)'
set grid lc rgb '#dddddd'
set key outside below center horizontal noenhanced
plot $plot
GP
