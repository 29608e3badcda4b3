#!/usr/bin/env bash
# Puts the latest benchmark tables (bench/results/bench.md, written by
# `bazel run -c opt //bench`) into docs/benchmarks.md between its bench markers.
#
#   tools/docs_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

results=bench/results/bench.md
if [[ ! -s ${results} ]]; then
  echo "docs_bench: ${results} is missing; run bazel run -c opt //bench" >&2
  exit 1
fi
begin='<!-- bench results begin -->'
end='<!-- bench results end -->'
if ! grep -qF "${begin}" docs/benchmarks.md || ! grep -qF "${end}" docs/benchmarks.md; then
  echo "docs_bench: docs/benchmarks.md lacks the markers ${begin} ... ${end}" >&2
  exit 1
fi
updated="$(mktemp)"
awk -v begin="${begin}" -v end="${end}" -v results="${results}" '
  $0 == begin { print; while ((getline line < results) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }
' docs/benchmarks.md >"${updated}"
mv "${updated}" docs/benchmarks.md
echo "docs_bench: docs/benchmarks.md now shows ${results}"
