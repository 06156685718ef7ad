#!/usr/bin/env bash
# Tests scripts/fetch-data.sh offline, with file:// sources built here.
# Usage: test_fetch_data.sh [REPO_ROOT]
# The MNIST download cases need the four real MNIST files (raw or .gz) in
# $PEPITA_TEST_MNIST_SOURCE; without it they are skipped and the rest still run.
set -uo pipefail  # no -e: a failing check must be counted, not end the run

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
fetch=$root/scripts/fetch-data.sh
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
readonly MNIST_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte
                      t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
passed=0
failed=0
out=""
rc=0

# Runs fetch-data.sh, keeping its combined output in $out and its exit status in $rc.
# PEPITA_DATA_DIR is dropped (CI sets it to shared data) unless a test passes it via env.
run_fetch() {
  out=$(env -u PEPITA_DATA_DIR "$@" 2>&1)
  rc=$?
}

# check DESCRIPTION: counts the command just before it as a pass (status 0) or a failure; on
# failure shows the output of the last fetch-data run.
check() {
  local status=$? what=$1 lines
  if ((status == 0)); then
    passed=$((passed + 1))
    echo "ok   - $what"
  else
    failed=$((failed + 1))
    echo "FAIL - $what"
    mapfile -t lines <<<"$out"
    printf '       | %s\n' "${lines[@]}"
  fi
}

output_has() { [[ $out == *"$1"* ]]; }
count_in_output() { grep -c -- "$1" <<<"$out"; }
no_leftovers() {  # DIR: nothing but empty directories, so no temporary or half-written file
  [[ -z $(find "$1" -type f) && -z $(find "$1" -name '.fetch-data*') ]]
}

test_usage_errors() {
  run_fetch "$fetch" --data-dir "$tmp/usage" imagenet
  ((rc == 2)) && output_has usage:
  check "(f) unknown data set name exits 2 with usage"
  run_fetch "$fetch" --bogus mnist
  ((rc == 2))
  check "(f) unknown flag exits 2"
  run_fetch "$fetch"
  ((rc == 2))
  check "(f) no data set exits 2"
  run_fetch "$fetch" mnist --data-dir
  ((rc == 2))
  check "(f) --data-dir without a value exits 2"
  test ! -e "$tmp/usage"
  check "(f) usage errors create nothing"
}

test_unreachable_source() {
  # Run without --data-dir from an empty cwd: also checks the ./data default.
  mkdir "$tmp/cwd"
  out=$(cd "$tmp/cwd" && env -u PEPITA_DATA_DIR PEPITA_MNIST_URLS="file:///nonexistent/" \
    "$fetch" mnist 2>&1)
  rc=$?
  ((rc == 1))
  check "(d) unreachable source exits 1"
  output_has "could not download train-images-idx3-ubyte.gz from any source; put the files in data/mnist by hand"
  check "(d) message says to put the files in data/mnist by hand"
  no_leftovers "$tmp/cwd"
  check "(d) no temporary files left"
}

test_corrupt_file_is_kept() {
  mkdir -p "$tmp/corrupt/mnist"
  echo garbage >"$tmp/corrupt/mnist/train-images-idx3-ubyte"
  run_fetch env PEPITA_MNIST_URLS="file:///nonexistent/" "$fetch" --data-dir "$tmp/corrupt" mnist
  ((rc == 1)) && output_has "mnist/train-images-idx3-ubyte: checksum does not match"
  check "(c) corrupt present file exits 1 and names it"
  grep -q garbage "$tmp/corrupt/mnist/train-images-idx3-ubyte"
  check "(c) corrupt file is not deleted"
}

# make_fake_cifar ARCHIVE SUBDIR FILE...: builds $tmp/ARCHIVE.tar.gz holding SUBDIR/FILE...,
# each file holding its own name so the unpacked content can be checked.
make_fake_cifar() {
  local archive=$1 subdir=$2 file
  shift 2
  mkdir -p "$tmp/src-$archive/$subdir"
  for file in "$@"; do echo "$file" >"$tmp/src-$archive/$subdir/$file"; done
  tar -czf "$tmp/$archive.tar.gz" -C "$tmp/src-$archive" "$subdir"
}

md5_of() { md5sum <"$1" | cut -d' ' -f1; }

