#!/usr/bin/env bash
# Runs an MPI program under mpirun for a Bazel test (or by hand): Open MPI's
# by default, MPICH's with PKL5_MPIRUN=mpiexec.mpich (--config=mpich).
#
#   testing/mpirun_test.sh NP PROGRAM [ARGS...] [: NP PROGRAM [ARGS...]]...
#
# Several `:`-separated parts launch one MPMD job (MPI_COMM_WORLD spans
# them all), e.g. `1 /usr/bin/python3 peer.py : 1 cpp_program`.
#
# - A private TMPDIR (short, under /tmp: Open MPI's session sockets must fit
#   in a unix socket path) that is removed afterwards, so concurrent tests
#   never share Open MPI session directories.
# - Runs as root when it has to, oversubscribes when NP exceeds the cores,
#   does not bind ranks to cores (Bazel runs several MPI tests at once) and
#   yields when idle so oversubscribed ranks do not starve each other.
# - A hard timeout: a deadlock fails the test with a message instead of
#   hanging CI. PKL5_MPI_TEST_TIMEOUT (seconds) overrides it; by default it
#   fires 15 s before Bazel's own TEST_TIMEOUT so the message gets written.
# - PKL5_MPIRUN overrides the launcher (default: mpirun.openmpi, never the
#   `mpirun` alternative, which may point at another implementation);
#   mpiexec.mpich (MPICH's Hydra) is recognised and given its own flags.
# - PKL5_MPI_TRANSPORT=tcp forces Open MPI onto TCP over loopback (btl
#   tcp,self) instead of shared memory, so the network path is exercised
#   (`bazel test --config=tcp`).
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 NP PROGRAM [ARGS...] [: NP PROGRAM [ARGS...]]..." >&2
  exit 2
fi
np="$1"
program="$2"
shift 2
# Each further `: NP PROGRAM ARGS...` part, as the launcher's own syntax
# (its -np / -n flag is added below).
parts=()
part_nps=()
first_args=()
while [[ $# -gt 0 && $1 != ":" ]]; do
  first_args+=("$1")
  shift
done
while [[ $# -gt 0 ]]; do
  shift  # the ':'
  if [[ $# -lt 2 ]]; then
    echo "error: a ':' part needs NP and PROGRAM" >&2
    exit 2
  fi
  part_nps+=("$1")
  shift
  part=()
  while [[ $# -gt 0 && $1 != ":" ]]; do
    part+=("$1")
    shift
  done
  parts+=("$(printf '%q ' "${part[@]}")")
done

launcher="${PKL5_MPIRUN:-mpirun.openmpi}"
if ! command -v "${launcher}" >/dev/null; then
  echo "error: ${launcher} not found; run tools/setup.sh" >&2
  exit 2
fi

default_timeout=$(( ${TEST_TIMEOUT:-300} - 15 ))
(( default_timeout < 30 )) && default_timeout=30
timeout_seconds="${PKL5_MPI_TEST_TIMEOUT:-${default_timeout}}"

private_tmp="$(mktemp -d /tmp/pkl5-mpi.XXXXXX)"
trap 'rm -rf "${private_tmp}"' EXIT
export TMPDIR="${private_tmp}"

if [[ "$(id -u)" == 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Open MPI's own leaks at exit are not ours (see .bazelrc's asan config).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"

transport="${PKL5_MPI_TRANSPORT:-}"
if [[ -n ${transport} && ${transport} != tcp ]]; then
  echo "error: PKL5_MPI_TRANSPORT must be empty or tcp, not" \
    "'${transport}'" >&2
  exit 2
fi

# Open MPI's mpirun or MPICH's Hydra (mpiexec.mpich) take different flags.
launcher_version="$("${launcher}" --version 2>&1 || true)"
if [[ ${launcher_version} == *HYDRA* ]]; then
  launch=("${launcher}" -bind-to none)
  np_flag=-n
  [[ ${transport} == tcp ]] && export UCX_TLS=tcp,self
else
  launch=("${launcher}" --oversubscribe --bind-to none
    --mca mpi_yield_when_idle 1 --mca orte_tmpdir_base "${private_tmp}")
  np_flag=-np
  if [[ ${transport} == tcp ]]; then
    launch+=(--mca btl tcp,self --mca btl_tcp_if_include lo)
  fi
fi

status=0
launch+=("${np_flag}" "${np}" "${program}" "${first_args[@]}")
for i in "${!parts[@]}"; do
  eval "part=(${parts[$i]})"
  launch+=(: "${np_flag}" "${part_nps[$i]}" "${part[@]}")
done
timeout --kill-after=10 "${timeout_seconds}" "${launch[@]}" || status=$?

if [[ ${status} == 124 || ${status} == 137 ]]; then
  echo "error: ${program} on ${np} ranks did not finish within" \
    "${timeout_seconds} s (deadlock?); killed" >&2
fi
exit "${status}"
