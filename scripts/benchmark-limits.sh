#!/usr/bin/env bash
# How close a training epoch comes to what this machine's matmuls can do, in f32 and bf16.
# usage: scripts/benchmark-limits.sh [REPEATS] [-- OPTION…]   (OPTIONs go to every `pepita train`;
#        those that change the models' shapes or the data are refused, --max-batches N is allowed)
# PEPITA_BIN picks the binary (default build/apps/pepita/pepita); PEPITA_DATA_DIR the data.
#
# For each model, rule and precision it runs REPEATS two-epoch trainings (default 3), each right
# after `pepita info --machine` has measured its floor, and prints the medians of the second
# epoch's training seconds (evaluation excluded; the first epoch's beside them), of the floor and
# of the pairs' ratios (second epoch / floor). The floor:
#   fc     every matmul of the epoch at the rate oneDNN reached on that very shape and precision.
#          Per batch and layer, PEPITA runs two forward products (standard and modulated) and one
#          update; BP one forward, one update and one product down (none below layer 1). F·e and
#          the element-wise work are left out (under 1% of the FLOPs): they belong to the gap.
#   conv   the convolutions' FLOPs at the rate of a 1024³ matmul in the precision: a convolution
#          with one input channel and 5×5 filters has no matmul shape of its own to measure.
#          PEPITA's conv model (conv 32×5×5, pool, fc 4608→10, batch 100) per sample: two forward
#          passes and one weight gradient through each layer.
# Run it on a quiet machine: another process on the cores slows oneDNN's OpenMP barriers.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pepita=${PEPITA_BIN:-$root/build/apps/pepita/pepita}
repeats=3
if [[ $# -gt 0 && $1 != -- ]]; then repeats=$1; shift; fi
[[ $# -gt 0 && $1 == -- ]] && shift
[[ $repeats =~ ^[1-9][0-9]*$ ]] || { echo "benchmark-limits: REPEATS must be a positive number, not '$repeats'" >&2; exit 2; }

# The floor is of the models' own shapes on a whole MNIST epoch, so an option that changes the shapes,
# the data or what this script sets itself is refused. --max-batches N is allowed: the floor is then
# of the N batches the epoch runs.
max_batches=""
for ((i = 1; i <= $#; i++)); do
  option=${!i}
  case ${option%%=*} in
    --model | --rule | --precision | --epochs | --max-eval-batches | --metrics | --batch-size | --hidden | \
      --dataset | --resume)
      echo "benchmark-limits: ${option%%=*} changes what the floor is of; it cannot be passed here" >&2
      exit 2 ;;
    --max-batches)
      if [[ $option == *=* ]]; then max_batches=${option#*=}; else j=$((i + 1)); max_batches=${!j-}; fi
      [[ $max_batches =~ ^[1-9][0-9]*$ ]] || { echo "benchmark-limits: --max-batches needs a positive number, not '$max_batches'" >&2; exit 2; } ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$pepita" info --machine >"$work/machine"
sed 's/^/# /' "$work/machine"  # the first measurement, for the record; each repeat makes its own

# rate USE PRECISION: GFLOP/s of a matmul line of the machine report ("layer 1 forward", "square").
rate() {
  awk -v use="$1" -v precision="$2" '
    { label = ($1 == "layer") ? $1 " " $2 " " $3 : $1; first = ($1 == "layer") ? 5 : 3 }
    label == use { print (precision == "bf16") ? $(first + 1) : $first; found = 1 }
    END { if (!found) exit 1 }' "$work/machine"
}

# epoch_samples BATCH_SIZE: the samples an epoch trains, MNIST's 60000 or --max-batches' share.
epoch_samples() {
  awk -v batch="$1" -v max="$max_batches" 'BEGIN { n = 60000; if (max != "" && max * batch < n) n = max * batch; print n }'
}

# floor_seconds MODEL RULE PRECISION: the epoch's floor, as described above.
floor_seconds() {
  local model=$1 rule=$2 precision=$3
  if [[ $model == conv ]]; then
    # Per sample: conv 2·576·32·25 and fc 2·4608·10 multiply-adds ×2, three products each.
    awk -v r="$(rate square "$precision")" -v samples="$(epoch_samples 100)" \
      'BEGIN { printf "%.3f", samples * 3 * (2*576*32*25 + 2*4608*10) / (r * 1e9) }'
    return
  fi
  awk -v rule="$rule" -v precision="$precision" '
    $1 == "layer" { n = $2; split($4, d, "x"); flops = 2 * d[1] * d[2] * d[3]
                    rate = (precision == "bf16") ? $6 : $5; seconds[n, $3] = flops / (rate * 1e9)
                    if (n > layers) layers = n }
    END { for (l = 1; l <= layers; l++) {
            if (rule == "bp") batch += seconds[l, "forward"] + seconds[l, "update"] + (l > 1 ? seconds[l, "down"] : 0)
            else batch += 2 * seconds[l, "forward"] + seconds[l, "update"]
          }
          printf "%.3f", samples / 64 * batch }' samples="$(epoch_samples 64)" "$work/machine"
}

# epoch_seconds MODEL RULE PRECISION [OPTION…]: the training seconds (evaluation excluded) of a
# run's second epoch and of its first. The second is what every later epoch of a long run costs;
# the first adds the start: oneDNN compiling its kernels, the pools' first tensors.
epoch_seconds() {
  local model=$1 rule=$2 precision=$3
  shift 3
  "$pepita" train --model "$model" --rule "$rule" --precision "$precision" --epochs 2 --max-eval-batches 1 \
      --quiet --metrics "$work/m.csv" "$@" >/dev/null
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "train_seconds") c = i } NR > 1 { s[NR] = $c }
           END { print s[3], s[2] }' "$work/m.csv"
}

median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The machine's speed drifts on a shared host, so every repeat measures its own floor just before
# its epoch, and the ratio is taken pair by pair.
printf '| model | rule | precision | s / epoch | first epoch s | floor s | ratio (median of %d pairs) | ratio range |\n|---|---|---|---|---|---|---|---|\n' "$repeats"
for case in "fc pepita" "fc bp" "conv pepita"; do
  read -r model rule <<<"$case"
  for precision in f32 bf16; do
    if ! rate square "$precision" | grep -q '^[0-9]'; then
      echo "| $model | $rule | $precision | not run: no $precision kernels here | | | | |"
      continue
    fi
    : >"$work/pairs"
    for ((i = 0; i < repeats; i++)); do
      "$pepita" info --machine >"$work/machine"
      floor=$(floor_seconds "$model" "$rule" "$precision")
      echo "$(epoch_seconds "$model" "$rule" "$precision" "$@") $floor" >>"$work/pairs"
    done
    measured=$(cut -d' ' -f1 "$work/pairs" | median)
    first=$(cut -d' ' -f2 "$work/pairs" | median)
    floor=$(cut -d' ' -f3 "$work/pairs" | median)
    awk '{ print $1 / $3 }' "$work/pairs" | sort -g >"$work/ratios"
    ratio=$(median <"$work/ratios")
    # The spread of the pairs says how noisy the host was; a wide one makes the median the figure to quote.
    range=$(awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f–%.3f", lo, hi }' "$work/ratios")
    echo "| $model | $rule | $precision | $measured | $first | $floor | $ratio | $range |"
  done
done
