#!/usr/bin/env bash
# The streaming benchmark of docs/schedulers.md: PEPITA trained one sample at a time (batch 1) on a
# 4-hidden-layer net for one MNIST epoch, under sequential and pipelined configurations.
# usage: scripts/benchmark-streaming.sh OUT_DIR [RUN…] [-- OPTION…]
#   RUN: a name below (default all); OPTIONs go to every `pepita train`, e.g. -- --lr 0.01
# PEPITA_BIN picks the binary (default build/apps/pepita/pepita). Each run leaves
# OUT_DIR/NAME.{log,json}; the table at the end gives samples/s, its ratio to the first run, and
# the test accuracy after the epoch. Time it on an otherwise idle machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: benchmark-streaming.sh OUT_DIR [RUN…] [-- OPTION…]}
shift
mkdir -p "$out"

declare -A runs=(
  [sequential-dnnl2]="--scheduler sequential --dnnl-threads 2"
  [sequential-dnnl1]="--scheduler sequential --dnnl-threads 1"
  [pipelined2-stash]="--scheduler pipelined --in-flight 2 --weights stash --dnnl-threads 1"
  [pipelined4-stash]="--scheduler pipelined --in-flight 4 --weights stash --dnnl-threads 1"
  [pipelined8-stash]="--scheduler pipelined --in-flight 8 --weights stash --dnnl-threads 1"
  [async4]="--scheduler async --tokens 4 --dnnl-threads 1"
)
order=(sequential-dnnl2 sequential-dnnl1 pipelined2-stash pipelined4-stash pipelined8-stash async4)
chosen=()
while (($# > 0)) && [[ $1 != -- ]]; do chosen+=("$1"); shift; done
(($# > 0)) && shift  # the --
extra=("$@")
((${#chosen[@]} > 0)) && order=("${chosen[@]}")

field() { sed -n "s/^  \"$1\": \\(.*\\),\$/\\1/p" "$2" | tr -d '"'; }
echo "| run | samples/s | × first | test accuracy |"
echo "|---|---|---|---|"
base=""
for name in "${order[@]}"; do
  [[ -n ${runs[$name]+set} ]] || { echo "benchmark-streaming: unknown run '$name' (${!runs[*]})" >&2; exit 2; }
  # shellcheck disable=SC2086  # the options are words by design
  if ! "${PEPITA_BIN:-$root/build/apps/pepita/pepita}" train --dataset mnist --seed 0 --quiet --epochs 1 \
      --batch-size 1 --hidden 256,256,256,256 --threads 2 ${runs[$name]} --summary "$out/$name.json" \
      "${extra[@]}" >"$out/$name.log" 2>&1; then
    echo "| $name | failed: $(tail -n 1 "$out/$name.log") | | |"
    continue
  fi
  rate=$(field samples_per_second "$out/$name.json")
  base=${base:-$rate}
  awk -v name="$name" -v rate="$rate" -v base="$base" -v accuracy="$(field test_accuracy "$out/$name.json")" \
    'BEGIN { printf "| %s | %.0f | %.2f | %s |\n", name, rate, rate / base, accuracy }'
done
