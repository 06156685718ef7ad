#!/usr/bin/env bash
# Every `omp parallel for simd` with an `if` clause must name the construct it gates: under OpenMP 5
# a bare `if` also applies to `simd`, and GCC then runs the loop scalar whenever the condition is
# false, i.e. for every tensor too small to split across threads (the fc net's element-wise passes
# ran scalar that way until 2026-12-04). Usage: test_openmp_clauses.sh [REPO_ROOT]
set -uo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$root" || exit 2
pragmas=$(grep -rn --include='*.cpp' --include='*.hpp' -E '#pragma omp .*simd.*\bif *\(' graph layers schedulers train apps)
[[ -n $pragmas ]] || { echo "test_openmp_clauses: no 'omp … simd … if' pragma found: the check reads the wrong tree" >&2; exit 1; }
bare=$(grep -vE '\bif *\( *parallel *:' <<<"$pragmas")
if [[ -n $bare ]]; then
  echo "test_openmp_clauses: an if clause without 'parallel :' also switches simd off:" >&2
  echo "$bare" >&2
  exit 1
fi
echo "test_openmp_clauses: $(wc -l <<<"$pragmas") pragmas, each if clause names parallel"
