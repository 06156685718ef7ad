#!/usr/bin/env bash
# Installs the Debian 12 packages the build needs; does nothing when they are all present.
set -euo pipefail

# ocl-icd-opencl-dev is only a Recommends of libdnnl-dev, but Debian's dnnl-config.cmake does
# find_package(OpenCL REQUIRED); listing it lets us skip recommends and install no more than this.
# clang and libclang-rt-14-dev (libFuzzer) build the fuzz targets; that build configures the whole
# project with clang, whose OpenMP is libomp-dev.
# pybind11-dev, python3-dev, python3-numpy and python3-pytest build and test the Python module
# (apps/python), for Debian's /usr/bin/python3. libopenmpi-dev and openmpi-bin run the graph across
# processes (distributed/, `mpirun … pepita train`) and its tests. gnuplot-nox draws the figures of
# `pepita reproduce` (SVG and PNG, no X11) and its test.
readonly PACKAGES=(cmake g++ make pkg-config libtbb-dev libdnnl-dev ocl-icd-opencl-dev
                   libboost-program-options-dev doctest-dev zlib1g-dev curl ca-certificates
                   clang libclang-rt-14-dev libomp-dev
                   pybind11-dev python3-dev python3-numpy python3-pytest
                   libopenmpi-dev openmpi-bin
                   gnuplot-nox)

die() { echo "install-deps: $*" >&2; exit 1; }

# Prints the packages that are not fully installed (absent, removed or half-configured).
missing_packages() {
  local pkg status
  for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ $status == installed ]] || echo "$pkg"
  done
}

# Sets the global as_root to the command prefix that gives root rights, or fails with what to run.
find_root_prefix() {
  as_root=()
  [[ $(id -u) -eq 0 ]] && return
  # sudo -n never prompts: a script run by make or CI must not hang on a password.
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
    return
  fi
  die "not root and no password-less sudo; run: sudo apt-get install $*"
}

main() {
  command -v dpkg-query >/dev/null || die "dpkg-query not found; install by hand: ${PACKAGES[*]}"
  local missing
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} > 0)) || exit 0
  command -v apt-get >/dev/null || die "apt-get not found; install by hand: ${missing[*]}"
  find_root_prefix "${missing[@]}"
  echo "install-deps: installing ${missing[*]}"
  # env passes DEBIAN_FRONTEND through sudo, which resets the environment.
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get -qq -y --no-install-recommends install "${missing[@]}"
}

main "$@"