test_cifar() {
  local files=(data_batch_{1..5}.bin test_batch.bin) md5 file all_there=true
  make_fake_cifar cifar-10-binary cifar-10-batches-bin "${files[@]}"
  md5=$(md5_of "$tmp/cifar-10-binary.tar.gz")
  local source=(env PEPITA_CIFAR10_URL="file://$tmp/cifar-10-binary.tar.gz")

  run_fetch "${source[@]}" PEPITA_CIFAR10_MD5="$md5" "$fetch" --data-dir "$tmp/c10" cifar10
  ((rc == 0)) && output_has "cifar-10-binary.tar.gz: downloaded, verified"
  check "(e) cifar10 fake archive downloads and unpacks"
  for file in "${files[@]}"; do
    [[ $(cat "$tmp/c10/cifar-10-batches-bin/$file" 2>/dev/null) == "$file" ]] || all_there=false
  done
  $all_there
  check "(e) all six .bin files unpacked with their content"
  test -z "$(find "$tmp/c10" -mindepth 1 -maxdepth 1 ! -name cifar-10-batches-bin)"
  check "(e) no archive or scratch dir left"

  # Source unreachable: passing proves nothing is downloaded again.
  run_fetch env PEPITA_CIFAR10_URL=file:///nonexistent "$fetch" --data-dir "$tmp/c10" cifar10
  ((rc == 0)) && output_has "cifar-10-batches-bin: present"
  check "(e) second run finds cifar10 present"

  run_fetch "${source[@]}" PEPITA_CIFAR10_MD5=00000000000000000000000000000000 \
    "$fetch" --data-dir "$tmp/c10-bad" cifar10
  ((rc == 1)) && output_has "checksum mismatch"
  check "(e) wrong md5 exits 1 with a checksum message"
  no_leftovers "$tmp/c10-bad"
  check "(e) wrong md5 leaves nothing behind"
}

test_cifar100() {
  make_fake_cifar cifar-100-binary cifar-100-binary train.bin test.bin
  run_fetch env PEPITA_CIFAR100_URL="file://$tmp/cifar-100-binary.tar.gz" \
    PEPITA_CIFAR100_MD5="$(md5_of "$tmp/cifar-100-binary.tar.gz")" \
    "$fetch" --data-dir "$tmp/c100" cifar100
  ((rc == 0)) && [[ -f $tmp/c100/cifar-100-binary/train.bin && -f $tmp/c100/cifar-100-binary/test.bin ]]
  check "(e) cifar100 fake archive unpacks"
}

# Builds $tmp/mnist-src with re-compressed copies: their bytes differ from the official .gz, so
# a pass shows the checksum is taken over the decompressed content.
make_mnist_source() {
  local src=$1 name
  mkdir "$tmp/mnist-src"
  for name in "${MNIST_FILES[@]}"; do
    if [[ -f $src/$name.gz ]]; then
      gzip -dc "$src/$name.gz"
    else
      cat "$src/$name"
    fi | gzip -1 >"$tmp/mnist-src/$name.gz" || return 1
  done
}

test_mnist_download() {
  # The first base URL fails, so the fall-back to the next source is checked too.
  local urls="file:///nonexistent/ file://$tmp/mnist-src/"
  run_fetch env PEPITA_MNIST_URLS="$urls" "$fetch" --data-dir "$tmp/m" mnist
  ((rc == 0)) && (($(count_in_output ": downloaded, verified") == 4))
  check "(a) fetch into an empty dir downloads and verifies 4 files"
  test -z "$(find "$tmp/m" -name '.fetch-data*')"
  check "(a) no scratch dir left"

  # Sources unreachable: passing proves nothing is downloaded again. Uses $PEPITA_DATA_DIR.
  run_fetch env PEPITA_MNIST_URLS="file:///nonexistent/" PEPITA_DATA_DIR="$tmp/m" "$fetch" mnist
  ((rc == 0)) && (($(count_in_output ": present, verified") == 4))
  check "(b) second run (dir from \$PEPITA_DATA_DIR) skips all 4 as present, verified"

  # A truncated download: gzip fails partway, which must read as a mismatch too.
  head -c 1000 "$tmp/mnist-src/t10k-labels-idx1-ubyte.gz" >"$tmp/m/mnist/t10k-labels-idx1-ubyte.gz"
  run_fetch env PEPITA_MNIST_URLS="$urls" "$fetch" --data-dir "$tmp/m" mnist
  ((rc == 1)) && output_has "mnist/t10k-labels-idx1-ubyte.gz: checksum does not match"
  check "(c) truncated present .gz exits 1 and names it"
}

main() {
  [[ -x $fetch ]] || { echo "test_fetch_data: $fetch not found or not executable" >&2; exit 1; }
  test_usage_errors
  test_unreachable_source
  test_corrupt_file_is_kept
  test_cifar
  test_cifar100
  local src=${PEPITA_TEST_MNIST_SOURCE:-}
  if [[ -n $src && -d $src ]] && make_mnist_source "$src" 2>/dev/null; then
    test_mnist_download
  else
    echo "skipped: MNIST download cases (a), (b) and the .gz variant of (c) need the MNIST files in \$PEPITA_TEST_MNIST_SOURCE"
  fi
  echo "$passed passed, $failed failed"
  ((failed == 0))
}

main
