#!/usr/bin/env bash
# scripts/benchmark-limits.sh, small: its refusals, and one repeat of 20 batches per row, whose
# floor must be of those 20 batches (a whole epoch's floor would make every ratio far below 1).
# Usage: test_benchmark_limits.sh PEPITA_BINARY [REPO_ROOT]. Needs $PEPITA_DATA_DIR/mnist for the
# run itself, else that part is skipped.
set -uo pipefail  # no -e: a failing check must be counted, not end the run
pepita=$1
root=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
script=$root/scripts/benchmark-limits.sh
passed=0 failed=0
check() {  # check NAME COMMAND…: passes when the command succeeds
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi
}
refused() {  # refused EXPECTED_MESSAGE ARG…: exit 2 and that one line on stderr
  local message=$1 out status; shift
  out=$(PEPITA_BIN=$pepita bash "$script" "$@" 2>&1 >/dev/null); status=$?
  [[ $status == 2 && $out == *"$message"* && $(wc -l <<<"$out") == 1 ]] || { echo "  got exit $status: $out"; return 1; }
}

check "REPEATS must be a number" refused "REPEATS must be a positive number, not 'x'" x
check "a shape option is refused" refused "--hidden changes what the floor is of" 1 -- --hidden 64
check "--batch-size=N is refused too" refused "--batch-size changes what the floor is of" 1 -- --batch-size=32
check "--max-batches needs a number" refused "--max-batches needs a positive number, not ''" 1 -- --max-batches

if [[ ! -d ${PEPITA_DATA_DIR:-}/mnist ]]; then
  echo "skipped: the benchmark run (no \$PEPITA_DATA_DIR/mnist)"
else
  table=$(PEPITA_BIN=$pepita bash "$root/scripts/benchmark-limits.sh" 1 -- --max-batches 20 2>&1)
  check "the run succeeds" test $? -eq 0
  rows=$(grep -cE '^\| (fc|conv) \| (pepita|bp) \| (f32|bf16) \| ' <<<"$table")
  check "six rows, or a row that says why it did not run" test "$rows" -eq 6
  # Each measured row: seconds, first epoch, floor, ratio and its range, all positive numbers, and
  # the ratio no lower than 0.5: below the floor by half means the floor was not of these batches.
  bad=$(awk -F' *\\| *' '/^\| (fc|conv) / && $5 !~ /not run/ {
          split($9, range, "–")
          if (!($5 > 0 && $6 > 0 && $7 > 0 && $8 >= 0.5 && range[1] <= $8 && $8 <= range[2])) print }' <<<"$table")
  check "every ratio is of the batches run" test -z "$bad"
  [[ -z $bad ]] || echo "$bad"
fi
echo "$passed passed, $failed failed"
((failed == 0))
