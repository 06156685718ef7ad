#!/usr/bin/env bash
# Stability plots from `pepita train --metrics` CSVs, one line per run, as SVG in OUT_DIR:
#   loss.svg       training loss per epoch (log scale)
#   accuracy.svg   test accuracy per epoch
#   norm-first.svg ‖W_1‖ per epoch (log scale)
#   norm-last.svg  the output layer's ‖W_L‖ per epoch (log scale)
# usage: scripts/plot-stability.sh OUT_DIR LABEL=RUN.csv [LABEL=RUN.csv …]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage="usage: plot-stability.sh OUT_DIR LABEL=RUN.csv [LABEL=RUN.csv …]"
out=${1:?$usage}
shift
(($# > 0)) || { echo "$usage" >&2; exit 2; }
mkdir -p "$out"

# "LABEL<TAB>epoch<TAB>value" for the column named $1 (first_norm, last_norm: the weight norms').
series() {
  local column=$1 run label csv
  for run in "${runs[@]}"; do
    label=${run%%=*}
    csv=${run#*=}
    [[ -f $csv ]] || { echo "plot-stability.sh: no file $csv" >&2; exit 1; }
    awk -F, -v label="$label" -v want="$column" '
      NR == 1 { for (i = 1; i <= NF; i++) { if ($i == want) c = i; if ($i ~ /^weight_norm_/) { if (!first) first = i; last = i } }
                if (want == "first_norm") c = first; if (want == "last_norm") c = last; next }
      c && $c != "" { printf "%s\t%s\t%s\n", label, $1, $c }' "$csv"
  done
}
plot() { awk -F'\t' -v title="$1" -v xlabel=epoch -v ylabel="$2" -v logy="${3:-0}" -f "$here/svg-lines.awk"; }

runs=("$@")
series train_loss | plot "Training loss" "cross-entropy (log)" 1 >"$out/loss.svg"
series test_accuracy | plot "Test accuracy" "%" >"$out/accuracy.svg"
series first_norm | plot "First layer's weight norm" "‖W_1‖ (Frobenius, log)" 1 >"$out/norm-first.svg"
series last_norm | plot "Output layer's weight norm" "‖W_L‖ (Frobenius, log)" 1 >"$out/norm-last.svg"
ls "$out"/*.svg
