#!/usr/bin/env bash
# The depth table of docs/results.md: BP, PEPITA, MEMPEPITA and time-local PEPITA on MNIST-shaped
# nets of 1…8 hidden layers of WIDTH units at batch 64, as one markdown table:
#   - activation bytes the somas hold between the passes (the sum of every layer's peak soma bytes,
#     from a real two-batch run's counters, all held at once under `sequential`) beside the formula;
#   - the largest dendrite (a layer's working set during its learning visit);
#   - FLOPs per training sample, from the cost model (--clock virtual --cost flops --no-math);
#   - the update-locking stages of layers 1…L, measured (a time-local layer's first update lands at 0).
# usage: scripts/depth-table.sh [WIDTH] [PEPITA_BINARY]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
width=${1:-1024}
pepita=${2:-$here/../build/apps/pepita/pepita}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
batch=64

# The bytes each rule's somas must hold between the passes, by the rule's design: PEPITA keeps h_l
# and the dropout mask of each hidden layer and the output's h_L; BP and its kin also keep h_{l-1};
# MEMPEPITA recomputes and time-local PEPITA needs nothing of the first pass.
formula() {
  local rule=$1 depth=$2
  awk -v rule="$rule" -v L="$depth" -v n="$width" -v B="$batch" -v inputs=784 -v classes=10 'BEGIN {
    bytes = 0
    if (rule == "pepita") bytes = B * 4 * (2 * n * L + classes)
    if (rule == "bp") bytes = B * 4 * ((2 * n + inputs) + (L - 1) * 3 * n + (classes + n))
    printf "%d", bytes }'
}

field() { python3 -c "import json, sys; s = json.load(open(sys.argv[1])); print($2)" "$1"; }

echo "| rule | hidden layers | soma bytes between passes (measured) | formula | largest dendrite | MFLOP per sample | locking stages, layers 1…L |"
echo "|---|---|---|---|---|---|---|"
for rule in bp pepita mempepita pepita-mixed-tl; do
  for depth in 1 2 3 4 5 6 7 8; do
    hidden=$(seq "$depth" | sed "s/.*/$width/" | paste -sd,)
    "$pepita" train --rule "$rule" --hidden "$hidden" --batch-size $batch --epochs 1 --max-batches 2 --threads 1 -q \
      --summary "$work/real.json" >/dev/null
    "$pepita" train --rule "$rule" --hidden "$hidden" --batch-size $batch --epochs 1 --max-batches 20 -q \
      --clock virtual --no-math --cost flops --device-gflops 1 --summary "$work/model.json" >/dev/null
    soma=$(field "$work/real.json" "sum(l['peak_soma_bytes'] for l in s['scheduler_metrics']['layers'])")
    dendrite=$(field "$work/real.json" "max(l['peak_dendrite_bytes'] for l in s['scheduler_metrics']['layers'])")
    stages=$(field "$work/real.json" "' '.join(('0/' if '$rule' == 'pepita-mixed-tl' else '') + str(l['locking_latency_stages']['max']) for l in s['scheduler_metrics']['layers'])")
    mflops=$(field "$work/model.json" "'%.1f' % (s['simulated_seconds'] * 1e9 / s['simulated_samples'] / 1e6)")
    expected=$(formula "$rule" "$depth")
    echo "| $rule | $depth | $soma | $expected$([[ $soma == "$expected" ]] && echo " ✓" || echo " ✗") | $dendrite | $mflops | $stages |"
  done
done
