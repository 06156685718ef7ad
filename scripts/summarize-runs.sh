#!/usr/bin/env bash
# A Markdown table of the runs in a folder: accuracy after epochs 1, 10 and the last, the best,
# and the median training seconds per epoch. usage: scripts/summarize-runs.sh DIR
set -euo pipefail
dir=${1:?usage: summarize-runs.sh DIR}
source "$(dirname "${BASH_SOURCE[0]}")/lib/benchmark-runs.sh"
echo "| run | rule | η | epoch 1 | epoch 10 | last epoch | best | s / epoch (median) |"
echo "|---|---|---|---|---|---|---|---|"
for json in "$dir"/*.json; do
  name=$(basename "$json" .json)
  curve=$(summary_field test_accuracy_per_epoch "$json" | tr -d '[] ')
  IFS=, read -r -a acc <<<"$curve"
  printf '| %s | %s | %s | %s | %s | %s (epoch %s) | %s | %s |\n' "$name" "$(summary_field rule "$json")" \
    "$(summary_field learning_rate "$json")" "${acc[0]}" "${acc[9]:-–}" "${acc[-1]}" "${#acc[@]}" \
    "$(summary_field best_test_accuracy "$json")" "$(summary_field seconds_per_epoch "$json")"
done
