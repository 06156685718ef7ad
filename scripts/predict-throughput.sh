#!/usr/bin/env bash
# Prediction against reality (docs/simulation.md): for cells of `pepita compare`, calibrates the
# visit times on this machine (`pepita calibrate`), predicts the cell's throughput on the virtual
# clock (--cost measured; 1 device for sequential, which runs the graph on one thread; for the
# schedulers that overlap layers, a pool of as many workers as the graph has threads, one a core),
# and measures it for real (the median of 3 epochs of 200 batches); R times, each calibration
# followed by its measurement, since this machine's speed drifts over minutes. Prints a markdown
# table: the median prediction, the median measurement, and the median of the R ratios of each
# prediction to the measurement that followed it. Keep the machine otherwise idle: calibration and
# measurement both time it.
# usage: scripts/predict-throughput.sh OUT_DIR [R=3]
# Cells: PREDICT_RULES, PREDICT_SCHEDULERS, PREDICT_DEPTHS, PREDICT_BATCHES override the defaults.
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: predict-throughput.sh OUT_DIR [REPEATS]}
repeats=${2:-3}
pepita=${PEPITA_BIN:-$root/build/apps/pepita/pepita}
mkdir -p "$out"
read -r -a rules <<<"${PREDICT_RULES:-pepita bp dfa drtp}"
read -r -a schedulers <<<"${PREDICT_SCHEDULERS:-sequential pipelined:4:stash gpipe:4}"
read -r -a depths <<<"${PREDICT_DEPTHS:-1 4}"
read -r -a batches <<<"${PREDICT_BATCHES:-16 64}"
cells=200  # training batches per cell, as pepita compare

json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

{
echo "| rule | scheduler | hidden | batch | devices, placement | predicted samples/s | measured samples/s | predicted / measured |"
echo "|---|---|---|---|---|---|---|---|"
for rule in "${rules[@]}"; do
  for label in "${schedulers[@]}"; do
    IFS=: read -r scheduler knob policy <<<"$label"
    options=(--scheduler "$scheduler")
    devices=$(nproc)
    placement=pool
    case $scheduler in
      sequential) devices=1 placement=contiguous ;;
      pipelined) options+=(--in-flight "${knob:-4}" --weights "${policy:-latest}") ;;
      gpipe) options+=(--micro-batches "${knob:-4}") ;;
      async) options+=(--tokens "${knob:-4}") ;;
    esac
    for depth in "${depths[@]}"; do
      hidden=$(seq "$depth" | sed "s/.*/256/" | paste -sd,)
      for batch in "${batches[@]}"; do
        cell=(--rule "$rule" --hidden "$hidden" --batch-size "$batch" --lr 0.001 "${options[@]}")
        name="$rule-$label-$depth-$batch"
        for r in $(seq 1 "$repeats"); do
          "$pepita" calibrate "${cell[@]}" --out "$out/$name.r$r.profile.json" >"$out/$name.r$r.calibrate.log" 2>&1
          "$pepita" train "${cell[@]}" --clock virtual --no-math --cost measured --profile "$out/$name.r$r.profile.json" \
            --devices "$devices" --placement "$placement" --epochs 1 --max-batches "$cells" --summary "$out/$name.r$r.predicted.json" -q >/dev/null
          # The summary's figure is the median epoch of 3: the first epoch's start-up (primitives
          # created, buffers first touched) is left out, as calibrate leaves out its warm-up.
          "$pepita" train "${cell[@]}" --epochs 3 --max-batches "$cells" --summary "$out/$name.r$r.json" -q >/dev/null
        done
        predicted=$(for r in $(seq 1 "$repeats"); do json "$out/$name.r$r.predicted.json" simulated_samples_per_second; done | median)
        measured=$(for r in $(seq 1 "$repeats"); do json "$out/$name.r$r.json" samples_per_second; done | median)
        ratio=$(for r in $(seq 1 "$repeats"); do
          awk -v p="$(json "$out/$name.r$r.predicted.json" simulated_samples_per_second)" -v m="$(json "$out/$name.r$r.json" samples_per_second)" \
            'BEGIN { print p / m }'
        done | median)
        awk -v r="$rule" -v s="$label" -v d="$depth" -v b="$batch" -v n="$devices $placement" -v p="$predicted" -v m="$measured" -v q="$ratio" \
          'BEGIN { printf "| %s | %s | %s | %s | %s | %.0f | %.0f | %.2f |\n", r, s, d, b, n, p, m, q }'
      done
    done
  done
done
} | tee "$out/table.md"
