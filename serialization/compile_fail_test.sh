#!/usr/bin/env bash
# Unsupported types must fail to compile with a message that says how to
# opt them in. Compiles each case in compile_fail/ with the system C++
# compiler against the same headers the build uses, and checks the outcome.
set -uo pipefail

root="${TEST_SRCDIR}"
compiler="${CXX:-g++}"
# Headers are reached as "pkl5/...", as users reach them.
include_dir="${TEST_TMPDIR}/include"
mkdir -p "${include_dir}"
ln -sfn "${root}/pkl5" "${include_dir}/pkl5"
flags=(-std=c++17 -fsyntax-only -DOMPI_SKIP_MPICXX=1
  -I"${include_dir}"
  -isystem "${root}/com_google_absl/include"
  -isystem "${root}/com_github_google_flatbuffers/include")
dir="${root}/pkl5/serialization/compile_fail"
failures=0

expect() {  # expect CASE succeed|fail [MESSAGE [EXTRA-FLAG...]]
  local case="$1" outcome="$2" message="${3:-}" output status
  shift $(($# < 3 ? $# : 3))
  output="$("${compiler}" "${flags[@]}" "$@" "${dir}/${case}.cc" 2>&1)"
  status=$?
  if [[ "${outcome}" == succeed && ${status} != 0 ]]; then
    echo "FAIL: ${case} should compile:"
    echo "${output}" | head -20
    failures=$((failures + 1))
  elif [[ "${outcome}" == fail && ${status} == 0 ]]; then
    echo "FAIL: ${case} compiled but must not"
    failures=$((failures + 1))
  elif [[ -n "${message}" ]] && ! grep -qF -- "${message}" <<<"${output}"; then
    echo "FAIL: ${case} failed without saying: ${message}"
    echo "${output}" | grep -m5 error
    failures=$((failures + 1))
  else
    echo "ok: ${case}"
  fi
}

expect compiles succeed
expect unsupported_type fail "Opt a struct in with PKL5_FIELDS"
expect unsupported_type fail "Codec<NotOptedIn"
expect enum_without_fixed_type fail "enums with a fixed underlying type"
expect pointer_field fail "Pointers and references are never serializable"
expect missing_field fail "PKL5_FIELDS does not list every member"
expect missing_field fail "ListsEveryMember<Quad, 3"
# Without C++17 the first error says so (the flag given last wins).
for standard in c++11 c++14; do
  expect compiles fail "pkl5 needs C++17" -std="${standard}"
  first="$("${compiler}" "${flags[@]}" -std="${standard}" \
    "${dir}/compiles.cc" 2>&1 | grep -m1 'error')"
  if ! grep -qF "pkl5 needs C++17" <<<"${first}"; then
    echo "FAIL: the first error under -std=${standard} is not pkl5's: ${first}"
    failures=$((failures + 1))
  fi
done
exit $((failures > 0))
