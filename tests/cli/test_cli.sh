#!/usr/bin/env bash
# The pepita command line as a user meets it: exit codes, one-line errors, and a real tiny run.
# usage: test_cli.sh PATH/TO/pepita
set -uo pipefail
pepita=${1:?usage: test_cli.sh PATH/TO/pepita}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

# A tiny idx data set: 40 train and 12 test images of 2×2, labels cycling 0..3.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/idx_files.sh"
mkdir -p "$work/tiny"
write_idx "$work/tiny" train 40
write_idx "$work/tiny" t10k 12
tiny_data=(--dataset "idx:$work/tiny" --hidden 8 --eval-batch-size 4 --epochs 2 --quiet)
tiny=("${tiny_data[@]}" --batch-size 5)

expect 0 '^pepita [0-9]' -- --version
expect 0 '^pepita [0-9]' -- train --version
expect 0 '^pepita [0-9]' -- info --version
expect 0 'commands:' -- --help
expect 0 'learning rate' -- train --help
expect 0 'pixel mean' -- info --help
expect 2 'no command' --
expect 2 "unknown command 'bogus'" -- bogus
expect 2 'unrecognised option|unrecognized option' -- train --bogus
expect 0 'S0' -- schedule --hidden 8
expect 2 "--format: 'bogus'" -- schedule --format bogus
# The virtual clock: a run of it, and its options' one-line errors.
expect 0 'bubble 0.2727' -- train --clock virtual --no-math --rule bp --hidden 8,8,8 --devices 4 --scheduler gpipe --micro-batches 8 --epochs 1 --max-batches 8
expect 2 'no-math needs --clock virtual' -- train --no-math
expect 2 "--clock: 'bogus' is not one of: host, virtual" -- train --clock bogus
expect 2 'more than the model.s 2 learning layers' -- train --clock virtual --no-math --devices 3
expect 2 "--placement: 'x' is not a device number" -- train --clock virtual --no-math --devices 2 --placement 0,x
expect 2 '--cost must be one of' -- train --clock virtual --cost bogus
expect 2 'cost measured needs --profile' -- train --clock virtual --cost measured
expect 2 'link-latency must be' -- train --clock virtual --link-latency -1
expect 1 'nonexistent.json: cannot open the profile' -- train --clock virtual --no-math --cost measured --profile "$work/nonexistent.json"
expect 2 'metrics cannot go with --no-math' -- train --clock virtual --no-math --metrics "$work/m.csv"
expect 2 'epochs' -- train --epochs
expect 2 'epochs' -- train --epochs abc
expect 2 'epochs must be at least 1' -- train --epochs 0
expect 2 'lr must be a finite number' -- train --lr nan
expect 2 'lr must be a finite number' -- train --lr -0.1
expect 2 'f-scale must be a finite number' -- train --f-scale inf
expect 2 'hidden: every layer needs at least 1 unit' -- train --hidden 1024,0
expect 2 'hidden:.*not a comma-separated list' -- train --hidden 10,x
expect 2 'dropout must be in' -- train --dropout 1
expect 2 "output-error: 'sideways'" -- train --output-error sideways
expect 2 "unknown scheduler 'warp'" -- train --scheduler warp
expect 2 "unknown data set 'imagenet'" -- train --dataset imagenet
expect 2 'config: cannot open' -- train --config "$work/missing.cfg"
expect 2 'larger than the training set' -- train "${tiny_data[@]}" --batch-size 41
# An impossible size: the bytes it would need, before anything is allocated (was: std::bad_alloc).
expect 2 'model needs [0-9.]+ GB .*this machine has' -- train --dataset "idx:$work/tiny" --quiet --batch-size 5 --hidden 2000000000
expect 2 "--rule: 'hebb' is not one of: pepita, pepita-forward, pepita-mixed, pepita-mixed-tl, mempepita, bp" -- train --rule hebb
expect 2 "--in-flight must be at least 1" -- train --scheduler pipelined --in-flight 0
expect 2 "--preset: 'icml' is not one of: paper, followup" -- train --preset icml
expect 2 "--preset followup: the follow-up trains fully connected nets only" -- train --preset followup --model conv
expect 2 "--normalize-activity applies to the PEPITA rules only" -- train --rule bp --normalize-activity
expect 2 "feedback mirroring needs --f-init factored" -- train --mirror-every 1
expect 2 "feedback mirroring applies to the PEPITA rules only" -- train --rule bp --f-init factored --mirror-every 1
expect 2 "feedback mirroring runs on the host clock only" -- train --preset followup --mirror-every 1 --clock virtual
expect 2 "--f-init factored needs a fully connected model" -- train "${tiny_data[@]}" --batch-size 5 --model conv2k2-fc4 --f-init factored

