#!/usr/bin/env bash
# Downloads and verifies the data sets the pepita app trains on.
# Usage: scripts/fetch-data.sh [--data-dir DIR] mnist|cifar10|cifar100|all
# DIR defaults to $PEPITA_DATA_DIR, else ./data, as in the app (data/data_dir.hpp).
set -euo pipefail

# Official source first, then a mirror (the official server often refuses or times out).
readonly MNIST_URLS=${PEPITA_MNIST_URLS:-https://yann.lecun.com/exdb/mnist/ https://ossci-datasets.s3.amazonaws.com/mnist/}
# SHA-256 of the decompressed files, so the official .gz and any re-compressed copy both verify.
declare -rA MNIST_SHA256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
readonly MNIST_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte
                      t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# MD5 is the only checksum the CIFAR authors publish.
readonly CIFAR10_URL=${PEPITA_CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz}
readonly CIFAR10_MD5=${PEPITA_CIFAR10_MD5:-c32a1d4ab5d03f1284b67883e8d87530}
readonly CIFAR100_URL=${PEPITA_CIFAR100_URL:-https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz}
readonly CIFAR100_MD5=${PEPITA_CIFAR100_MD5:-03b5dce01913d631647c71ecec9e9cb8}

readonly USAGE="usage: fetch-data.sh [--data-dir DIR] mnist|cifar10|cifar100|all"
usage() { echo "$USAGE" >&2; exit 2; }

die() { echo "fetch-data: $*" >&2; exit 1; }

die_unreachable() {  # FILE DIR
  die "could not download $1 from any source; put the files in $2 by hand (see README)"
}

# Scratch space inside the data dir, so finished files move into place with an atomic rename.
# Made on first need: a complete, read-only data dir (e.g. shared CI data) must still work.
data_dir=""
work=""
cleanup() { [[ -z $work ]] || rm -rf -- "$work"; }
trap cleanup EXIT
trap 'exit 130' INT   # exit runs the EXIT trap, which removes partial downloads
trap 'exit 143' TERM

make_work_dir() {
  [[ -n $work ]] && return
  mkdir -p -- "$data_dir"
  work=$(mktemp -d "$data_dir/.fetch-data.XXXXXX")
}

# Checksums print nothing for an unreadable or corrupt file, so the comparison just fails.
content_sha256() {
  local sum
  sum=$(gzip -dcf -- "$1" 2>/dev/null | sha256sum) || return 0
  echo "${sum%% *}"
}

file_md5() {
  local sum
  sum=$(md5sum -- "$1") || return 0
  echo "${sum%% *}"
}

# download_verified OUT DIGEST_FN EXPECTED URL...: tries each URL in turn until one yields
# content whose DIGEST_FN output is EXPECTED. OUT must be inside $work (removed on failure).
download_verified() {
  local out=$1 digest_fn=$2 expected=$3 url
  shift 3
  for url in "$@"; do
    # curl's own errors are dropped: the caller prints one line saying what to do instead.
    curl -fsSL --connect-timeout 15 --retry 2 -o "$out" -- "$url" 2>/dev/null || continue
    [[ $("$digest_fn" "$out") == "$expected" ]] && return 0
    echo "fetch-data: $url: checksum mismatch, trying the next source" >&2
  done
  rm -f -- "$out"
  return 1
}

# Checks every copy (raw or .gz) of an MNIST file already present. Returns 1 if there is none.
verify_present_mnist() {
  local name=$1 found=1 path
  for path in "$data_dir/mnist/$name" "$data_dir/mnist/$name.gz"; do
    [[ -e $path ]] || continue
    # Never delete a user's file: it may be a copy they made by hand.
    [[ $(content_sha256 "$path") == "${MNIST_SHA256[$name]}" ]] ||
      die "mnist/${path##*/}: checksum does not match; remove or replace $path"
    echo "mnist/${path##*/}: present, verified"
    found=0
  done
  return "$found"
}

fetch_mnist_file() {
  local name=$1 base urls=()
  verify_present_mnist "$name" && return
  for base in $MNIST_URLS; do urls+=("${base%/}/$name.gz"); done
  make_work_dir
  download_verified "$work/$name.gz" content_sha256 "${MNIST_SHA256[$name]}" "${urls[@]}" ||
    die_unreachable "$name.gz" "$data_dir/mnist"
  mkdir -p -- "$data_dir/mnist"
  mv -f -- "$work/$name.gz" "$data_dir/mnist/$name.gz"
  echo "mnist/$name.gz: downloaded, verified"
}

fetch_mnist() {
  local name
  for name in "${MNIST_FILES[@]}"; do fetch_mnist_file "$name"; done
}

# fetch_cifar URL MD5 SUBDIR FILE...: downloads and unpacks an archive holding SUBDIR/FILE...
fetch_cifar() {
  local url=$1 md5=$2 subdir=$3 file missing=0
  shift 3
  for file in "$@"; do [[ -f $data_dir/$subdir/$file ]] || missing=1; done
  if ((missing == 0)); then
    echo "$subdir: present"
    return
  fi
  local archive=${url##*/}
  make_work_dir
  download_verified "$work/$archive" file_md5 "$md5" "$url" ||
    die_unreachable "$archive" "$data_dir/$subdir"
  echo "$archive: downloaded, verified"
  mkdir -- "$work/unpack"
  tar -xzf "$work/$archive" -C "$work/unpack" --no-same-owner ||
    die "could not unpack $archive"
  for file in "$@"; do
    [[ -f $work/unpack/$subdir/$file ]] || die "$archive has no $subdir/$file"
  done
  # Moves file by file: each rename is atomic, and files the user added to $subdir survive.
  mkdir -p -- "$data_dir/$subdir"
  mv -f -- "$work/unpack/$subdir"/* "$data_dir/$subdir/"
  echo "$subdir: unpacked"
}

fetch_cifar10() {
  fetch_cifar "$CIFAR10_URL" "$CIFAR10_MD5" cifar-10-batches-bin \
    data_batch_{1..5}.bin test_batch.bin
}

fetch_cifar100() {
  fetch_cifar "$CIFAR100_URL" "$CIFAR100_MD5" cifar-100-binary train.bin test.bin
}

main() {
  local dataset="" dir=""
  while (($# > 0)); do
    case $1 in
      --data-dir) (($# >= 2)) || usage; dir=$2; shift ;;
      --data-dir=*) dir=${1#*=} ;;
      -h | --help) echo "$USAGE"; exit 0 ;;
      mnist | cifar10 | cifar100 | all) [[ -z $dataset ]] || usage; dataset=$1 ;;
      *) usage ;;
    esac
    shift
  done
  [[ -n $dataset ]] || usage
  data_dir=${dir:-${PEPITA_DATA_DIR:-data}}

  case $dataset in
    mnist) fetch_mnist ;;
    cifar10) fetch_cifar10 ;;
    cifar100) fetch_cifar100 ;;
    all) fetch_mnist; fetch_cifar10; fetch_cifar100 ;;
  esac
}

main "$@"
