#!/usr/bin/env bash
# scripts/benchmark-limits.sh, small: its refusals, and one repeat of 20 batches per row, whose
# floor must be of those 20 batches (a whole epoch's floor would make every ratio far below 1).
# The rates come from a fixed machine report, so that the floors are known exactly whatever else
# runs on the machine (the real `info --machine` measures them); training is real.
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
  # Every matmul at 100 GFLOP/s in f32 and 200 in bf16, in `info --machine`'s format; bf16 only if
  # this CPU runs it (the real report then has a rate, not "-"), since the rows really train.
  work=$(mktemp -d)
  trap 'rm -rf -- "$work"' EXIT
  bf16=$("$pepita" info --machine | awk '$1 == "square" { print ($4 ~ /^[0-9]/) ? "200.0" : "-" }')
  {
    echo "cpu: a fixed report for the test"
    for use in "layer 1 forward     64x784x1024" "layer 1 update      1024x64x784" "layer 1 down        64x1024x784" \
      "layer 2 forward     64x1024x10" "layer 2 update      10x64x1024" "layer 2 down        64x10x1024" \
      "square              1024x1024x1024"; do
      echo "$use 100.0 $bf16 -"
    done
  } >"$work/machine"
  printf '#!/usr/bin/env bash\nif [[ $1 == info ]]; then cat %q; else exec %q "$@"; fi\n' "$work/machine" "$pepita" >"$work/pepita"
  chmod +x "$work/pepita"
  table=$(PEPITA_BIN=$work/pepita bash "$root/scripts/benchmark-limits.sh" 1 -- --max-batches 20 2>&1)
  check "the run succeeds" test $? -eq 0
  # The floors of 20 batches. fc PEPITA: per batch two forward products and one update a layer,
  # 3 · 2 · (64·784·1024 + 64·1024·10) FLOP; BP one forward and one update a layer and one product
  # down at layer 2; conv: 2000 samples, 3 · 2 · (576·32·25 + 4608·10) FLOP each.
  floor_of() { awk -F' *[|] *' -v row="$1" '$2 " " $3 " " $4 == row { print $7 }' <<<"$table"; }
  check "fc PEPITA f32 floor of 20 batches" test "$(floor_of "fc pepita f32")" == 0.062
  if [[ $bf16 == - ]]; then
    check "no bf16 here: its rows say so" test "$(grep -c 'not run: no bf16 kernels here' <<<"$table")" -eq 3
  else
    check "fc PEPITA bf16 floor of 20 batches" test "$(floor_of "fc pepita bf16")" == 0.031
  fi
  check "fc BP f32 floor of 20 batches" test "$(floor_of "fc bp f32")" == 0.042
  check "conv PEPITA f32 floor of 2000 samples" test "$(floor_of "conv pepita f32")" == 0.061
  # Each row's seconds, first epoch and ratio are positive numbers, the ratio inside its range.
  bad=$(awk -F' *[|] *' '/^[|] (fc|conv) / && $5 !~ /not run/ {
          split($9, range, "–")
          if (!($5 > 0 && $6 > 0 && $8 > 0 && range[1] <= $8 && $8 <= range[2])) print }' <<<"$table")
  check "every row measured, its ratio inside its range" test -z "$bad"
  [[ -z $bad ]] || echo "$bad"
  [[ $failed == 0 ]] || echo "$table"
fi
echo "$passed passed, $failed failed"
((failed == 0))
