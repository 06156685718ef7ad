#!/usr/bin/env bash
# `pepita calibrate` as a user meets it: a small real calibration writes a profile with a measured
# time for every training visit of the graph, and a mistake in the arguments is one line and
# exit status 2 before anything is measured.
# usage: test_calibrate.sh PATH/TO/pepita
set -uo pipefail
pepita=${1:?usage: test_calibrate.sh PATH/TO/pepita}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

fail() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}

# A real calibration, small: MNIST's shape, 32 hidden units, 4 timed batches per round, a short
# timed warm-up.
"$pepita" calibrate --hidden 32 --batches 4 --warmup-seconds 0.2 --out "$work/p.json" >"$work/out" 2>"$work/err"
status=$?
if [[ $status -ne 0 ]]; then
  fail "pepita calibrate --hidden 32 --batches 4 exited $status"
  sed 's/^/  | /' "$work/err" | head -5
fi
# PEPITA's graph for fc32-fc10 on MNIST: input, two layers, error, projection. Each visit the
# training batches make must have a key, for the batch size and the epoch's last batch (60000 = 937·64 + 32).
for key in "pepita input 784 standard rows=64" "pepita input 784 feedback rows=64" \
           "pepita dense 784x32 hidden standard rows=64" "pepita dense 784x32 hidden modulated rows=64" \
           "pepita dense 32x10 output standard rows=64" "pepita dense 32x10 output modulated rows=64" \
           "pepita error 10 standard rows=64" "pepita projection 10x784 error rows=64" \
           "pepita dense 784x32 hidden modulated rows=32"; do
  grep -qF "\"$key\": {\"mean_seconds\": " "$work/p.json" 2>/dev/null || fail "no \"$key\" in the profile"
done
# The host's own steps: each training call's start and drain, and the messages' hand-overs.
for key in "pepita host round" "pepita host handoff"; do
  grep -qF "\"$key\": {\"mean_seconds\": " "$work/p.json" 2>/dev/null || fail "no \"$key\" in the profile"
done
grep -q '"version": 2,' "$work/p.json" 2>/dev/null || fail "the profile has no format version"
grep -Eq '"dnnl_threads": [1-9]' "$work/p.json" 2>/dev/null || fail "the profile has no dnnl_threads"
grep -q 'evaluate' "$work/p.json" 2>/dev/null && fail "the profile holds evaluation visits"
# The table: a header, and a row per key with its median and visit count (3 rounds × 4 batches).
grep -Eq '^visit +mean µs +median µs +spread µs +visits$' "$work/out" || fail "no table header in the output"
grep -Eq '^pepita dense 784x32 hidden modulated rows=64 +[0-9.]+ +[0-9.]+ +[0-9.]+ +12$' "$work/out" ||
  fail "no table row for the hidden layer's modulated visit"

# GPipe's flush is timed per group size: 2 micro-batches of 64 rows flush 128 samples' updates.
"$pepita" calibrate --hidden 32 --scheduler gpipe --micro-batches 2 --batches 4 --warmup-seconds 0 \
  --max-batches 8 --out "$work/g.json" >/dev/null 2>"$work/err" || fail "a gpipe calibration failed: $(head -1 "$work/err")"
grep -qF '"pepita host flush rows=128": {"mean_seconds": ' "$work/g.json" 2>/dev/null || fail "no flush time in the gpipe profile"

# Mistakes: exit 2, exactly one line on stderr naming the problem, and no profile written.
expect_usage_error() {
  local pattern=$1
  shift
  "$pepita" calibrate "$@" >"$work/out" 2>"$work/err"
  local status=$? lines
  lines=$(wc -l <"$work/err")
  if [[ $status -ne 2 || $lines -ne 1 ]] || ! grep -Eq -- "$pattern" "$work/err"; then
    fail "pepita calibrate $* -> exit $status, $lines stderr lines (wanted 2 and 1 matching '$pattern')"
    sed 's/^/  | /' "$work/err" | head -5
  fi
}
expect_usage_error 'unrecognised option|unrecognized option' --bogus --out "$work/bad.json"
expect_usage_error '--batches must be at least 1' --batches 0 --out "$work/bad.json"
expect_usage_error '--repeats must be at least 1' --repeats 0 --out "$work/bad.json"
expect_usage_error '--warmup-seconds must be between 0 and 3600' --warmup-seconds -1 --out "$work/bad.json"
expect_usage_error 'batches' --batches abc --out "$work/bad.json"
expect_usage_error '--out: the directory .* does not exist' --out "$work/no/such/dir/p.json"
expect_usage_error 'pepita calibrate needs a data set of known shape' --dataset "idx:$work" --out "$work/bad.json"
[[ -e $work/bad.json ]] && fail "a refused calibration wrote a profile"

if [[ $failed -ne 0 ]]; then
  echo "$failed check(s) failed"
  exit 1
fi
echo "pepita calibrate: all checks passed"
