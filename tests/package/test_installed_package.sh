#!/usr/bin/env bash
# The installed CMake package as a C++ user meets it: installs the build into a scratch prefix,
# builds examples/cpp against that prefix alone, trains it on a tiny idx data set, and checks that
# the version file turns away an incompatible request.
# usage: test_installed_package.sh BUILD_DIR SOURCE_DIR [CXX_COMPILER]
# CXX_COMPILER: the one the library was built with (the example must link against its code).
set -uo pipefail
build=${1:?usage: test_installed_package.sh BUILD_DIR SOURCE_DIR [CXX_COMPILER]}
source_dir=${2:?usage: test_installed_package.sh BUILD_DIR SOURCE_DIR [CXX_COMPILER]}
compiler=()
[[ -n ${3:-} ]] && compiler=(-DCMAKE_CXX_COMPILER="$3")
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
prefix=$tmp/prefix

# fail WHAT [LOG]: the step that failed, the end of its log, and exit 1.
fail() {
  echo "FAIL: $1"
  [[ -n ${2:-} ]] && tail -n 30 "$2" | sed 's/^/  | /'
  exit 1
}
ok() { echo "ok   - $1"; }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || fail "cmake --install" "$tmp/install.log"
# The package is in lib/cmake/pepita, or lib/<multiarch>/cmake/pepita when built for /usr.
[[ -n $(find "$prefix" -path '*/cmake/pepita/pepitaConfigVersion.cmake') && -f $prefix/include/pepita/train/trainer.hpp ]] ||
  fail "the prefix lacks the version file or the headers" "$tmp/install.log"
ok "install"

# The example sees only the prefix; its compile commands show where its includes and flags come from.
cmake -S "$source_dir/examples/cpp" -B "$tmp/example" -DCMAKE_PREFIX_PATH="$prefix" "${compiler[@]}" \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$tmp/configure.log" 2>&1 || fail "configure examples/cpp" "$tmp/configure.log"
cmake --build "$tmp/example" >"$tmp/build.log" 2>&1 || fail "build examples/cpp" "$tmp/build.log"
commands=$tmp/example/compile_commands.json
grep -q -- "-isystem $prefix/include/pepita" "$commands" || fail "the include path is not the prefix's" "$commands"
! grep -qF -e "-I$source_dir" -e "-isystem $source_dir" "$commands" ||
  fail "the example includes from the source tree" "$commands"
! grep -q -- "-march" "$commands" || fail "the package forces the build's -march on its users" "$commands"
ok "examples/cpp builds against the prefix"

# One of the paper's batches of 64 (a smaller training set is an error), for one epoch.
source "$source_dir/tests/lib/idx_files.sh"
mkdir -p "$tmp/tiny"
write_idx "$tmp/tiny" train 64
write_idx "$tmp/tiny" t10k 12
"$tmp/example/train_mnist" "$tmp" "idx:$tmp/tiny" 1 1 >"$tmp/run.log" 2>&1 || fail "train_mnist exited $?" "$tmp/run.log"
grep -Eq '^train_mnist with pepita [0-9]+\.[0-9]+\.[0-9]+: ' "$tmp/run.log" ||
  fail "train_mnist printed no version (PEPITA_VERSION)" "$tmp/run.log"
grep -Eq '^epoch 1 .*test accuracy [0-9.]+%$' "$tmp/run.log" || fail "train_mnist printed no accuracy line" "$tmp/run.log"
ok "train_mnist trains: $(grep '^epoch 1' "$tmp/run.log")"
"$tmp/example/train_mnist" "$tmp" "idx:$tmp/missing" >/dev/null 2>"$tmp/error.log"
status=$?
((status == 1)) && [[ $(wc -l <"$tmp/error.log") -eq 1 ]] ||
  fail "train_mnist without data: exit $status, not 1 with one line on stderr" "$tmp/error.log"
ok "train_mnist without data: $(cat "$tmp/error.log")"

# Before 1.0 a package of 0.1.x satisfies a request for 0.1 only (the example asked for 0.1 above):
# not 9.0, nor 0.0, which SameMajorVersion would accept. A rejected version never loads the config,
# so the probe needs no compiler.
mkdir -p "$tmp/probe"
for wanted in 9.0 0.0; do
  printf 'cmake_minimum_required(VERSION 3.25)\nproject(probe NONE)\nfind_package(pepita %s REQUIRED)\n' \
    "$wanted" >"$tmp/probe/CMakeLists.txt"
  if cmake -S "$tmp/probe" -B "$tmp/probe/build-$wanted" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/probe.log" 2>&1; then
    fail "find_package(pepita $wanted) accepted the installed package" "$tmp/probe.log"
  fi
  grep -q 'pepitaConfig.cmake, version: ' "$tmp/probe.log" || fail "find_package(pepita $wanted) failed otherwise" "$tmp/probe.log"
  ok "find_package(pepita $wanted) turns the package away"
done
