#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz/ and runs their tests: each
# target replays its seeds and regression inputs, then fuzzes for PEPITA_FUZZ_SECONDS (default
# 10). Extra arguments go to ctest, e.g. `PEPITA_FUZZ_SECONDS=300 scripts/check-fuzz.sh -R gzip`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CXX=clang++ cmake -S . -B build-fuzz -DPEPITA_FUZZ=ON -DPEPITA_MPI=OFF \
  -DPEPITA_FUZZ_SECONDS="${PEPITA_FUZZ_SECONDS:-10}"
cmake --build build-fuzz -j 2 --target pepita_fuzz
ctest --test-dir build-fuzz --output-on-failure -j 2 -L fuzz "$@"
