#!/usr/bin/env bash
# Uses pkl5 the way a stranger does, with only the README: consumer/ holds a
# program (with headers and a testing/ package whose paths pkl5 also has)
# and the build files the README shows (tools/check_docs.sh checks that it
# shows them verbatim). This script builds the program with each of them in
# a fresh project directory outside the repository and runs it on 2 ranks:
#
#   1. Bazel, Open MPI: consumer/bazel (WORKSPACE, .bazelrc, BUILD.bazel)
#   2. Bazel, MPICH:    the same plus the README's MPICH line in .bazelrc
#   3. CMake:           consumer/cmake against `bazel run -c opt //install`
#   4. CMake, MPICH:    against `bazel run -c opt --config=mpich //install`
#   5. Make:            consumer/make (pkg-config, mpicxx), both installs
#
# The only edits are the README's placeholders: /path/to/pkl5 becomes this
# checkout. Exits non-zero if anything fails.
set -uo pipefail
repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
consumer="${repo}/consumer"
work="$(mktemp -d /tmp/pkl5-consumer.XXXXXX)"
mpich_line='build --define=mpi=mpich'  # the README's MPICH line
failures=0

fail() {
  echo "consumer: FAIL: $*" >&2
  failures=$((failures + 1))
}

# project NAME BUILD-DIR: a fresh project of the program and one build's files.
project() {
  local dir="${work}/$1"
  mkdir -p "${dir}"
  cp -R "${consumer}/exchange.cc" "${consumer}/transport" "${consumer}/comm" \
    "${consumer}/testing" "${dir}/"
  cp -R "${consumer}/$2/." "${dir}/"
  if [[ -f "${dir}/WORKSPACE" ]]; then
    sed -i "s|/path/to/pkl5|${repo}|" "${dir}/WORKSPACE"
  fi
  echo "${dir}"
}

# run NAME PROGRAM [LAUNCHER]: the program on 2 ranks, each receiving.
run() {
  local name="$1" program="$2" launcher="${3:-mpirun.openmpi}" output
  if output="$(PKL5_MPIRUN="${launcher}" \
    "${repo}/testing/mpirun_test.sh" 2 "${program}" 2>&1)" &&
    [[ $(grep -c 'received 1048576 values' <<<"${output}") == 2 ]]; then
    echo "consumer: ok: ${name}"
    sed 's/^/  /' <<<"${output}"
  else
    fail "${name}: ${output}"
  fi
}

# 1-2. Bazel.
for mpi in openmpi mpich; do
  dir="$(project "bazel-${mpi}" bazel)"
  launcher=mpirun.openmpi
  if [[ ${mpi} == mpich ]]; then
    echo "${mpich_line}" >>"${dir}/.bazelrc"
    launcher=mpiexec.mpich
  fi
  if (cd "${dir}" && bazel build //:exchange); then
    run "Bazel with ${mpi}" "${dir}/bazel-bin/exchange" "${launcher}"
  else
    fail "Bazel with ${mpi}: the build failed"
  fi
  (cd "${dir}" && bazel shutdown)
done

# 3-5. The installed copy, from CMake and Make.
for mpi in openmpi mpich; do
  config=()
  [[ ${mpi} == mpich ]] && config=(--config=mpich)
  if ! (cd "${repo}" &&
    bazel run -c opt "${config[@]}" //install -- "${work}/prefix-${mpi}"); then
    fail "bazel run //install (${mpi})"
  fi
done
echo "consumer: the installed tree (Open MPI):"
(cd "${work}/prefix-openmpi" && find . -type f | sort | sed 's/^/  /')

for mpi in openmpi mpich; do
  launcher=mpirun.openmpi
  [[ ${mpi} == mpich ]] && launcher=mpiexec.mpich
  dir="$(project "cmake-${mpi}" cmake)"
  if (cd "${dir}" &&
    cmake -S . -B build -DCMAKE_PREFIX_PATH="${work}/prefix-${mpi}" &&
    cmake --build build); then
    run "CMake with ${mpi}" "${dir}/build/exchange" "${launcher}"
  else
    fail "CMake with ${mpi}: the build failed"
  fi
  dir="$(project "make-${mpi}" make)"
  if make -C "${dir}" PKL5_PREFIX="${work}/prefix-${mpi}" \
    MPICXX="mpicxx.${mpi}"; then
    run "Make with ${mpi}" "${dir}/exchange" "${launcher}"
  else
    fail "Make with ${mpi}: the build failed"
  fi
done

rm -rf "${work}"
if ((failures > 0)); then
  echo "consumer: ${failures} check(s) failed" >&2
  exit 1
fi
echo "consumer: every way of depending on pkl5 works"
