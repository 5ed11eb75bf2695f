# The preamble the shell tests share (sourced, not run):
#   . "$(dirname "$0")/lib.sh" PREFIX
# a temporary folder $T (/tmp/PREFIX-XXXXXX) removed on exit, pass/fail
# counters with ok and bad, expect_error, finish for the summary line, and
# test_data, which decides the data every shell test reads.
set -u
T=$(mktemp -d "/tmp/$1-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_error NAME PATTERN CMD...: non-zero exit, exactly one stderr line matching PATTERN
# (the exit status is left in $last_rc).
last_rc=0
expect_error() {
  local name=$1 pattern=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  last_rc=$rc
  local lines
  lines=$(grep -cv '^awd: warning' "$T/err")
  if [ $rc -eq 0 ]; then bad "$name: exit 0"; return; fi
  if [ "$lines" -ne 1 ]; then bad "$name: $lines lines on stderr: $(cat "$T/err")"; return; fi
  if ! grep -qE "$pattern" "$T/err"; then bad "$name: '$(cat "$T/err")' does not match '$pattern'"; return; fi
  ok
}

# expect_usage_error NAME PATTERN CMD...: expect_error, with exit status 2 (bad input).
expect_usage_error() {
  local before=$fail
  expect_error "$@"
  [ "$fail" -eq "$before" ] && [ "$last_rc" -ne 2 ] && bad "$1: exit $last_rc, not 2"
  return 0
}

# same_files WHAT DIR_A DIR_B FILES...: each file byte-identical in both folders.
same_files() {
  local what=$1 a=$2 b=$3
  shift 3
  for f in "$@"; do cmp -s "$a/$f" "$b/$f" && ok || bad "$what: $f differs"; done
}
# weights DIR: the .npy files of a weights folder, by name.
weights() { (cd "$1" && ls *.npy); }

# finish NAME: "NAME: P passed, F failed"; the status is that of the test (0 when none failed).
finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

# test_data SHARED_DATA: the image data of a shell test, decided here alone for
# every shell test (tests/test_files.h test_data() is the same rule in C++):
#   AWD_DATA when set, else SHARED_DATA (the repository's ../shared/data) when it
#   exists: its mnist/ (the MNIST test split) and cifar10/ (CIFAR-10), each where present;
#   otherwise, for MNIST, the test split alone of the Fashion-MNIST that setup
#   installs (the data of `awd run` with no --data), one split of 10000 28x28
#   images like the MNIST test split; for CIFAR-10, small batches generated here.
# Sets and exports AWD_TEST_MNIST and AWD_TEST_CIFAR (the folders; MNIST and CIFAR
# are the same), AWD_TEST_REAL_MNIST and AWD_TEST_REAL_CIFAR (1 for the real data
# set, 0 for the fallback), and prints which data the test reads.
test_data() {
  local root note
  root=$(realpath -m -- "${AWD_DATA:-$1}")  # absolute: tests change folders
  if [ -n "${AWD_DATA:-}" ] && [ ! -d "$AWD_DATA" ]; then
    # A mistyped AWD_DATA must not pass silently on the fallback: the test fails naming it.
    echo "test data: AWD_DATA=$AWD_DATA is not a folder"
    MNIST=$root/mnist CIFAR=$root/cifar10 AWD_TEST_REAL_MNIST=1 AWD_TEST_REAL_CIFAR=1
  else
    if [ -d "$root/mnist" ]; then
      MNIST=$root/mnist AWD_TEST_REAL_MNIST=1
      note="MNIST test split from $MNIST"
    else
      local fashion=/usr/share/datasets/fashion-mnist
      MNIST=$T/fashion-mnist-t10k AWD_TEST_REAL_MNIST=0
      mkdir -p "$MNIST" && ln -s "$fashion"/t10k-*-ubyte.gz "$MNIST"/ 2>/dev/null
      if [ -f "$fashion/t10k-images-idx3-ubyte.gz" ]; then
        note="Fashion-MNIST test split from $fashion (no real MNIST: AWD_DATA or $root/mnist)"
      else
        note="NO DATA: neither MNIST (AWD_DATA, $root/mnist) nor Fashion-MNIST ($fashion; apt-get install dataset-fashion-mnist)"
      fi
    fi
    if [ -d "$root/cifar10" ]; then
      CIFAR=$root/cifar10 AWD_TEST_REAL_CIFAR=1
      note="$note; CIFAR-10 from $CIFAR"
    else
      CIFAR=$T/tiny-cifar10 AWD_TEST_REAL_CIFAR=0
      tiny_cifar "$CIFAR"
      note="$note; no CIFAR-10, generated CIFAR-format batches (500 + 200 images)"
    fi
    echo "test data: $note"
  fi
  AWD_TEST_MNIST=$MNIST AWD_TEST_CIFAR=$CIFAR
  export AWD_TEST_MNIST AWD_TEST_CIFAR AWD_TEST_REAL_MNIST AWD_TEST_REAL_CIFAR
}

# tiny_cifar DIR: CIFAR-10 binary batches, 50 training and 20 test images per
# class: striped class patterns plus noise, learnable and overlapping a little.
# The bytes are those of test_files.h write_tiny_cifar (the C++ tests' copy).
tiny_cifar() {
  mkdir -p "$1"
  /usr/bin/python3 - "$1" <<'PY'
import sys
import numpy as np
a = np.array([1, 0, 1, 2, 1, 3, 2, 1, 0, 3], np.uint64)
b = np.array([0, 1, 1, 1, 2, 1, 3, 3, 2, 2], np.uint64)
p = np.arange(3072, dtype=np.uint64)
ch, i, j = p // 1024, p % 1024 // 32, p % 32
def batch(stream, n):
    k = np.arange(n, dtype=np.uint64)[:, None]
    c = k % 10
    stripe = ((a[c] * i + b[c] * j + 4 * ch) // 4 % 2).astype(np.int64) * 96 - 48
    h = ((stream * 1000003 + k * 3072 + p) * 2654435761) & 0xFFFFFFFF
    noise = (h >> 24).astype(np.int64) * 80 // 256 - 40
    records = np.empty((n, 3073), np.uint8)
    records[:, 0] = c[:, 0]
    records[:, 1:] = 128 + stripe + noise
    return records.tobytes()
open(sys.argv[1] + "/data_batch_1.bin", "wb").write(batch(1, 500))
open(sys.argv[1] + "/test_batch.bin", "wb").write(batch(2, 200))
PY
}
