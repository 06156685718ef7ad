#!/usr/bin/env bash
# The streaming benchmark of docs/schedulers.md: PEPITA trained one sample at a time (batch 1) on a
# 4-hidden-layer net for one MNIST epoch, under sequential and pipelined configurations.
# usage: scripts/benchmark-streaming.sh OUT_DIR [RUN…] [-- OPTION…]
#   RUN: a name below (default all); OPTIONs go to every `pepita train`, e.g. -- --lr 0.0003
# REPEATS=N runs the whole set N times round-robin (default 1), so that a drifting machine
# affects every configuration alike; the table gives the median of the training samples/s (the
# program's own figure, evaluation excluded), its ratio to the first run's and to the bound two
# cores allow (computed from the sequential-dnnl1 runs, when they are among the runs), and the test
# accuracy after the epoch (the same in every repeat: the runs are deterministic).
# PEPITA_BIN picks the binary (default build/apps/pepita/pepita). Each run leaves
# OUT_DIR/NAME.rK.{log,json}. Time it on an otherwise idle machine. The stash runs hold their stash
# as --stash-form's default chooses (at batch 1 without momentum: the updates since, a few rank-one
# terms); the -copy runs hold a copy of W_l, for comparison.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: benchmark-streaming.sh OUT_DIR [RUN…] [-- OPTION…]}
shift
mkdir -p "$out"

# --threads is oneTBB's graph threads; 3 on 2 cores oversubscribes on purpose (docs/schedulers.md).
declare -A runs=(
  [sequential-dnnl2]="--scheduler sequential --threads 2 --dnnl-threads 2"
  [sequential-dnnl1]="--scheduler sequential --threads 2 --dnnl-threads 1"
  [pipelined2-stash]="--scheduler pipelined --in-flight 2 --weights stash --threads 2 --dnnl-threads 1"
  [pipelined2-stash-copy]="--scheduler pipelined --in-flight 2 --weights stash --stash-form copy --threads 2 --dnnl-threads 1"
  [pipelined4-stash-copy]="--scheduler pipelined --in-flight 4 --weights stash --stash-form copy --threads 2 --dnnl-threads 1"
  [pipelined4-stash]="--scheduler pipelined --in-flight 4 --weights stash --threads 2 --dnnl-threads 1"
  [pipelined8-stash]="--scheduler pipelined --in-flight 8 --weights stash --threads 2 --dnnl-threads 1"
  [pipelined4-stash-3threads]="--scheduler pipelined --in-flight 4 --weights stash --threads 3 --dnnl-threads 1"
  [pipelined4-latest]="--scheduler pipelined --in-flight 4 --weights latest --threads 2 --dnnl-threads 1"
  [async4]="--scheduler async --tokens 4 --threads 2 --dnnl-threads 1"
)
order=(sequential-dnnl2 sequential-dnnl1 pipelined2-stash pipelined2-stash-copy pipelined4-stash pipelined4-stash-copy pipelined8-stash pipelined4-stash-3threads
       pipelined4-latest async4)
source "$root/scripts/lib/benchmark-runs.sh"
choose_runs benchmark-streaming "$@"

for ((repeat = 1; repeat <= ${REPEATS:-1}; ++repeat)); do
  for name in "${order[@]}"; do
    # shellcheck disable=SC2086  # the options are words by design
    "${PEPITA_BIN:-$root/build/apps/pepita/pepita}" train --dataset mnist --seed 0 --quiet --epochs 1 \
      --batch-size 1 --hidden 256,256,256,256 ${runs[$name]} --summary "$out/$name.r$repeat.json" \
      "${extra[@]}" >"$out/$name.r$repeat.log" 2>&1 ||
      echo "benchmark-streaming: $name failed: $(tail -n 1 "$out/$name.r$repeat.log")" >&2
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# The bound two cores allow, from each one-thread sequential run: its samples/s × min(cores / the
# sum of the nodes' busy fractions, 1 / the busiest node's). No pipeline over these nodes beats
# it: the cores cannot do more than all the work, and a node (it owns its W) runs one visit at a
# time. The median over the repeats.
cores=2
bound=$(for json in "$out"/sequential-dnnl1.r*.json; do
          [[ -f $json ]] || continue
          awk -v rate="$(summary_field samples_per_second "$json")" -v cores="$cores" -F'"busy_fraction": ' '
            NF > 1 { split($2, f, ","); sum += f[1]; if (f[1] > top) top = f[1] }
            END { if (sum > 0) { limit = cores / sum; if (1 / top < limit) limit = 1 / top; print rate * limit } }' "$json"
        done | median)

echo "| run | samples/s (median of ${REPEATS:-1}) | × first | × bound | test accuracy |"
echo "|---|---|---|---|---|"
base=""
for name in "${order[@]}"; do
  rate=$(for json in "$out/$name".r*.json; do [[ -f $json ]] && summary_field samples_per_second "$json"; done | median)
  [[ -n $rate ]] || { echo "| $name | failed | | | |"; continue; }
  base=${base:-$rate}
  awk -v name="$name" -v rate="$rate" -v base="$base" -v bound="${bound:-0}" \
    -v accuracy="$(summary_field test_accuracy "$out/$name.r1.json")" \
    'BEGIN { printf "| %s | %.0f | %.2f | %s | %s |\n", name, rate, rate / base, (bound > 0 ? sprintf("%.2f", rate / bound) : "–"), accuracy }'
done
if [[ -n $bound ]]; then
  echo
  echo "bound on $cores cores: $(printf '%.0f' "$bound") samples/s (from sequential-dnnl1's rate and busy fractions)"
fi
