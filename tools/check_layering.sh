#!/usr/bin/env bash
# Proves the layering of DESIGN.md with `bazel query`: dependencies point
# down only, and serialization never reaches MPI.
#
#   serialization  <-  transport  <-  comm  <-  collectives
#
# Layers that do not exist yet are skipped.
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"

layers=(serialization transport comm collectives)
mpi='//third_party/mpi:* + @openmpi//...'
failures=0

forbid() {  # forbid LAYER DESCRIPTION QUERY-SET
  local layer="$1" what="$2" forbidden="$3" found
  found="$(bazel query --noshow_progress \
    "deps(//${layer}/...) intersect (${forbidden})" 2>/dev/null)" || {
    echo "layering: error: bazel query failed for //${layer}" >&2
    failures=$((failures + 1))
    return
  }
  if [[ -n "${found}" ]]; then
    echo "layering: FAIL: //${layer} depends on ${what}:" >&2
    echo "${found}" | sed 's/^/  /' >&2
    failures=$((failures + 1))
  else
    echo "layering: ok: //${layer} does not depend on ${what}"
  fi
}

for i in "${!layers[@]}"; do
  layer="${layers[$i]}"
  [[ -f "${layer}/BUILD.bazel" ]] || continue
  if [[ "${layer}" == serialization ]]; then
    forbid "${layer}" "MPI" "${mpi}"
  fi
  for upper in "${layers[@]:$((i + 1))}"; do
    [[ -f "${upper}/BUILD.bazel" ]] || continue
    forbid "${layer}" "//${upper}" "//${upper}/..."
  done
done
exit $((failures > 0))
