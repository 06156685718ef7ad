#!/usr/bin/env bash
# The README's first command: installs deps, builds, fetches MNIST and trains on it.
# Extra arguments go to `pepita train`, e.g. `scripts/run.sh --epochs 5 --data-dir /data`.
set -euo pipefail
# No cd: a relative --data-dir or the ./data default then means the same dir to
# fetch-data.sh and to pepita, both resolved against the caller's cwd.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Prints the --data-dir value among the arguments, if any, for fetch-data.sh.
data_dir_arg() {
  while (($# > 0)); do
    case $1 in
      --data-dir) echo "${2-}"; return ;;
      --data-dir=*) echo "${1#*=}"; return ;;
    esac
    shift
  done
}

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$root/build" -j "$(nproc)"

data_dir=$(data_dir_arg "$@")
# Without --data-dir, fetch-data.sh and pepita both fall back to $PEPITA_DATA_DIR, then ./data.
"$root/scripts/fetch-data.sh" ${data_dir:+--data-dir "$data_dir"} mnist
exec "$root/build/apps/pepita/pepita" train --dataset mnist "$@"
