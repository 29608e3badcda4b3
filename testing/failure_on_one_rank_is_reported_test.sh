#!/usr/bin/env bash
# Proves the MPI harness reports a failure seen on one rank only: the run
# fails, rank 0's summary names rank 1 and its message, and the later test
# still passes.
set -uo pipefail
runner="$1"
program="$2"

output="$("${runner}" 2 "${program}" 2>&1)"
status=$?
echo "${output}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[[ ${status} != 0 ]] || fail "the run exited 0 although rank 1 failed"
grep -q "rank 1 failed" <<<"${output}" ||
  fail "rank 0's report does not name rank 1"
grep -q "deliberate failure on rank one" <<<"${output}" ||
  fail "rank 1's failure message is missing"
grep -q "\[rank 1\]" <<<"${output}" ||
  fail "rank 1 did not print its own tagged failure line"
grep -q "\[  FAILED  \] FailsOnRankOne.OnlyRankOneSeesTheFailure" \
  <<<"${output}" || fail "rank 0 did not mark the test failed"
grep -q "\[       OK \] FailsOnRankOne.LaterTestsStillRunAndPass" \
  <<<"${output}" || fail "the later test did not pass"
echo "PASS: the failure on rank 1 was reported"
