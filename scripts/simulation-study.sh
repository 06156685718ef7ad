#!/usr/bin/env bash
# The study of docs/simulation.md: every rule on simulated devices (--clock virtual --no-math), as
# TSV tables and SVG plots in OUT_DIR. Nothing is computed but the schedule, so it runs in minutes
# on any machine; the figures depend only on the cost model below, never on the host.
#   throughput-vs-depth.svg   samples/s, L layers of W units on L devices, pipelined (1F1B, L in flight)
#   bubble-vs-depth.svg       the bubble fraction of the same runs, and of GPipe (M = 4L)
#   throughput-vs-devices.svg 64 layers on 1…64 devices, pipelined with 2·D in flight
#   locking-per-layer.svg     update-locking latency (mean, ms) per layer: 16 layers on 16 devices
#   stash-memory.svg          peak bytes per device, pipelined latest vs stash, L on L devices
#   throughput-vs-link.svg    8 layers on 8 devices, link bandwidth from 0.1 to 100 GB/s
# Each run is 256 batches of 64 (GPipe: one group of 4L micro-batches).
# usage: scripts/simulation-study.sh OUT_DIR [PEPITA_BINARY]
set -euo pipefail
shopt -s inherit_errexit  # a failed run inside $(…) stops the study, not a stale summary
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: simulation-study.sh OUT_DIR [PEPITA_BINARY]}
pepita=${2:-$here/../build/apps/pepita/pepita}
mkdir -p "$out"
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT

# The cost model: a device of 100 GFLOP/s (a laptop core's order with AVX-512) and, unless a run
# says otherwise, a datacentre link (5 µs, 25 GB/s). Batches of 64, 256 batches per run.
width=1024
common=(--clock virtual --no-math --cost flops --device-gflops 100 --link-latency 5e-6 --batch-size 64 --epochs 1 -q)
batches=(--max-batches 256)
datacentre=(--link-bandwidth 25)
rules=(bp fa pepita dfa drtp)

hidden() { seq $(($1 - 1)) | sed "s/.*/$2/" | paste -sd,; }  # L layers: L - 1 hidden of width $2
# Runs one configuration and prints the summary's fields given as Python expressions over `s`.
field() {
  local expr=$1; shift
  "$pepita" train "${common[@]}" "$@" --summary "$summary" >/dev/null
  python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($expr)" "$summary"
}
plot() { awk -F'\t' -v title="$1" -v xlabel="$2" -v ylabel="$3" -v logy="${4:-0}" -f "$here/svg-lines.awk"; }

