#!/usr/bin/env bash
# The paper's fully connected MNIST comparison in one engine: every rule with its own η from
# Table 2 (the paper's defaults) and PEPITA's ablations, 100 epochs, seed 0.
# usage: scripts/benchmark-rules.sh OUT_DIR [RUN…] [-- OPTION…]
#   RUN: a name below (default all); OPTIONs go to every `pepita train`, e.g. -- --dnnl-threads 1
# PEPITA_BIN picks the binary (default build/apps/pepita/pepita).
# Each run leaves OUT_DIR/NAME.{log,csv,json}; scripts/summarize-runs.sh OUT_DIR prints the table.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: benchmark-rules.sh OUT_DIR [RUN…]}
shift
mkdir -p "$out"

declare -A runs=(
  [pepita]="--rule pepita"
  [bp]="--rule bp"
  [fa]="--rule fa"
  [dfa]="--rule dfa"
  [drtp]="--rule drtp"
  [pepita-f0]="--rule pepita --f-scale 0"
  [pepita-random-k0.01]="--rule pepita --perturb random --perturb-scale 0.01"
  [pepita-random-k0.1]="--rule pepita --perturb random --perturb-scale 0.1"
  [pepita-random-k1]="--rule pepita --perturb random --perturb-scale 1"
)
order=(pepita bp fa dfa drtp pepita-f0 pepita-random-k0.01 pepita-random-k0.1 pepita-random-k1)
source "$root/scripts/lib/benchmark-runs.sh"
choose_runs benchmark-rules "$@"

for name in "${order[@]}"; do
  # shellcheck disable=SC2086  # the options are words by design
  "${PEPITA_BIN:-$root/build/apps/pepita/pepita}" train --dataset mnist --seed 0 --quiet ${runs[$name]} \
    --metrics "$out/$name.csv" --summary "$out/$name.json" "${extra[@]}" >"$out/$name.log" 2>&1 ||
    echo "benchmark-rules: $name failed (see $out/$name.log)" >&2
  tail -n 1 "$out/$name.log"
done
