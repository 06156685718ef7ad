# Shared by the sanitizer checks; source it.

# Configures DIR with g++ and the sanitizer FLAGS at -O1 with assertions on (replacing the
# RelWithDebInfo flags drops its -DNDEBUG), then builds it; further arguments go to the build,
# e.g. --target test_schedulers. It builds from scratch, so as a unity build (cmake/UnityBuild.cmake).
# -g1 keeps the line tables that put file:line in a sanitizer's report and drops the full debug
# info, which cost about a third of each compile and kept CI over its 20 minutes.
sanitized_build() {
  local dir=$1 flags=$2
  shift 2
  cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags -fno-omit-frame-pointer -O1 -g1" \
    -DCMAKE_EXE_LINKER_FLAGS="$flags" -DPEPITA_UNITY_BUILD=ON \
    -DPEPITA_MPI=OFF  # MPI's runs are tests/distributed, in the Release build
  cmake --build "$dir" -j 2 "$@"
}
