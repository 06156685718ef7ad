# Shared by the benchmark scripts; source it. They each declare `runs` (name → `pepita train`
# options) and `order` (the default runs), then call choose_runs with their arguments.

# Reads "[RUN…] [-- OPTION…]": sets `order` to the runs named (default: keep it) and `extra` to
# the options for every run; an unknown run name is one line on stderr and exit 2.
choose_runs() {
  local script=$1 chosen=()
  shift
  while (($# > 0)) && [[ $1 != -- ]]; do chosen+=("$1"); shift; done
  (($# > 0)) && shift  # the --
  extra=("$@")
  ((${#chosen[@]} > 0)) && order=("${chosen[@]}")
  local name
  for name in "${order[@]}"; do
    [[ -n ${runs[$name]+set} ]] || { echo "$script: unknown run '$name' (${!runs[*]})" >&2; exit 2; }
  done
}

# A top-level field of a `pepita train --summary` JSON file.
summary_field() { sed -n "s/^  \"$1\": \\(.*\\),\$/\\1/p" "$2" | tr -d '"'; }
