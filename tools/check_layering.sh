#!/usr/bin/env bash
# Proves the layering of docs/design.md with `bazel query` (which follows
# both branches of every select, so Open MPI and MPICH alike):
#
#   base  <-  serialization
#   base  <-  transport            (transport never reaches serialization)
#   serialization, transport  <-  comm  <-  collectives
#   serialization, comm  <-  python (the Python mode; its pickle codec
#                                    needs no MPI)
#
# plus: serialization and base's status macros never reach MPI, no target
# that is not testonly depends on //testing, and no code of pkl5 locks an
# absl::Mutex (Debian's Abseil is built without NDEBUG: every Lock runs the
# deadlock detector; transport/internal/probed_receives.h).
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"

mpi='//third_party/mpi:* + @openmpi//... + @mpich//...'
failures=0

query() {
  bazel query --noshow_progress "$1" 2>/dev/null
}

forbid() {  # forbid WHAT TARGETS DESCRIPTION QUERY-SET
  local targets="$1" what="$2" forbidden="$3" found
  if ! found="$(query "deps(${targets}) intersect (${forbidden})")"; then
    echo "layering: error: bazel query failed for ${targets}" >&2
    failures=$((failures + 1))
  elif [[ -n "${found}" ]]; then
    echo "layering: FAIL: ${targets} depends on ${what}:" >&2
    echo "${found}" | sed 's/^/  /' >&2
    failures=$((failures + 1))
  else
    echo "layering: ok: ${targets} does not depend on ${what}"
  fi
}

forbid //base:status_macros "MPI" "${mpi}"
forbid //base/... "any layer" \
  "//serialization/... + //transport/... + //comm/... + //collectives/..."
forbid //serialization/... "MPI" "${mpi}"
forbid //serialization/... "//transport, //comm or //collectives" \
  "//transport/... + //comm/... + //collectives/..."
forbid //transport/... "//serialization, //comm or //collectives" \
  "//serialization/... + //comm/... + //collectives/..."
forbid //comm/... "//collectives or //python" "//collectives/... + //python/..."
forbid //collectives/... "//python" "//python/..."
forbid //python:pickle "MPI, //transport or //comm" \
  "${mpi} + //transport/... + //comm/..."

# Library code never depends on test code: //testing is testonly, and so
# must be everything that reaches it.
if ! found="$(query "attr(testonly, 0, rdeps(//..., //testing/...))")"; then
  echo "layering: error: bazel query failed for rdeps of //testing" >&2
  failures=$((failures + 1))
elif [[ -n "${found}" ]]; then
  echo "layering: FAIL: targets that are not testonly depend on //testing:" >&2
  echo "${found}" | sed 's/^/  /' >&2
  failures=$((failures + 1))
else
  echo "layering: ok: only testonly targets depend on //testing"
fi

# Locks are std::mutex. A grep, not a query: Abseil's headers are one target.
# Comments may name it.
found="$(git grep -n -E 'absl::(Mutex|MutexLock|ReaderMutexLock|CondVar)\b|absl/synchronization/mutex\.h' \
  -- '*.h' '*.cc' ':!third_party' | grep -v -E '^[^:]+:[0-9]+: *//' || true)"
if [[ -n "${found}" ]]; then
  echo "layering: FAIL: absl::Mutex (use std::mutex; see" \
    "transport/internal/probed_receives.h):" >&2
  echo "${found}" | sed 's/^/  /' >&2
  failures=$((failures + 1))
else
  echo "layering: ok: no absl::Mutex"
fi
exit $((failures > 0))
