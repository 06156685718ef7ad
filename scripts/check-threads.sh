#!/usr/bin/env bash
# Builds the tests with ThreadSanitizer (g++, -O1) in build-tsan/ and runs the scheduler suite,
# where several batches are in flight and layers run on different oneTBB threads. oneDNN gets one
# OpenMP thread there (the suite asks for it), so every thread TSan sees is one the graph made.
# Debian's libtbb is not instrumented: graph/thread_handoff.hpp states the hand-overs that happen
# inside it, and the suppressions cover accesses made by oneTBB's own code (docs/reliability.md).
# Extra arguments go to the doctest binary, e.g. --test-case='gpipe*'.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/lib/sanitized-build.sh
sanitized_build build-tsan -fsanitize=thread --target test_schedulers

export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/sanitizer-suppressions/tsan.txt"
build-tsan/tests/test_schedulers "$@"
