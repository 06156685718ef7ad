#!/usr/bin/env bash
# Checkpoints as a user meets them, on real MNIST: a `pepita train` killed with SIGKILL at random
# moments and resumed each time ends with the same metrics and bit-identical weights as a run
# that was never interrupted; SIGTERM and SIGINT stop cleanly (143, 130) with a resumable
# checkpoint; --resume refuses what it must with one line. Needs $PEPITA_DATA_DIR/mnist, else the
# MNIST checks are skipped. Takes 20–40 s on two busy cores.
# usage: kill_and_resume.sh PATH/TO/pepita
set -uo pipefail
pepita=${1:?usage: kill_and_resume.sh PATH/TO/pepita}
work=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

# --resume takes the configuration from the checkpoint, so options that define training are mistakes.
expect 2 'lr cannot be given with --resume' -- train --resume "$work/nowhere" --lr 0.1
expect 2 'config cannot be given with --resume' -- train --resume "$work/nowhere" --config "$work/x.cfg"
expect 2 'checkpoint-every needs --checkpoint-dir' -- train --checkpoint-every 5
expect 2 'checkpoint-every must be >= 0' -- train --resume "$work/nowhere" --checkpoint-every -1
expect 1 'nowhere/checkpoint.pepita: checkpoint file not found' -- train --resume "$work/nowhere" --quiet
expect 2 'inspect: name a checkpoint' -- inspect

if [[ ! -d ${PEPITA_DATA_DIR:-}/mnist ]]; then
  echo "skipped: the MNIST checks (no \$PEPITA_DATA_DIR/mnist)"
  finish
fi

# Non-default values throughout, so that the configuration saved in the checkpoint is exercised.
# One oneDNN thread: a different thread count may sum in another order.
run_options=(--hidden 512 --max-batches 300 --epochs 3 --batch-size 32 --lr 0.05 --momentum 0.8 --dropout 0.2
             --seed 3 --decay-epochs 2 --lr-decay 0.5 --f-scale 0.07 --dnnl-threads 1 --quiet)
deterministic() { cut -d, -f1-6 "$1"; }  # the metrics CSV without its timing columns
arrays() { "$pepita" inspect "$1" | grep '^array '; }
position() { "$pepita" inspect "$1" | sed -n 's/^position //p'; }
now() { date +%s.%N; }
seconds_since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.2f", end - start }'; }

# start OUT ARGS…: runs pepita in the background as $pid and returns once it has loaded the data
# (its first stdout line) or ended.
start() {
  local out=$1
  shift
  : >"$out"  # there before the loop below looks
  "$pepita" "$@" >"$out" 2>"$out.err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && ! grep -q '^pepita train:' "$out"; do sleep 0.02; done
}
# stop PID: waits for it; its exit status.
stop() {
  wait "$1" 2>/dev/null  # without bash's "Killed" notice
  local status=$?
  pid=
  return $status
}

# The reference: never interrupted, checkpoints at epoch ends only (whole epochs in one piece).
started=$(now)
start "$work/ref.out" train "${run_options[@]}" --checkpoint-dir "$work/ref" --metrics "$work/ref.csv"
loaded=$(now)
stop "$pid" && pass || fail "the uninterrupted run failed: $(cat "$work/ref.out.err")"
training=$(seconds_since "$loaded")
echo "reference run: $(seconds_since "$started") s, $training s after loading the data"

expect 2 'already holds a checkpoint' -- train "${run_options[@]}" --checkpoint-dir "$work/ref"

# The configuration saved in the checkpoint reproduces the run when read back as a --config file.
"$pepita" inspect "$work/ref" | sed -n '/^configuration$/,$p' | tail -n +2 >"$work/saved.cfg"
expect 0 'final test accuracy' -- train --config "$work/saved.cfg" --quiet --metrics "$work/cfg.csv"
cmp -s <(deterministic "$work/ref.csv") <(deterministic "$work/cfg.csv") && pass ||
  fail "the saved configuration does not reproduce the run"

