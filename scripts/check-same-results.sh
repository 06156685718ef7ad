#!/usr/bin/env bash
# Proves that a refactor changed no behaviour: trains every rule × model × scheduler with the pepita
# binary of revision BASE and with the one of the work tree, and compares the two sides bit for bit,
# timings aside. Run scripts/check-same-results.sh --help for the options.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly root
readonly FLATTEN_JSON=$root/scripts/lib/flatten-json.awk

readonly RULES=(pepita bp fa dfa drtp)
readonly MODELS=(fc conv)
readonly SCHEDULERS=(sequential pipelined gpipe)
# pipelined runs on one graph thread: with two, which weight version a batch's standard pass sees
# depends on thread timing (docs/reliability.md), so even one binary run twice gives other weights
# (measured: 3 runs, 3 sets of weights in 19 of 20 rule × model cells). One thread still keeps two
# batches in flight (staleness up to 1) in an order fixed by the graph itself.
declare -rA SCHEDULER_ARGS=(
  [sequential]="--scheduler sequential --threads 2"
  [pipelined]="--scheduler pipelined --in-flight 2 --weights stash --threads 1"
  [gpipe]="--scheduler gpipe --micro-batches 2 --threads 2"
)
readonly TRAIN_ARGS=(--epochs 2 --max-batches 150 --seed 0 --quiet --dataset mnist)
# A run takes seconds; a hang (a deadlocked scheduler) must not stop the table forever.
readonly RUN_TIMEOUT=900
# Keys (JSON keys, CSV headers, checkpoint counter names) whose values are timings: seconds, ms,
# rates, busy and idle fractions. Everything else is compared as printed.
readonly TIMING_KEYS='second|time|busy|idle|(^|_)ms($|_)|(^|_)s$'
# The summary's fields that describe the program rather than the run.
readonly SUMMARY_DROP="$TIMING_KEYS|^(version|command|data_dir)\$"
# What is compared per run; each has a normalize_<name> below.
readonly CATEGORIES=(metrics summary weights checkpoint)

usage_error() { echo "check-same-results: $* (see --help)" >&2; exit 2; }
die() { echo "check-same-results: $*" >&2; exit 1; }

