# Shared by the sanitizer checks; source it.

# Configures DIR with g++ and the sanitizer FLAGS at -O1 with assertions on (replacing the
# RelWithDebInfo flags drops its -DNDEBUG), then builds it; further arguments go to the build,
# e.g. --target test_schedulers.
sanitized_build() {
  local dir=$1 flags=$2
  shift 2
  cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags -fno-omit-frame-pointer -O1 -g" \
    -DCMAKE_EXE_LINKER_FLAGS="$flags"
  cmake --build "$dir" -j 2 "$@"
}