# Kill at random moments after the data is loaded, 0.1–1.0 s (shorter on a machine so fast that the
# run would end before five kills), resuming each time, until a run ends on its own or eight kills
# have landed.
max_delay_ms=$(awk -v t="$training" 'BEGIN { m = t * 1000 / 6; printf "%d", (m > 1000 ? 1000 : (m < 150 ? 150 : m)) }')
kills=0 mid_epoch=0 stuck=0 last_at=
while :; do
  if [[ -e $work/run/checkpoint.pepita ]]; then
    start "$work/run.out" train --resume "$work/run" --metrics "$work/run.csv" --quiet
  else
    start "$work/run.out" train "${run_options[@]}" --checkpoint-dir "$work/run" --checkpoint-every 20 \
      --metrics "$work/run.csv"
  fi
  # Killed again where the last kill left it: an epoch's end (evaluation, save) can take longer
  # than the delay, so allow longer until the run moves on.
  delay_ms=$((100 + RANDOM % ((stuck + 1) * max_delay_ms - 99)))
  # Eight kills show it (each resume reloads MNIST, so more only cost CI time); then the run ends.
  if ((kills < 8)); then
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null
  fi
  stop "$pid"
  status=$?
  if [[ $status -eq 0 ]]; then break; fi
  if [[ $status -ne 137 ]]; then
    fail "a resumed run failed with status $status: $(cat "$work/run.out.err")"
    break
  fi
  kills=$((kills + 1))
  if [[ -e $work/run/checkpoint.pepita ]]; then
    at=$(position "$work/run") || fail "kill $kills left a checkpoint that does not load"
    [[ $at == *" 0 batches into"* ]] || mid_epoch=$((mid_epoch + 1))
  else
    at="before the first checkpoint"
  fi
  echo "kill $kills after ${delay_ms} ms: $at"
  [[ $at == "$last_at" ]] && stuck=$((stuck + 1)) || stuck=0
  last_at=$at
  if [[ -e $work/run.csv ]] && awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit !bad }' "$work/run.csv"; then
    fail "kill $kills left a metrics file with a partial row"
  fi
  if ((kills > 40)); then
    fail "no resumed run finished after $kills kills"
    break
  fi
done
echo "$kills kills, $mid_epoch of them with a mid-epoch checkpoint to resume from"
((kills >= 5)) && pass || fail "only $kills kills landed before the run finished"
cmp -s <(deterministic "$work/ref.csv") <(deterministic "$work/run.csv") && pass ||
  fail "the killed and resumed run's metrics differ from the uninterrupted run's"
cmp -s <(arrays "$work/ref") <(arrays "$work/run") && [[ -n $(arrays "$work/ref") ]] && pass ||
  fail "the killed and resumed run's weights differ from the uninterrupted run's"
[[ $(position "$work/ref") == "$(position "$work/run")" ]] && pass || fail "the runs ended at different positions"

# A damaged or truncated checkpoint: one line naming the problem, exit 1, nothing trained.
mkdir -p "$work/damaged" "$work/truncated"
cp "$work/run/checkpoint.pepita" "$work/damaged/"
size=$(stat -c %s "$work/run/checkpoint.pepita")
# The middle byte's bits all flipped: writing a fixed value did nothing when the byte held it.
middle=$(od -An -tu1 -j $((size / 2)) -N1 "$work/run/checkpoint.pepita" | tr -d ' ')
printf "\\x$(printf %02x $((255 - middle)))" | dd of="$work/damaged/checkpoint.pepita" bs=1 seek=$((size / 2)) conv=notrunc status=none
head -c $((size / 2)) "$work/run/checkpoint.pepita" >"$work/truncated/checkpoint.pepita"
expect 1 'damaged/checkpoint.pepita: .*damaged' -- train --resume "$work/damaged" --quiet
expect 1 'truncated/checkpoint.pepita: .*truncated' -- train --resume "$work/truncated" --quiet

# stop_by SIGNAL STATUS DIR-OPTIONS…: a fresh run stopped by SIGNAL exits STATUS with one line.
stop_by() {
  local signal=$1 status=$2
  shift 2
  start "$work/stop.out" train "${run_options[@]}" --metrics "$work/stop.csv" "$@"
  sleep 0.3
  kill "-$signal" "$pid"
  stop "$pid"
  local got=$?
  if [[ $got -ne $status ]] || [[ $(wc -l <"$work/stop.out.err") -ne 1 ]]; then
    fail "SIG$signal: exit $got (wanted $status)"
    sed 's/^/  | /' "$work/stop.out.err" | head -5
    return 1
  fi
  pass
}

# SIGTERM: a checkpoint that resumes to the same end.
term=$work/term
if stop_by TERM 143 --checkpoint-dir "$term" --checkpoint-every 20; then
  line="pepita: interrupted; checkpoint saved in $term (resume with --resume $term)"
  [[ $(cat "$work/stop.out.err") == "$line" ]] && pass || fail "SIGTERM message: $(cat "$work/stop.out.err")"
  echo "SIGTERM stopped the run at: $(position "$term")"
  expect 0 'final test accuracy' -- train --resume "$term" --metrics "$work/stop.csv" --quiet
  cmp -s <(deterministic "$work/ref.csv") <(deterministic "$work/stop.csv") && cmp -s <(arrays "$work/ref") <(arrays "$term") &&
    pass || fail "the run stopped by SIGTERM and resumed differs from the uninterrupted run"
fi

# SIGINT, without a checkpoint directory. Job control keeps the shell from making background
# jobs ignore SIGINT.
set -m
if stop_by INT 130; then
  [[ $(cat "$work/stop.out.err") == "pepita: interrupted; no --checkpoint-dir, nothing saved" ]] && pass ||
    fail "SIGINT message: $(cat "$work/stop.out.err")"
fi
set +m

finish
