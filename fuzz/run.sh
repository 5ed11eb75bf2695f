#!/usr/bin/env bash
# Builds the fuzz targets with clang, libFuzzer, ASan and UBSan, writes the
# seed corpus, and fuzzes each reader for SECONDS (default 600) in turn, one
# process each (the machine is shared). Prints per target: runs executed,
# coverage and findings (crash, leak, timeout or out-of-memory inputs, kept in
# BUILD/artifacts).
#
# usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#   TARGET: idx cifar npy config_json (default: all four)
# env:   AWD_FUZZ_BUILD (default /tmp/awd-fuzz-build), AWD_SHARED_DATA
#        (default ../shared/data of the repository), CXX (default clang++)
# needs: clang (Debian's clang-14 carries libFuzzer), libtorch-dev, python3-numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SECONDS_PER_TARGET=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(idx cifar npy config_json)
BUILD=${AWD_FUZZ_BUILD:-/tmp/awd-fuzz-build}
SHARED=${AWD_SHARED_DATA:-$REPO/../shared/data}
CXX=${CXX:-clang++}
mkdir -p "$BUILD/obj" "$BUILD/artifacts"

# -O1 -g: the sanitizers' usual; -fno-sanitize-recover: every UBSan report stops the run.
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all)
CXXFLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer "${SAN[@]}" -D_GLIBCXX_USE_CXX11_ABI=1
          -DAWD_VERSION=\"fuzz\" -I"$REPO/src" -I"$REPO/fuzz" -I/usr/include/torch/csrc/api/include)
LIBS=(-ltorch -ltorch_cpu -lc10 -lz)

# Only the readers and what they use, not all of awd.
READERS=(src/awd/data/dataset.cpp src/awd/io/npy.cpp src/awd/store/config_json.cpp src/awd/config.cpp
         src/awd/io/text_file.cpp fuzz/fuzz_files.cpp)
declare -A EXTRA=([idx]="dataset npy" [cifar]="dataset npy" [npy]="dataset npy" [config_json]="config_json config text_file")
# record_file moved from data/dataset.cpp to io/file_record.cpp on main; take it where it is.
if [ -f src/awd/io/file_record.cpp ]; then
  READERS+=(src/awd/io/file_record.cpp)
  for t in idx cifar npy; do EXTRA[$t]+=" file_record"; done
fi

# An object is rebuilt when its source or any header of awd or fuzz/ is newer.
compile() {  # SOURCE OBJECT [FLAGS...]
  local src=$1 obj=$2
  shift 2
  if [ -f "$obj" ] && [ ! "$src" -nt "$obj" ] && [ -z "$(find src/awd fuzz -name '*.h' -newer "$obj" | head -1)" ]; then
    return 0
  fi
  echo "compile $src"
  "$CXX" "${CXXFLAGS[@]}" "$@" -c "$src" -o "$obj"
}

build() {
  local pids=() src
  for src in "${READERS[@]}"; do
    compile "$src" "$BUILD/obj/$(basename "${src%.cpp}").o" -fsanitize=fuzzer-no-link &
    pids+=($!)
    # Two compilers at a time: each torch file takes ~1 GB and the machine has 2 cores.
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  done
  for t in "${TARGETS[@]}"; do
    compile "fuzz/fuzz_$t.cpp" "$BUILD/obj/fuzz_$t.o" -fsanitize=fuzzer-no-link &
    pids+=($!)
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for t in "${TARGETS[@]}"; do
    local objs=("$BUILD/obj/fuzz_$t.o" "$BUILD/obj/fuzz_files.o")
    for o in ${EXTRA[$t]}; do objs+=("$BUILD/obj/$o.o"); done
    "$CXX" "${SAN[@]}" -fsanitize=fuzzer "${objs[@]}" "${LIBS[@]}" -o "$BUILD/fuzz_$t"
  done
}

# The last "#N ... cov: C ft: F" line, the runs and exec/s of -print_final_stats.
summary() {  # TARGET LOG
  local t=$1 log=$2 runs eps cov ft findings
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
  findings=$(find "$BUILD/artifacts" -name "$t-*" | wc -l)
  printf '%-12s runs %-10s exec/s %-6s %-22s findings %s\n' "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "$findings"
  if [ "$findings" -gt 0 ]; then find "$BUILD/artifacts" -name "$t-*" | sed 's/^/    /'; fi
}

build
rm -rf "$BUILD/seeds"
/usr/bin/python3 fuzz/make_seeds.py "$BUILD/seeds" "$SHARED"

# LibTorch's own threads would only compete with the fuzzer for the 2 cores.
export OMP_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
results=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$t"
  echo "fuzz $t for ${SECONDS_PER_TARGET} s (log: $BUILD/$t.log)"
  # -malloc_limit_mb: a reader's honest allocations are a few times its input
  # (16 KiB, at most ~16 MiB once gunzipped); 256 MiB is a size taken from a header.
  inputs=("$BUILD/corpus/$t" "$BUILD/seeds/$t")
  if [ -d "fuzz/regressions/$t" ]; then inputs+=("fuzz/regressions/$t"); fi
  "$BUILD/fuzz_$t" "${inputs[@]}" -dict="fuzz/dict/$t.dict" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=16384 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -artifact_prefix="$BUILD/artifacts/$t-" -print_final_stats=1 >"$BUILD/$t.log" 2>&1 || true
  results+=("$(summary "$t" "$BUILD/$t.log")")
done
echo "--- $(date -u +%Y-%m-%d) ${SECONDS_PER_TARGET} s per target"
printf '%s\n' "${results[@]}"
