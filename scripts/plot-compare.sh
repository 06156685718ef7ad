#!/usr/bin/env bash
# The plots of docs/schedulers.md, as SVG, from the CSV of `pepita compare --csv`:
#   throughput-vs-depth.svg   samples/s against hidden layers, per rule and scheduler (batch B)
#   locking-stages.svg        update-locking latency in stages per layer, per rule (depth D, sequential)
#   locking-ms.svg            its p50 in milliseconds per layer, per rule (depth D, pipelined)
# usage: scripts/plot-compare.sh CSV OUT_DIR [B=16] [D=4]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
csv=${1:?usage: plot-compare.sh CSV OUT_DIR [BATCH] [DEPTH]}
out=${2:?usage: plot-compare.sh CSV OUT_DIR [BATCH] [DEPTH]}
batch=${3:-16}
depth=${4:-4}
mkdir -p "$out"
plot() { awk -F'\t' -v title="$1" -v xlabel="$2" -v ylabel="$3" -v logy="${4:-0}" -f "$here/svg-lines.awk"; }
# Rows of the cells that trained (no failure), as RULE SCHEDULER DEPTH BATCH SAMPLES/S LAYER P50 STAGES.
rows() { awk -F, 'NR > 1 && $14 == "" { print $1, $2, $3, $4, $5, $7, $9, $11 }' "$csv"; }

rows | awk -v b="$batch" '$4 == b && $6 == 1 { printf "%s %s\t%s\t%s\n", $1, $2, $3, $5 }' | sort -k1,1 -s |
  plot "Throughput, batch $batch (dashed: pipelined)" "hidden layers" "samples/s (log)" 1 >"$out/throughput-vs-depth.svg"
rows | awk -v b="$batch" -v d="$depth" '$4 == b && $3 == d && $2 == "sequential" { printf "%s\t%s\t%s\n", $1, $6, $8 }' |
  plot "Update-locking latency, $depth hidden layers, sequential" "layer (last = output)" "stages" >"$out/locking-stages.svg"
rows | awk -v b="$batch" -v d="$depth" '$4 == b && $3 == d && $2 ~ /^pipelined/ { printf "%s\t%s\t%s\n", $1, $6, $7 * 1000 }' |
  plot "Update-locking latency p50, $depth hidden layers, pipelined" "layer (last = output)" "ms" >"$out/locking-ms.svg"
ls "$out"/*.svg
