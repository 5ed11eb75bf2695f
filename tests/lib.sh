# The preamble the shell tests share (sourced, not run):
#   . "$(dirname "$0")/lib.sh" PREFIX
# a temporary folder $T (/tmp/PREFIX-XXXXXX) removed on exit, pass/fail
# counters with ok and bad, expect_error, and finish for the summary line.
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

# finish NAME: "NAME: P passed, F failed"; the status is that of the test (0 when none failed).
finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
