#!/usr/bin/env bash
# `pepita reproduce` as a user meets it: mistakes are one line and a non-zero exit before any
# training; `all --quick` on real MNIST writes every experiment's markdown (with the paper's
# values), CSV, SVG and PNG; a second invocation skips every finished run, a run whose result is
# gone is redone from its checkpoint, a changed setting makes new runs, and a child run that fails
# is named in one line. The ablations, weights, whitening and tsne reports check what they measure
# against the paper's claims (a frozen hidden layer under F = 0, Table 4's values beside ours, the
# fits' log-likelihoods, the embedding before and after). Needs $PEPITA_DATA_DIR/mnist, else the
# MNIST checks are skipped.
# usage: test_reproduce.sh PATH/TO/pepita
set -uo pipefail
pepita=${1:?usage: test_reproduce.sh PATH/TO/pepita}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

expect 2 "unknown experiment 'table9'" -- reproduce table9 --out "$work/r"
expect 2 'no experiment given' -- reproduce --out "$work/r"
expect 2 '--jobs must be >= 1' -- reproduce table1 --jobs 0 --out "$work/r"
expect 2 '--seeds must be >= 1' -- reproduce table1 --seeds 0 --out "$work/r"
expect 2 '--conv-seeds must be >= 1' -- reproduce table1 --conv-seeds 0 --out "$work/r"
expect 2 '--study-seeds must be >= 1' -- reproduce deep --study-seeds -1 --out "$work/r"
expect 2 '--repeats must be >= 1' -- reproduce schedulers --repeats 0 --out "$work/r"
expect 2 "the experiment 'curves' is listed twice" -- reproduce curves,norms,curves --out "$work/r"
expect 2 "'all' cannot be listed with other experiments" -- reproduce curves,all --out "$work/r"
expect 2 "an empty experiment name in 'curves,,norms'" -- reproduce curves,,norms --out "$work/r"
expect 2 "an empty experiment name in 'curves,'" -- reproduce curves, --out "$work/r"
expect 2 "unknown experiment 'norm'" -- reproduce curves,norm --out "$work/r"
touch "$work/a-file"
expect 2 "--out: cannot write in '$work/a-file/sub'" -- reproduce curves --quick --out "$work/a-file/sub"
expect 2 "--collection: cannot write in '$work/a-file'" -- reproduce curves --quick --out "$work/r" --collection "$work/a-file/c.md"
[[ ! -e $work/r/runs || -z $(ls "$work/r/runs") ]] || fail "a bad --collection started training"
expect 0 'slowness +Table 3' -- reproduce --help
expect 0 'schedulers +docs/schedulers.md' -- reproduce --help
expect 0 'deep +issue 13' -- reproduce --help

# A data set whose files are there but are not idx files: the child run fails, and reproduce says
# which one, in one line, with its reason.
mkdir -p "$work/bad/mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  echo garbage >"$work/bad/mnist/$f"
done
expect 1 'the run pepita fc mnist seed 0 failed \(exit 1\): pepita: .*idx' -- \
  reproduce alignment --quick --seeds 1 --data-dir "$work/bad" --out "$work/bad-out"

if [[ ! -d ${PEPITA_DATA_DIR:-}/mnist ]]; then
  echo "skipped: the MNIST checks (no \$PEPITA_DATA_DIR/mnist)"
  finish
fi

