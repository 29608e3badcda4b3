#!/usr/bin/env bash
# Copies pkl5's install tree under a prefix:
#
#   bazel run -c opt //install -- /usr/local
#   bazel run -c opt --config=mpich //install -- /opt/pkl5-mpich
#
# A relative prefix is taken from the directory bazel run was called in.
set -euo pipefail

tree="$1"
shift
if [[ $# != 1 ]]; then
  echo "usage: bazel run -c opt //install -- PREFIX" >&2
  exit 2
fi
prefix="$1"
if [[ "${prefix}" != /* ]]; then
  prefix="${BUILD_WORKING_DIRECTORY:-${PWD}}/${prefix}"
fi
mkdir -p "${prefix}"
cp -R --no-preserve=mode "${tree}/." "${prefix}/"
echo "pkl5 installed under ${prefix}:"
(cd "${prefix}" && find include/pkl5 -name '*.h' | wc -l | sed 's/^/  headers: /' &&
  ls lib/libpkl5.a lib/pkgconfig/pkl5.pc lib/cmake/pkl5/*.cmake | sed 's/^/  /')
