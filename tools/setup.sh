#!/usr/bin/env bash
# Installs every Debian package pkl5's build, tests, demo and benchmarks need.
#
#   tools/setup.sh
#
# Idempotent: packages already installed are left alone, and apt is not
# touched at all when nothing is missing. Works as root or through sudo on
# Debian 12 (bookworm); anywhere else it stops with a message saying why.
set -euo pipefail

packages=(
  # Build.
  bazel-bootstrap g++ pkg-config cmake make
  # Dependencies (see WORKSPACE: all come from /usr).
  libopenmpi-dev openmpi-bin
  # The second MPI implementation (bazel test --config=mpich).
  libmpich-dev mpich
  libflatbuffers-dev flatbuffers-compiler
  libabsl-dev
  libgtest-dev libgmock-dev
  # Checks run by .ci/run.
  clang-format valgrind
  # Peers the benchmarks measure pkl5 against.
  libboost-serialization-dev libcereal-dev libboost-mpi-dev
  python3-mpi4py python3-numpy
  # Plots of the benchmark.
  gnuplot-nox
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "${package}" 2>/dev/null |
    grep -q "install ok installed"; then
    missing+=("${package}")
  fi
done

if [[ ${#missing[@]} == 0 ]]; then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "setup: error: apt-get not found. pkl5 builds against Debian 12's" \
    "packages; install these by other means: ${missing[*]}" >&2
  exit 1
fi
if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "setup: error: installing packages needs root; run as root or with" \
    "passwordless sudo, or ask an administrator to install: ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get update -q ||
  ! "${as_root[@]}" apt-get install -y -q \
    "${missing[@]}"; then
  echo "setup: error: apt-get could not install: ${missing[*]}" >&2
  exit 1
fi
echo "setup: done"
