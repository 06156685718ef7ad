#!/usr/bin/env bash
# Where the time of a training run goes, per oneDNN primitive and shape, from oneDNN's own
# verbose timings. usage: scripts/profile-primitives.sh [pepita train options…]
# e.g. scripts/profile-primitives.sh --epochs 1 --max-batches 300
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DNNL_VERBOSE=1 "$root/build/apps/pepita/pepita" train --quiet "$@" |
  awk -F, '$1 == "onednn_verbose" && $2 == "exec" {
             key = $4 " " $5 " " $(NF - 1); ms[key] += $NF; calls[key]++; total += $NF }
           END { for (k in ms) printf "%10.1f %7d %9.3f  %s\n", ms[k], calls[k], ms[k] / calls[k], k
                 printf "%10.1f  all primitives\n", total }' |
  { printf "%10s %7s %9s  %s\n" "total ms" calls ms/call "primitive implementation shape"; sort -rn; }