print_help() {
  cat <<EOF
usage: scripts/check-same-results.sh [options] BASE

Builds revision BASE in a temporary git worktree and the work tree in build/, trains each rule ×
model × scheduler with both binaries (MNIST, 2 epochs of 150 batches, seed 0) and compares, bit
for bit, timings aside: the metrics CSV, the summary JSON, the final weights (CRC-32 per array
from \`pepita inspect\`, and its counters) and the rest of the checkpoint (fingerprint without
the version, position, saved metrics, configuration). Prints a line per run and
"N passed, M failed"; exits 1 if any run differs or fails on one side only (failing on both
sides with the same message counts as the same), 2 on bad usage.

options:
  --quick            only model fc and schedulers sequential, pipelined (a fast smoke run)
  --rules A[,B…]     rules among: ${RULES[*]} (default all)
  --models A[,B…]    models among: ${MODELS[*]} (default all)
  --schedulers A[,B…]  schedulers among: ${SCHEDULERS[*]} (default all)
  --keep DIR         keep the runs (DIR/RULE-MODEL-SCHEDULER/{base,head}/) and the base build
                     (DIR/base-build) instead of removing them at exit
  -h, --help         this help

environment:
  BASE_BUILD=DIR     use the pepita already built in DIR (DIR/apps/pepita/pepita) as the base
  HEAD_BUILD=DIR     likewise for the head, instead of building the work tree in build/
  PEPITA_DATA_DIR    where mnist/ is (default: ../shared/data next to the repository)
  PEPITA_HEAD_EXTRA_ARGS="--lr 0.05"  self-test aid: extra \`pepita train\` options for the head
                     side only, to check that a planted difference is reported

Schedulers run as: sequential --threads 2; pipelined --in-flight 2 --weights stash --threads 1
(with more graph threads its results depend on timing); gpipe --micro-batches 2 --threads 2.
EOF
}

# pick ARRAY KIND LIST ALLOWED…: sets ARRAY to LIST's comma-separated items, each one of ALLOWED.
pick() {
  local -n chosen=$1
  local kind=$2 list=$3 item
  shift 3
  IFS=, read -ra chosen <<<"$list"
  ((${#chosen[@]} > 0)) || usage_error "--${kind}s needs at least one $kind"
  for item in "${chosen[@]}"; do
    [[ " $* " == *" $item "* ]] || usage_error "unknown $kind '$item' (one of: $*)"
  done
}

# set_option NAME VALUE, for the options that take a value.
set_option() {
  case $1 in
    --rules) pick rules rule "$2" "${RULES[@]}" ;;
    --models) pick models model "$2" "${MODELS[@]}" ;;
    --schedulers) pick schedulers scheduler "$2" "${SCHEDULERS[@]}" ;;
    --keep) [[ -n $2 ]] || usage_error "--keep needs a directory"; keep=$2 ;;
  esac
}

# Sets base, keep, rules, models and schedulers from the command line.
parse_args() {
  local quick=0
  base="" keep="" rules=() models=() schedulers=()
  while (($# > 0)); do
    case $1 in
      -h | --help) print_help; exit 0 ;;
      --quick) quick=1 ;;
      --rules | --models | --schedulers | --keep)
        (($# >= 2)) || usage_error "$1 needs a value"
        set_option "$1" "$2"
        shift ;;
      --rules=* | --models=* | --schedulers=* | --keep=*) set_option "${1%%=*}" "${1#*=}" ;;
      -*) usage_error "unknown option $1" ;;
      *) [[ -z $base ]] || usage_error "one BASE revision only, got '$base' and '$1'"; base=$1 ;;
    esac
    shift
  done
  [[ -n $base ]] || usage_error "name the BASE revision to compare with"
  # --quick only changes the defaults: an explicit --models or --schedulers wins.
  local default_models=("${MODELS[@]}") default_schedulers=("${SCHEDULERS[@]}")
  if ((quick)); then default_models=(fc) default_schedulers=(sequential pipelined); fi
  ((${#rules[@]} > 0)) || rules=("${RULES[@]}")
  ((${#models[@]} > 0)) || models=("${default_models[@]}")
  ((${#schedulers[@]} > 0)) || schedulers=("${default_schedulers[@]}")
}

work="" worktree=""
cleanup() {
  if [[ -n $worktree ]]; then git -C "$root" worktree remove --force "$worktree" 2>/dev/null || :; fi
  if [[ -n $work ]]; then rm -rf -- "$work"; fi
  # Drops git's record of the worktree should the remove above have failed half-way.
  if [[ -n $worktree ]]; then git -C "$root" worktree prune; fi
}

# build_pepita SRC BUILD_DIR LOG [CMAKE_OPTION…]: configures a Release build and builds the CLI
# only; on failure shows the log's tail and stops.
build_pepita() {
  local src=$1 dir=$2 log=$3
  shift 3
  echo "check-same-results: building $src in $dir (log: $log)" >&2
  if ! { cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" &&
         cmake --build "$dir" -j "$(nproc)" --target pepita_cli; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "the build in $dir failed (log above)"
  fi
}

# Prints the pepita binary of BUILD_DIR, or stops if there is none.
binary_in() {
  local binary=$1/apps/pepita/pepita
  [[ -x $binary ]] || die "no pepita binary at $binary"
  echo "$binary"
}

# Sets base_bin: BASE_BUILD's binary, else revision base_rev built in a temporary worktree.
prepare_base() {
  if [[ -n ${BASE_BUILD:-} ]]; then
    base_bin=$(binary_in "$BASE_BUILD")
    return
  fi
  worktree=$work/base-src
  git -C "$root" worktree add --quiet --detach "$worktree" "$base_rev"
  # A base build kept by an earlier --keep run belongs to another (removed) worktree: cmake would
  # refuse its cache.
  rm -rf -- "$outputs/base-build"
  build_pepita "$worktree" "$outputs/base-build" "$outputs/base-build.log" -DBUILD_TESTING=OFF
  base_bin=$(binary_in "$outputs/base-build")
}

# Sets head_bin: HEAD_BUILD's binary, else the work tree built in build/.
prepare_head() {
  if [[ -n ${HEAD_BUILD:-} ]]; then
    head_bin=$(binary_in "$HEAD_BUILD")
    return
  fi
  # Configured as scripts/test.sh does: build/ is its folder too, and -DBUILD_TESTING=OFF would
  # stay in the cache there and switch its tests off.
  build_pepita "$root" "$root/build" "$outputs/head-build.log"
  head_bin=$(binary_in "$root/build")
}

# run_side BINARY DIR RULE MODEL SCHEDULER [OPTION…]: one training run in DIR, then `pepita inspect`
# of its checkpoint, by the head binary on both sides so that the printouts come from one reader.
# Paths are relative to DIR, so that messages naming them read the same on both sides.
# Leaves DIR/{stdout,stderr,status,inspect,inspect-status}.
run_side() {
  local binary=$1 dir=$2 rule=$3 model=$4 scheduler=$5 status=0
  shift 5
  local -a scheduler_args
  read -ra scheduler_args <<<"${SCHEDULER_ARGS[$scheduler]}"
  rm -rf -- "$dir"
  mkdir -p -- "$dir"
  # --foreground leaves pepita in the terminal's process group, so Ctrl-C reaches it at once.
  (cd "$dir" && exec timeout --foreground --kill-after=10 "$RUN_TIMEOUT" "$binary" train \
    --rule "$rule" --model "$model" "${scheduler_args[@]}" "${TRAIN_ARGS[@]}" --data-dir "$data_dir" \
    --metrics metrics.csv --summary summary.json --checkpoint-dir checkpoint "$@") \
    >"$dir/stdout" 2>"$dir/stderr" || status=$?
  ((status != 124)) || echo "timed out after $RUN_TIMEOUT s" >>"$dir/stderr"
  echo "$status" >"$dir/status"
  ((status == 0)) || return 0
  status=0
  (cd "$dir" && exec "$head_bin" inspect checkpoint) >"$dir/inspect" 2>&1 || status=$?
  echo "$status" >"$dir/inspect-status"
}

# Prints how the run in DIR failed ("exit N: its last message"), or nothing if it succeeded.
failure_of() {
  local status
  status=$(<"$1/status")
  ((status == 0)) || echo "exit $status: $(awk 'NF { last = $0 } END { print last }' "$1/stderr")"
}

# The normalize_* functions run in a side's folder and print what is compared, timings removed.

# A CSV from stdin without its timing columns, found by header name so a moved column still goes.
csv_without_timing() {
  awk -F, -v drop="$TIMING_KEYS" '
    NR == 1 { for (i = 1; i <= NF; i++) keep[i] = $i !~ drop }
    { line = ""; sep = ""
      for (i = 1; i <= NF; i++) if (keep[i]) { line = line sep $i; sep = "," }
      print line }'
}

normalize_metrics() { csv_without_timing <metrics.csv; }

# Under gpipe with two threads, whether a layer holds one micro-batch's soma or two at its peak
# depends on thread timing (one binary against itself: 2 of 4 gpipe runs differed there), so its
# peak buffer sizes are not compared; the weights and every other figure still are.
normalize_summary() {
  local drop=$SUMMARY_DROP
  if grep -q '"scheduler": *"gpipe"' summary.json; then drop+='|^peak_[a-z]+_bytes$'; fi
  awk -v drop="$drop" -f "$FLATTEN_JSON" summary.json
}

# The CRC-32 of each array's bits (weights, velocities, F, B) and the counters but the timing ones.
normalize_weights() {
  awk -v drop="$TIMING_KEYS" '$1 == "array" || ($1 == "counter" && $2 !~ drop)' inspect
}

# The rest of the checkpoint: fingerprint (the version aside), position, saved history, configuration.
normalize_checkpoint() {
  sed -n -e '/^fingerprint /{s/ version=[^ ]*//;p;}' -e '/^position /p' inspect
  sed -n '/^metrics$/,/^configuration$/s/^  //p' inspect | csv_without_timing | sed 's/^/metrics /'
  # Sorted, since the order of a configuration's lines means nothing to the reader of --config.
  sed -n '/^configuration$/,$s/^  /configuration /p' inspect | LC_ALL=C sort
}

# without_new_options BASE_FILE HEAD_FILE: the head's compared checkpoint without the configuration
# lines of options the base does not know: an option added since BASE (at its default) is no change
# in behaviour, while a changed value of an option both know is one.
without_new_options() {
  awk 'NR == FNR { if ($1 == "configuration") known[$2] = 1; next }
       $1 != "configuration" || ($2 in known)' "$1" "$2"
}

# show_diff BASE_FILE HEAD_FILE TITLE: the first lines of a diff, indented under the table line.
show_diff() {
  echo "  $3 (- base, + head):"
  # awk reads the whole diff (no SIGPIPE under pipefail); it skips the ---/+++ and @@ lines.
  { diff -U0 "$1" "$2" || :; } |
    awk -v max=8 'NR > 2 && !/^@@/ && ++shown <= max { print "    " $0 }
                  END { if (shown > max) print "    … " shown - max " more lines" }'
}

# report STATUS NAME [DETAIL]: one table line, counted.
report() {
  if [[ $1 == same ]]; then ((++passed)); else ((++failed)); fi
  printf '%-7s %s%s\n' "$1" "$2" "${3-}"
}

# check_run RULE MODEL SCHEDULER: trains both sides and prints the run's table line.
check_run() {
  local name="$1 $2 $3" dir=$outputs/$1-$2-$3
  local base_dir=$dir/base head_dir=$dir/head
  run_side "$base_bin" "$base_dir" "$@"
  run_side "$head_bin" "$head_dir" "$@" "${head_extra[@]}"

  local base_failure head_failure
  base_failure=$(failure_of "$base_dir")
  head_failure=$(failure_of "$head_dir")
  if [[ -n $base_failure || -n $head_failure ]]; then
    if [[ $base_failure == "$head_failure" ]]; then
      report same "$name" " (both fail: $base_failure)"
    else
      local where="base only"
      [[ -n $base_failure ]] || where="head only"
      [[ -z $base_failure || -z $head_failure ]] || where="both sides, differently"
      report DIFFERS "$name" ": fails on $where"
      echo "    base: ${base_failure:-ok}"
      echo "    head: ${head_failure:-ok}"
    fi
    return
  fi
  # Without the inspection nothing about the weights is known: the check itself failed.
  local side
  for side in base head; do
    if [[ $(<"$dir/$side/inspect-status") != 0 ]]; then
      report FAILED "$name" ": pepita inspect of the $side checkpoint: $(tail -n 1 "$dir/$side/inspect")"
      return
    fi
  done

  local category differing=()
  for category in "${CATEGORIES[@]}"; do
    for side in base head; do
      # An unreadable file becomes text in the comparison, so it shows as a difference.
      (cd "$dir/$side" && "normalize_$category") >"$dir/$side/$category.compared" 2>&1 ||
        echo "(could not read: exit $?)" >>"$dir/$side/$category.compared"
    done
    if [[ $category == checkpoint ]]; then
      without_new_options "$base_dir/$category.compared" "$head_dir/$category.compared" >"$head_dir/$category.known"
      mv "$head_dir/$category.known" "$head_dir/$category.compared"
    fi
    cmp -s "$base_dir/$category.compared" "$head_dir/$category.compared" || differing+=("$category")
  done
  if ((${#differing[@]} == 0)); then
    report same "$name"
    return
  fi
  report DIFFERS "$name" ": $(IFS='|'; echo "${differing[*]}")"
  for category in "${differing[@]}"; do
    show_diff "$base_dir/$category.compared" "$head_dir/$category.compared" "$category"
  done
}

main() {
  parse_args "$@"
  base_rev=$(git -C "$root" rev-parse --verify --quiet "$base^{commit}") ||
    usage_error "'$base' is not a revision of $root"
  local data=${PEPITA_DATA_DIR:-$root/../shared/data}
  [[ -d $data/mnist ]] || die "no MNIST in $data/mnist (scripts/fetch-data.sh --data-dir $data mnist)"
  # Absolute, because each run starts in its own folder.
  data_dir=$(cd "$data" && pwd)
  read -ra head_extra <<<"${PEPITA_HEAD_EXTRA_ARGS:-}"

  trap cleanup EXIT
  trap 'exit 130' INT  # exit runs the EXIT trap, which removes the worktree
  trap 'exit 143' TERM
  work=$(mktemp -d "${TMPDIR:-/tmp}/check-same-results.XXXXXX")
  outputs=${keep:-$work}
  mkdir -p -- "$outputs"
  outputs=$(cd "$outputs" && pwd)

  prepare_base
  prepare_head
  echo "base ${base_rev:0:7}: $base_bin"
  echo "head: $head_bin${head_extra[*]:+ (train options added: ${head_extra[*]})}"

  passed=0 failed=0
  local rule model scheduler
  for rule in "${rules[@]}"; do
    for model in "${models[@]}"; do
      for scheduler in "${schedulers[@]}"; do check_run "$rule" "$model" "$scheduler"; done
    done
  done
  echo "$passed passed, $failed failed"
  [[ -z $keep ]] || echo "runs kept in $outputs"
  ((failed == 0))
}

main "$@"
