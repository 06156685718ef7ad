#!/usr/bin/env bash
# The README's test command: installs deps, builds Release in build/ with the Python module, and
# runs ctest (the module's pytest suite and the installed package's build included).
# Extra arguments go to ctest, e.g. `scripts/test.sh -L unit`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPEPITA_PYTHON=ON -DPEPITA_UNITY_BUILD=ON  # from scratch: cmake/UnityBuild.cmake
cmake --build build -j "$(nproc)"
ctest --test-dir build --output-on-failure -j 2 "$@"
