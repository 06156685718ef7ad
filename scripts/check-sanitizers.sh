#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer (g++, -O1, assertions on)
# in build-asan/ and runs the unit and CLI tests under them; a leak or any undefined behaviour
# fails the run. Extra arguments go to ctest, e.g. `scripts/check-sanitizers.sh -R checkpoint`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/lib/sanitized-build.sh
sanitized_build build-asan -fsanitize=address,undefined

# The suppression files list only third-party code, each entry with its reason.
readonly suppressions=$PWD/scripts/sanitizer-suppressions
export ASAN_OPTIONS=detect_leaks=1
export LSAN_OPTIONS=suppressions=$suppressions/lsan.txt
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$suppressions/ubsan.txt
ctest --test-dir build-asan --output-on-failure -j 2 -L 'unit|cli' "$@"