# Bad data: one line naming the file, exit 1.
mkdir -p "$work/bad"
cp "$work/tiny/"* "$work/bad/"
head -c 100 "$work/tiny/train-images-idx3-ubyte" >"$work/bad/train-images-idx3-ubyte"
expect 1 'bad/train-images-idx3-ubyte: .*header declares' -- info --dataset "idx:$work/bad"
expect 1 'data/mnist|mnist: not found' -- info --data-dir "$work/nowhere"

# A real run: per-epoch lines, a CSV with a header and one row per epoch, a JSON summary.
expect 0 'final test accuracy' -- train "${tiny[@]}" --metrics "$work/m.csv" --summary "$work/s.json"
if [[ $(wc -l <"$work/m.csv") -eq 3 ]] && grep -q '"test_accuracy"' "$work/s.json" && grep -q '"rule": "pepita"' "$work/s.json"; then
  pass
else
  echo "FAIL: metrics CSV or summary JSON incomplete"; failed=$((failed + 1))
fi
# ZCA-whitened input (Appendix G): listed in --help, a bad value is one line, and a whitened run
# says so in its summary and keeps it in its checkpoint's configuration, which --resume reads.
expect 0 'whiten HOW .*none \(default\) or zca' -- train --help
expect 2 "--whiten: 'pca' is not one of: none, zca" -- train --whiten pca
expect 0 'final test accuracy' -- train "${tiny[@]}" --whiten zca --summary "$work/w.json" --checkpoint-dir "$work/wck"
grep -q '"whiten": "zca"' "$work/w.json" && pass || { echo "FAIL: the whitened run's summary does not say zca"; failed=$((failed + 1)); }
expect 0 'final test accuracy' -- train --resume "$work/wck" --quiet --summary "$work/w2.json"
grep -q '"whiten": "zca"' "$work/w2.json" && pass || { echo "FAIL: --resume lost --whiten zca"; failed=$((failed + 1)); }
# Mixed precision: a nonsense value is refused; bf16 runs fc and conv where oneDNN has bf16
# kernels, and elsewhere stops before any work with one line naming the missing ISA.
expect 2 "--precision: 'fp16' is not one of: f32, bf16" -- train "${tiny[@]}" --precision fp16
# A stash kept as the updates since needs plain SGD steps; a nonsense form is refused.
expect 2 "--stash-form: 'rank1' is not one of: auto, copy, updates" -- train "${tiny[@]}" --scheduler pipelined --stash-form rank1
expect 2 "--stash-form updates needs --momentum 0 and --weight-decay 0" -- train "${tiny[@]}" --scheduler pipelined --weights stash --stash-form updates
# The fixed order of visits: a nonsense value and a scheduler without that order are refused in
# one line; the virtual clock keeps the order on its simulated devices.
expect 2 "--staleness: 'sometimes' is not one of: timing, fixed" -- train "${tiny[@]}" --scheduler pipelined --staleness sometimes
expect 2 "--staleness: the async scheduler does not read it" -- train "${tiny[@]}" --scheduler async --staleness fixed
# A configuration file is held to it too, by value: an option the scheduler does not read must keep
# its default there.
printf 'scheduler = async\nweights = stash\n' >"$work/unread.cfg"
expect 2 "--weights: the async scheduler does not read it \\(its options: --tokens\\)" -- train "${tiny[@]}" --config "$work/unread.cfg"
expect 0 'final test accuracy' -- train "${tiny[@]}" --scheduler pipelined --staleness fixed --clock virtual --devices 2
# The lags of the fixed order (D, or D1,D2,… per layer): each at most K − 1, none above the one
# below, one or one per learning layer (the tiny net has 2); a list that fits runs.
expect 2 "--staleness 4: a lag is at most K - 1 = 3 \\(with --in-flight 4\\)" -- train "${tiny[@]}" --scheduler pipelined --in-flight 4 --staleness 4
expect 2 "--staleness 1,2: a lag may not exceed the lag of the layer below it" -- train "${tiny[@]}" --scheduler pipelined --staleness 1,2
expect 2 "--staleness 2,1,0: 3 lags for 2 learning layers" -- train "${tiny[@]}" --scheduler pipelined --staleness 2,1,0
expect 2 "--staleness: '1,' is not one of" -- train "${tiny[@]}" --scheduler pipelined --staleness 1,
expect 0 'final test accuracy' -- train "${tiny[@]}" --scheduler pipelined --weights stash --staleness 1,0
expect 2 "--schedulers: '1' is not a scheduler; a label's staleness takes one lag" -- compare --schedulers pipelined:4:stash:auto:2,1
# A scheduler knob the chosen scheduler does not read is refused, not silently dropped; the same
# knob with the scheduler that reads it runs.
expect 2 "--weights: the async scheduler does not read it \\(its options: --tokens\\)" -- train "${tiny[@]}" --scheduler async --weights stash
expect 2 "--in-flight: the sequential scheduler does not read it \\(its options: none\\)" -- train "${tiny[@]}" --in-flight 2
expect 2 "--tokens: the pipelined scheduler does not read it" -- train "${tiny[@]}" --scheduler pipelined --tokens 2
expect 2 "--micro-batches: the zb-h1 scheduler does not read it" -- train "${tiny[@]}" --scheduler zb-h1 --micro-batches 2
expect 2 "--stash-form: only --weights stash keeps a stash" -- train "${tiny[@]}" --scheduler pipelined --stash-form copy
expect 0 'final test accuracy' -- train "${tiny[@]}" --scheduler gpipe --micro-batches 2
for model in fc conv2k2-fc4; do
  if "$pepita" train "${tiny[@]}" --model "$model" --precision bf16 --summary "$work/b.json" >"$work/out" 2>"$work/err"; then
    if grep -q '"precision": "bf16"' "$work/b.json"; then pass; else
      echo "FAIL: the bf16 $model run's summary does not say bf16"; failed=$((failed + 1)); fi
  elif [[ $? -eq 2 ]] && [[ $(wc -l <"$work/err") -eq 1 ]] && grep -q -- '--precision bf16: .*avx512_core' "$work/err"; then
    pass
  else
    echo "FAIL: pepita train --model $model --precision bf16"; sed 's/^/  | /' "$work/err" | head -3; failed=$((failed + 1))
  fi
