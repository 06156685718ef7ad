#!/usr/bin/env bash
# The virtual clock's prediction of scripts/distributed-bench.sh's 2-rank runs: per depth, this
# machine's visit times measured by `pepita calibrate` (1 thread, as each rank runs), then the
# same run on 2 simulated devices with the ranks' split and the link that pepita-link-pingpong
# measured. Prints a markdown table of predicted samples/s.
# usage: scripts/distributed-predict.sh PEPITA DATA_DIR LATENCY_S BANDWIDTH_GBPS [WIDTH] [BATCHES]
set -euo pipefail
pepita=${1:?usage: distributed-predict.sh PEPITA DATA_DIR LATENCY_S BANDWIDTH_GBPS [WIDTH] [BATCHES]}
data=${2:?data directory}
latency=${3:?link latency in seconds}
bandwidth=${4:?link bandwidth in GB/s}
width=${5:-1024}
batches=${6:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| hidden layers | split | predicted samples/s (2 devices, measured cost) |"
echo "|---|---|---|"
for depth in 1 2 4 8; do
  hidden=$(seq "$depth" | sed "s/.*/$width/" | paste -sd,)
  # The split balanced-by-FLOPs gives 2 ranks (docs/distributed.md): the same on the clock.
  # (for equal hidden layers: the first max(1, depth/2) layers on rank 0, the rest on rank 1).
  zeros=$((depth / 2 > 1 ? depth / 2 : 1))
  split=$(seq 0 "$depth" | awk -v z="$zeros" '{ print ($1 < z ? 0 : 1) }' | paste -sd,)
  model=(--data-dir "$data" --hidden "$hidden" --lr 0.001 --scheduler pipelined --in-flight 4 --weights stash --threads 1)
  "$pepita" calibrate "${model[@]}" --batches 100 --repeats 2 --out "$work/profile-$depth.json" >/dev/null
  "$pepita" train "${model[@]}" --epochs 1 --max-batches "$batches" --quiet --clock virtual --devices 2 --placement "$split" \
    --cost measured --profile "$work/profile-$depth.json" --link-latency "$latency" --link-bandwidth "$bandwidth" \
    --summary "$work/sim-$depth.json" >/dev/null
  predicted=$(awk -F': ' '/"simulated_samples_per_second"/ { sub(/,$/, "", $2); printf "%.0f", $2 }' "$work/sim-$depth.json")
  echo "| $depth | $split | $predicted |"
done
