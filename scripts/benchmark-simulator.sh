#!/usr/bin/env bash
# The virtual clock's speed without arithmetic (docs/simulation.md, Speed): 64 layers of 8192 units
# on 64 devices, GPipe with 256 micro-batches of 64, 10 steps, FLOP cost; per rule, the median over
# R runs of the node visits simulated per second of host time (the summary's host_visits_per_second,
# which times the simulation alone: not the process's start or the output). Sorted by host time,
# the middle run gives both medians, since visits per second is visits over that time.
# usage: scripts/benchmark-simulator.sh [R=5]
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repeats=${1:-5}
pepita=${PEPITA_BIN:-$root/build/apps/pepita/pepita}
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
hidden=$(seq 63 | sed "s/.*/8192/" | paste -sd,)
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$summary" "$1"; }
echo "rule	visits	simulated_seconds	median_host_seconds	median_visits_per_second"
for rule in bp fa pepita dfa drtp; do
  for r in $(seq 1 "$repeats"); do
    "$pepita" train --clock virtual --no-math --rule "$rule" --hidden "$hidden" --devices 64 --scheduler gpipe \
      --micro-batches 256 --epochs 10 --max-batches 256 --cost flops --device-gflops 1000 --summary "$summary" -q >/dev/null
    echo "$(field host_seconds) $(field host_visits_per_second) $(field visits) $(field simulated_seconds)"
  done | sort -g | awk -v rule="$rule" \
    '{ s[NR] = $1; v[NR] = $2; n = $3; t = $4 } END { m = int((NR + 1) / 2); printf "%s\t%s\t%s\t%.3f\t%.3g\n", rule, n, t, s[m], v[m] }'
done