out=$work/r
# fc and conv × 4 rules × 2 seeds: table1's 16 runs, which the other experiments share; then all
# adds × 2 seeds the ablations' F = 0 and three random perturbations (8), BP and PEPITA without
# dropout for the weights (4), whitened PEPITA (2); tsne embeds table1's PEPITA run; and, one seed
# each under --quick, the three schedules of one small net (3) and the two small deep nets (2: 1 and 3
# hidden layers, one at each preset). Two invocations, so that neither comes near expect's 120 s
# limit on a loaded machine.
expect 0 '16 runs planned; skipped 0 runs already complete; 16 to run' -- reproduce table1 --quick --seeds 2 --jobs 2 --out "$out"
expect 0 '35 runs planned; skipped 16 runs already complete; 19 to run' -- reproduce all --quick --seeds 2 --jobs 2 --out "$out"
for experiment in table1 curves norms alignment slowness ablations weights whitening tsne schedulers deep; do
  for ext in md csv svg png; do
    [[ -s $out/$experiment.$ext ]] || fail "$experiment.$ext is missing or empty"
  done
  [[ $(wc -l <"$out/$experiment.csv") -gt 1 ]] || fail "$experiment.csv has no data rows"
  [[ $(head -c 8 "$out/$experiment.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$experiment.png is not a PNG"
  grep -q '<svg' "$out/$experiment.svg" || fail "$experiment.svg is not an SVG"
  grep -q -- '--quick' "$out/$experiment.md" || fail "$experiment.md does not say it is a --quick run"
  grep -q 'pepita reproduce all --quick --seeds 2 --jobs 2' "$out/$experiment.md" || fail "$experiment.md lacks its command"
  # The collection holds every report of `all`, each under its anchor with its figure and data.
  title=$(head -1 "$out/$experiment.md" | sed 's/^# //')
  grep -qxF -- "- [$title](#$experiment)" "$out/reproduction.md" || fail "reproduction.md's contents lack $experiment"
  grep -A2 -F "<a id=\"$experiment\"></a>" "$out/reproduction.md" | grep -qxF "## $title" ||
    fail "reproduction.md lacks the section of $experiment"
  grep -qF "]($experiment.svg)" "$out/reproduction.md" || fail "reproduction.md lacks $experiment's figure"
done
grep -q '^Made by `pepita reproduce all --quick --seeds 2 --jobs 2' "$out/reproduction.md" ||
  fail "reproduction.md lacks the command that made it"
grep -q -- '--quick' "$out/reproduction.md" || fail "reproduction.md does not say it is a --quick run"
grep -q '| model | data set | rule | ours \[%\] | paper \[%\] | within paper ± 2σ |' "$out/table1.md" || fail "table1.md lacks the paper's column"
grep -Eq '^\| fc \| mnist \| pepita \| [0-9.]+ ± [0-9.]+ \| 98\.01 ± 0\.09 \| (✔|✘ \((above|below)\)) \|$' "$out/table1.md" ||
  fail "table1.md lacks PEPITA's fc MNIST row beside the paper's 98.01 ± 0.09"
if [[ ! -d $PEPITA_DATA_DIR/cifar-10-batches-bin ]]; then
  grep -q '| fc | cifar10 | pepita | missing' "$out/table1.md" || fail "table1.md does not mark CIFAR-10 missing"
fi
grep -q '| mnist | pepita | .* | 0.049 |' "$out/slowness.md" || fail "slowness.md lacks the paper's slowness beside PEPITA's"
for figure in weights-layer2 weights-fit-bp-dropout weights-fit-bp-no-dropout weights-fit-pepita-dropout \
  weights-fit-pepita-no-dropout tsne-initialization schedulers-locking-stages schedulers-locking-ms deep-final; do
  [[ -s $out/$figure.png && -s $out/$figure.svg ]] || fail "the figure $figure is missing"
  grep -q "($figure.svg)" "$out/${figure%%-*}.md" || fail "${figure%%-*}.md does not show $figure"
done
for variant in 'PEPITA' 'F = 0' 'RP k = 0.01' 'RP k = 0.1' 'RP k = 1'; do
  grep -Eq "^\| mnist \| $variant \| [0-9.]+ ± [0-9.]+ \| — \|$" "$out/ablations.md" || fail "ablations.md lacks MNIST's $variant row"
done
# F = 0 must leave the hidden layer exactly as it was: measured from the runs' ‖W₁‖.
grep -q 'the hidden layer did not change' "$out/ablations.md" || fail "ablations.md: F = 0 changed the hidden layer"
grep -Eq '^\| ZCA-whitened .* \| 0\.01 \| [0-9.]+ ± [0-9.]+ \| 92\.08 ± 0\.14 \| (✔|✘ \((above|below)\)) \|$' "$out/whitening.md" ||
  fail "whitening.md lacks the whitened row beside Table 4's 92.08 ± 0.14"
grep -Eq '^\| output layer \(W2\) \| PEPITA, no dropout \| 10240 \| [0-9.]+ ± [0-9.]+ \| -?[0-9.]+ ± [0-9.]+ \| -?[0-9.]+ ± [0-9.]+ \|' "$out/weights.md" ||
  fail "weights.md lacks the fits of PEPITA's output layer"
[[ $(grep -c ',yes$' "$out/weights.csv") -eq 16 ]] || fail "weights.csv: not every Student-t fit converged"
grep -Eq '^\| trained \| [0-9.]+ % \| [0-9.]+ \|$' "$out/tsne.md" || fail "tsne.md lacks the trained embedding's row"
[[ $(grep -c '^trained,' "$out/tsne.csv") -eq 200 ]] || fail "tsne.csv does not hold the 200 trained points of --quick"
# The schedulers' table: throughput as a ratio to sequential's (1 for sequential itself), and the
# locking latency of layer 1 and the output in ms and stages, read from the runs' summaries.
grep -Eq '^\| pepita \| sequential \| 1\.00 \| [0-9]+ \| [0-9.]+ \| [0-9]+ \| [0-9.]+ \| [0-9]+ \| 0 \| 0 \|$' "$out/schedulers.md" ||
  fail "schedulers.md lacks PEPITA's sequential row"
grep -Eq '^\| pepita \| pipelined 4, stash \| [0-9.]+ \| [0-9]+ \| [0-9.]+ \| [0-9]+ \| [0-9.]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \|$' "$out/schedulers.md" ||
  fail "schedulers.md lacks PEPITA's pipelined row"
grep -q 'Timings depend on the machine' "$out/schedulers.md" || fail "schedulers.md does not say its timings are this machine's"
[[ $(grep -c '^pepita,gpipe4,2,32,16,0,' "$out/schedulers.csv") -eq 3 ]] || fail "schedulers.csv lacks GPipe's three layers"
# Each depth at its own setting (docs/deep-pepita.md): --quick's 1 × 32 at the paper's preset, 3 × 32
# with each sample's activity normalised.
grep -Eq '^\| 1 × 32 \| paper \| 1 of 1 \| [0-9.]+ \| [0-9.]+ \| — \| — \|$' "$out/deep.md" || fail "deep.md lacks the 1-hidden-layer row at the paper's preset"
grep -Eq '^\| 3 × 32 \| sample-norm \| 1 of 1 \| [0-9.]+ \| [0-9.]+ \| — \| — \|$' "$out/deep.md" || fail "deep.md lacks the 3-hidden-layer row with each sample's activity normalised"
grep -q '^- 3 × 32, sample-norm (`--preset followup --normalize-activity --normalize-over sample .*`): docs/deep-pepita.md' "$out/deep.md" ||
  fail "deep.md does not say how and why 3 × 32 runs with each sample's activity normalised"
[[ $(grep -c '^1,32,paper,0,' "$out/deep.csv") -eq 2 && $(grep -c '^3,32,sample-norm,0,' "$out/deep.csv") -eq 2 ]] ||
  fail "deep.csv lacks the two epochs of each net, with its setting"
grep -q 'No run diverged' "$out/deep.md" || fail "deep.md does not account for divergence"
[[ $(ls "$out/runs" | wc -l) -eq 35 ]] || fail "runs/ holds $(ls "$out/runs" | wc -l) runs, not 35"

# Fewer seeds for conv: table1's conv cells read seed 0 alone (one value, no spread) and say so;
# a list of experiments makes one collection of their reports. Both only read finished runs.
expect 0 '12 runs planned; skipped 12 runs already complete; 0 to run' -- reproduce table1 --quick --seeds 2 --conv-seeds 1 --out "$out"
grep -q 'over 2 seeds (conv: 1 seed, `--conv-seeds`' "$out/table1.md" || fail "table1.md does not say conv has 1 seed"
grep -Eq '^\| conv \| mnist \| pepita \| [0-9.]+ \| 98\.' "$out/table1.md" || fail "table1.md's conv PEPITA cell is not one seed's value"
grep -Eq '^\| fc \| mnist \| pepita \| [0-9.]+ ± [0-9.]+ \|' "$out/table1.md" || fail "table1.md's fc PEPITA cell is not over 2 seeds"
grep -q '^conv,mnist,pepita,1,' "$out/table1.csv" || fail "table1.csv does not count 1 conv seed"
expect 0 '8 runs planned; skipped 8 runs already complete; 0 to run' -- reproduce curves,norms --quick --seeds 2 --out "$out"
grep -qxF -- "- [$(head -1 "$out/norms.md" | sed 's/^# //')](#norms)" "$out/reproduction.md" || fail "the collection of curves,norms lacks norms"
[[ $(grep -c '^<a id=' "$out/reproduction.md") -eq 2 ]] || fail "the collection of curves,norms does not hold exactly two reports"
# The collection written elsewhere (as docs/reproduction.md beside docs/reproduction/) links its
# figures and data through the way to DIR, and a lone experiment gathers too when asked.
mkdir -p "$work/docs"
expect 0 'wrote .*/docs/collected.md' -- reproduce norms --quick --seeds 2 --out "$out" --collection "$work/docs/collected.md"
way=$(realpath --relative-to="$work/docs" "$out")
grep -qF "](${way}/norms.svg)" "$work/docs/collected.md" || fail "the collection in another folder does not link norms.svg through $way"
grep -qF "](${way}/norms.csv)" "$work/docs/collected.md" || fail "the collection in another folder does not link norms.csv through $way"
grep -qF "](norms.svg)" "$out/norms.md" || fail "norms.md beside its figure no longer links it by name"

# Again: nothing to train; the reports are written again.
logs_before=$(ls -l --time-style=full-iso "$out"/runs/*/train.log | md5sum)
expect 0 'skipped 35 runs already complete; 0 to run' -- reproduce all --quick --seeds 2 --jobs 2 --out "$out"
[[ $(ls -l --time-style=full-iso "$out"/runs/*/train.log | md5sum) == "$logs_before" ]] || fail "the second invocation touched a finished run"

# Two at once in one directory would run the same runs: the second is refused.
( exec 9>"$out/.lock" && flock -n 9 && "$pepita" reproduce curves --quick --seeds 2 --out "$out" >"$work/out" 2>"$work/err"
  echo $? >"$work/status" )
[[ $(cat "$work/status") -eq 2 ]] && grep -q "another pepita reproduce is writing into '$out'" "$work/err" && pass ||
  fail "a second reproduce in a locked directory: exit $(cat "$work/status"), $(cat "$work/err")"

# A run cut off after its checkpoint (its summary gone) continues from the checkpoint alone.
victim=$(ls -d "$out"/runs/pepita-fc-mnist-seed1-* | head -1)
rm "$victim/summary.json"
expect 0 'skipped 1 runs already complete; 1 to run \(1 continue from a checkpoint\)' -- \
  reproduce alignment --quick --seeds 2 --out "$out"
[[ -s $victim/summary.json ]] || fail "the continued run wrote no summary"

# Another setting is another run: 3 epochs instead of 2.
expect 0 '1 runs planned; skipped 0 runs already complete; 1 to run' -- reproduce alignment --quick --seeds 1 --epochs 3 --out "$out"
grep -q 'after epoch 3' "$out/alignment.md" || fail "alignment.md does not report the 3-epoch runs"

# A random perturbation carries no error and may diverge (RP k = 1 did, at full length): its
# divergence is a result of the ablation. What `reproduce` records for a diverged run is set here
# by hand, since --quick's 40 batches do not diverge: first seed 0, in its first epoch (no
# metrics), then seed 1 too, after its epochs (its curve is kept).
for seed in 0 1; do
  run=$(ls -d "$out"/runs/pepita-fc-mnist-symmetric-k1-seed$seed-* | head -1)
  echo "training diverged: non-finite activity at layer 2 in epoch 1, batch 7 (standard pass)" >"$run/diverged.txt"
  [[ $seed -eq 0 ]] && rm "$run/metrics.csv"
  expect 0 "skipped 10 runs already complete; 0 to run" -- reproduce ablations --quick --seeds 2 --out "$out"
  grep -q "^- mnist, RP k = 1, seed $seed: training diverged: non-finite activity at layer 2" "$out/ablations.md" ||
    fail "ablations.md does not list seed $seed's divergence"
  [[ $seed -eq 1 ]] || grep -Eq '^\| mnist \| RP k = 1 \| [0-9.]+( ± [0-9.]+)? \(1 of 2 seeds; the others diverged\) \| — \|$' "$out/ablations.md" ||
    fail "ablations.md's RP k = 1 row is not over the one seed that trained to the end"
done
grep -q '^| mnist | RP k = 1 | diverged (every seed) | — |$' "$out/ablations.md" || fail "ablations.md's RP k = 1 row does not say every seed diverged"
grep -q 'RP k = 1 — (diverged)\.$' "$out/ablations.md" || fail "ablations.md gives a final ‖W₁‖ for a variant whose every seed diverged"
finish
