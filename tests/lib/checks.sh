# The shell tests' tally and their check of one pepita command (source this file). The sourcing
# script sets $pepita and $work (a scratch directory) first.

passed=0 failed=0

pass() { passed=$((passed + 1)); }
fail() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}
# Prints the tally and exits, non-zero if any check failed.
finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  exit
}

# expect STATUS PATTERN -- ARGS…: `pepita ARGS…` exits with STATUS, PATTERN is on its stdout or
# stderr, and an error is exactly one stderr line. A command that outlives $expect_timeout seconds
# (default 120) fails: nothing may hang.
expect() {
  local status=$1 pattern=$2
  shift 3
  timeout "${expect_timeout:-120}" "$pepita" "$@" >"$work/out" 2>"$work/err"
  local got=$? lines
  lines=$(wc -l <"$work/err")
  if [[ $got -ne $status ]] || ! grep -Eq -- "$pattern" "$work/out" "$work/err" ||
     { [[ $status -ne 0 ]] && [[ $lines -ne 1 ]]; }; then
    fail "pepita $* -> exit $got (wanted $status), $lines stderr lines, pattern '$pattern'"
    sed 's/^/  | /' "$work/out" "$work/err" | tail -8
  else
    pass
  fi
}
