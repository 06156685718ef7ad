#!/usr/bin/env bash
# 2 MPI ranks × 1 thread against 1 process × 2 threads on this machine, for nets of 1–8 hidden
# layers: training throughput (median of REPEATS), and from the 2-rank runs the bytes per training
# batch on each edge that crosses and each rank's time in MPI calls. Prints a markdown table.
# usage: scripts/distributed-bench.sh PEPITA DATA_DIR [WIDTH] [BATCHES] [REPEATS] [SCHEDULER…]
set -euo pipefail
pepita=${1:?usage: distributed-bench.sh PEPITA DATA_DIR [WIDTH] [BATCHES] [REPEATS] [SCHEDULER…]}
data=${2:?data directory}
width=${3:-1024}
batches=${4:-300}
repeats=${5:-3}
shift $(($# < 5 ? $# : 5))
scheduler=("$@")
((${#scheduler[@]})) || scheduler=(--scheduler pipelined --in-flight 4 --weights stash)
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
rate() { awk '/^epoch/ { for (i = 1; i <= NF; ++i) if ($i == "samples/s") print $(i - 1) }' "$1"; }

echo "| hidden layers | 1 process × 2 threads (samples/s) | 2 ranks × 1 thread (samples/s) | ratio | placement | MB per training batch crossing, by edge (evaluation's traffic spread over them) | s in MPI (rank 0, rank 1) |"
echo "|---|---|---|---|---|---|---|"
for depth in 1 2 4 8; do
  hidden=$(seq "$depth" | sed "s/.*/$width/" | paste -sd,)
  args=(train --data-dir "$data" --hidden "$hidden" --epochs 1 --max-batches "$batches" --quiet --lr 0.001 "${scheduler[@]}")  # η 0.001: 8 deep layers diverge at 0.01
  for r in $(seq "$repeats"); do
    "$pepita" "${args[@]}" --threads 2 >"$work/one-$r.out"
    mpirun -q --oversubscribe -np 2 "$pepita" "${args[@]}" --threads 1 >"$work/two-$r.out"
  done
  one=$(for r in $(seq "$repeats"); do rate "$work/one-$r.out"; done | median)
  two=$(for r in $(seq "$repeats"); do rate "$work/two-$r.out"; done | median)
  placement=$(awk '/ranks, layers on ranks/ { print $6 }' "$work/two-1.out" | tr -d :)
  # Evaluation crosses too: count training batches only (standard + learning messages per batch).
  edges=$(awk -v b="$batches" '/ → .*messages/ { sub(/^  /, ""); split($0, p, ": "); split(p[2], q, " "); printf "%s%s %.3f", sep, p[1], q[3] / b; sep = "; " }' "$work/two-1.out")
  mpi=$(awk '/time in MPI calls/ { print $7 ", " $11 }' "$work/two-1.out")
  echo "| $depth | $one | $two | $(awk -v a="$two" -v b="$one" 'BEGIN { printf "%.2f", a / b }') | $placement | $edges | $mpi |"
done
