#!/usr/bin/env bash
# The stability study of docs/results.md ("Deep PEPITA"): short MNIST runs of one deep net under a
# list of settings (η, weight decay, normalisation, mirroring, variants), one markdown row each:
# how far it got, whether and where it diverged, its test accuracy, how much each ‖W_l‖ grew and
# the angle between W_L⋯W_1 and Fᵀ after the last epoch. Runs one at a time with --threads T.
# usage: scripts/deep-pepita-study.sh OUT_DIR HIDDEN EPOCHS THREADS [PEPITA_BINARY] < SETTINGS
#   SETTINGS: one line of pepita train options per run, e.g. "--preset followup --normalize-activity --lr 1"
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage="usage: deep-pepita-study.sh OUT_DIR HIDDEN EPOCHS THREADS [PEPITA_BINARY] < SETTINGS"
out=${1:?$usage}
hidden=${2:?$usage}
epochs=${3:?$usage}
threads=${4:?$usage}
pepita=${5:-$here/../build/apps/pepita/pepita}
mkdir -p "$out"

# The row of one finished or diverged run, from its metrics CSV: the weight norms' largest growth
# over the run (last epoch against the norms of the untrained net, which the first row cannot
# give, so against epoch 1) and the last angle.
row() {
  local settings=$1 csv=$2 failure=$3
  awk -F, -v settings="$settings" -v failure="$failure" -v epochs="$epochs" '
    NR == 1 { for (i = 1; i <= NF; i++) { if ($i ~ /^weight_norm_/) norms[++n] = i; if ($i == "feedback_angle_deg") angle = i; if ($i == "test_accuracy") acc = i }; next }
    NR == 2 { for (k = 1; k <= n; k++) first[k] = $norms[k] }
    { last = $0; done = $1; accuracy = $acc; a = $angle; for (k = 1; k <= n; k++) now[k] = $norms[k] }
    END {
      growth = ""; worst = 0; which = 0
      for (k = 1; k <= n; k++) if (first[k] > 0 && now[k] / first[k] > worst) { worst = now[k] / first[k]; which = k }
      if (which) growth = sprintf("×%.3g (W%d)", worst, which)
      printf "| `%s` | %s/%s | %s | %s | %s | %s |\n", settings, done + 0, epochs, failure == "" ? "no" : failure,
             done ? sprintf("%.2f", accuracy) : "–", growth == "" ? "–" : growth, a == "" ? "–" : sprintf("%.1f°", a)
    }' "$csv"
}

echo "| settings (\`pepita train --hidden $hidden --epochs $epochs\` and) | epochs | diverged | test % | largest ‖W‖ growth from epoch 1 | ∠(W_L⋯W_1, Fᵀ) |"
echo "|---|---|---|---|---|---|"
n=0
while IFS= read -r settings; do
  [[ -z $settings || $settings == \#* ]] && continue
  n=$((n + 1))
  csv="$out/run$n.csv"
  rm -f "$csv"
  # shellcheck disable=SC2086  # the settings are words of options
  failure=$("$pepita" train $settings --hidden "$hidden" --epochs "$epochs" --threads "$threads" -q --metrics "$csv" 2>&1 >/dev/null |
            sed -n 's/.*diverged: non-finite activity at \(layer [0-9]*\) in epoch \([0-9]*\), batch \([0-9]*\).*/\1, epoch \2 batch \3/p' | head -1) || true
  if [[ ! -s $csv ]]; then echo "epoch,test_accuracy" >"$csv"; fi
  row "$settings" "$csv" "$failure"
done
