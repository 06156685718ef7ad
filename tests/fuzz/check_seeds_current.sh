#!/usr/bin/env bash
# Fails when the checked-in seed corpus differs from what write_seed_corpus writes today, e.g.
# after a change to the checkpoint format left the checkpoint seeds behind.
# usage: check_seeds_current.sh PATH/TO/write_seed_corpus PATH/TO/tests/fuzz/corpus
set -euo pipefail
writer=${1:?usage: check_seeds_current.sh WRITER CORPUS_DIR}
corpus=${2:?usage: check_seeds_current.sh WRITER CORPUS_DIR}
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT

"$writer" "$fresh"
if ! diff -r "$fresh" "$corpus"; then
  echo "the seed corpus is out of date; regenerate it: $writer $corpus" >&2
  exit 1
fi