done
# The same options from a config file give the same result.
printf 'hidden = 8\nbatch-size = 5\neval-batch-size = 4\nepochs = 2\n' >"$work/run.cfg"
expect 0 'final test accuracy' -- train --dataset "idx:$work/tiny" --config "$work/run.cfg" --quiet --metrics "$work/c.csv"
if cmp -s <(cut -d, -f1-6 "$work/m.csv") <(cut -d, -f1-6 "$work/c.csv"); then pass; else
  echo "FAIL: --config run differs from the command-line run"; failed=$((failed + 1)); fi
# A diverging run: one line naming epoch and batch, exit 1, and the CSV is not touched.
expect 1 'diverged.*layer [0-9]+ in epoch 1, batch [0-9]+' -- train "${tiny[@]}" --lr 1e30 --metrics "$work/d.csv"
[[ ! -e "$work/d.csv" ]] && pass || { echo "FAIL: diverged run wrote a CSV"; failed=$((failed + 1)); }

# An output that cannot be written is refused before any training, not after the first epoch (the
# metrics) or the last (the summary, the trace).
expect 1 "^pepita: $work/no-dir/m.csv.tmp: cannot create" -- train "${tiny[@]}" --metrics "$work/no-dir/m.csv"
expect 1 "^pepita: $work: cannot be written: Is a directory" -- train "${tiny[@]}" --summary "$work"
grep -q 'epoch' "$work/out" && fail "a run with an unwritable summary trained first" || pass

# A Chrome trace: every visit says which CPU it ran on, and scripts/trace-cpu-moves.py sorts a
# node's visits by whether that CPU held the node's previous visit. A trace without CPU numbers
# is refused in one line.
expect 0 'final test accuracy' -- train "${tiny[@]}" --scheduler pipelined --in-flight 2 --weights stash \
  --threads 2 --trace "$work/t.json"
python3 - "$work/t.json" <<'PY' && pass || fail "the trace's visits lack a CPU number"
import json, os, sys
visits = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e.get("ph") == "X"]
cpus = os.cpu_count()
sys.exit(0 if visits and all(0 <= e["args"]["cpu"] < cpus for e in visits) else 1)
PY
moves=$(python3 "$(dirname "${BASH_SOURCE[0]}")/../../scripts/trace-cpu-moves.py" "$work/t.json" 2>&1)
grep -Eq '^\| hidden 1 \| standard \| [0-9]+, ' <<<"$moves" && grep -Eq '^excess over warm: -?[0-9.]+ % of the busy time of [0-9]+ nodes' <<<"$moves" &&
  pass || fail "trace-cpu-moves.py: $moves"
sed 's/, "cpu": [0-9-]*//' "$work/t.json" >"$work/old.json"
if python3 "$(dirname "${BASH_SOURCE[0]}")/../../scripts/trace-cpu-moves.py" "$work/old.json" >/dev/null 2>"$work/err"; then
  fail "trace-cpu-moves.py accepted a trace without CPU numbers"
else
  [[ $(wc -l <"$work/err") -eq 1 ]] && grep -q 'without a CPU number' "$work/err" && pass || fail "trace-cpu-moves.py: $(cat "$work/err")"
fi

finish