echo "rule	layers	samples_per_s	bubble	gpipe_bubble" >"$out/depth.tsv"
for rule in "${rules[@]}"; do
  for layers in 2 4 8 16 32 64; do
    h=$(hidden "$layers" "$width")
    t=$(field "s['simulated_samples_per_second'], s['bubble_fraction']" --rule "$rule" --hidden "$h" --devices "$layers" \
          --scheduler pipelined --in-flight "$layers" "${batches[@]}" "${datacentre[@]}")
    g=$(field "s['bubble_fraction']" --rule "$rule" --hidden "$h" --devices "$layers" --scheduler gpipe \
          --micro-batches $((4 * layers)) --max-batches $((4 * layers)) "${datacentre[@]}")
    printf "%s\t%s\t%s\t%s\t%s\n" "$rule" "$layers" ${t//[(),]/} "$g" >>"$out/depth.tsv"
  done
done
awk -F'\t' 'NR > 1 { print $1 "\t" $2 "\t" $3 }' "$out/depth.tsv" |
  plot "Throughput, L layers of $width on L devices, pipelined (L in flight)" "layers = devices" "samples/s (log)" 1 \
    >"$out/throughput-vs-depth.svg"
# FA's schedule is BP's (the same edges and visits): left out so that eight lines stay readable.
awk -F'\t' 'NR > 1 && $1 != "fa" { print $1 " 1F1B\t" $2 "\t" $4; print $1 " GPipe M=4L\t" $2 "\t" $5 }' "$out/depth.tsv" | sort -s -k1,1 |
  plot "Bubble fraction, L layers on L devices (FA as BP)" "layers = devices" "idle device-time / device-time" \
    >"$out/bubble-vs-depth.svg"

echo "rule	devices	samples_per_s	bubble" >"$out/devices.tsv"
h=$(hidden 64 "$width")
for rule in "${rules[@]}"; do
  for devices in 1 2 4 8 16 32 64; do
    t=$(field "s['simulated_samples_per_second'], s['bubble_fraction']" --rule "$rule" --hidden "$h" --devices "$devices" \
          --scheduler pipelined --in-flight $((2 * devices)) "${batches[@]}" "${datacentre[@]}")
    printf "%s\t%s\t%s\t%s\n" "$rule" "$devices" ${t//[(),]/} >>"$out/devices.tsv"
  done
done
awk -F'\t' 'NR > 1 { print $1 "\t" $2 "\t" $3 }' "$out/devices.tsv" |
  plot "Throughput, 64 layers of $width on D devices, pipelined (2D in flight)" "devices" "samples/s (log)" 1 \
    >"$out/throughput-vs-devices.svg"

echo "rule	layer	locking_ms_mean	locking_stages_mean	staleness_mean" >"$out/locking.tsv"
h=$(hidden 16 "$width")
for rule in "${rules[@]}"; do
  field "'\n'.join('%d\t%s\t%s\t%s' % (i + 1, l['locking_latency_seconds']['mean'] * 1e3, l['locking_latency_stages']['mean'], l['staleness']['mean']) for i, l in enumerate(s['layers']))" \
    --rule "$rule" --hidden "$h" --devices 16 --scheduler pipelined --in-flight 16 "${batches[@]}" "${datacentre[@]}" | sed "s/^/$rule\t/" >>"$out/locking.tsv"
done
awk -F'\t' 'NR > 1 { print $1 "\t" $2 "\t" $3 }' "$out/locking.tsv" |
  plot "Update-locking latency, 16 layers of $width on 16 devices, pipelined" "layer (16 = output)" "mean ms" \
    >"$out/locking-per-layer.svg"

echo "rule	weights	layers	max_device_peak_bytes" >"$out/memory.tsv"
for rule in bp pepita; do
  for weights in latest stash; do
    for layers in 2 4 8 16 32 64; do
      m=$(field "max(s['device_peak_bytes'])" --rule "$rule" --hidden "$(hidden "$layers" "$width")" --devices "$layers" \
            --scheduler pipelined --in-flight "$layers" --weights "$weights" "${batches[@]}" "${datacentre[@]}")
      printf "%s\t%s\t%s\t%s\n" "$rule" "$weights" "$layers" "$m" >>"$out/memory.tsv"
    done
  done
done
awk -F'\t' 'NR > 1 { print $1 " " $2 "\t" $3 "\t" $4 / 1e6 }' "$out/memory.tsv" |
  plot "Peak bytes on the busiest device, L layers of $width on L devices, L in flight" "layers = devices" "MB" \
    >"$out/stash-memory.svg"

echo "rule	gigabytes_per_second	samples_per_s" >"$out/link.tsv"
h=$(hidden 8 "$width")
for rule in "${rules[@]}"; do
  for bandwidth in 0.1 0.3 1 3 10 30 100; do
    t=$(field "s['simulated_samples_per_second']" --rule "$rule" --hidden "$h" --devices 8 --scheduler pipelined --in-flight 8 \
          --link-bandwidth "$bandwidth" "${batches[@]}")
    printf "%s\t%s\t%s\n" "$rule" "$bandwidth" "$t" >>"$out/link.tsv"
  done
done
awk -F'\t' 'NR > 1 { print $1 "\t" log($2) / log(10) "\t" $3 }' "$out/link.tsv" |
  plot "Throughput, 8 layers on 8 devices, link 5 µs + bytes / bandwidth" "log10 GB/s" "samples/s (log)" 1 \
    >"$out/throughput-vs-link.svg"
ls "$out"
