#!/usr/bin/env bash
# Puts the latest benchmark tables (bench/results/bench.md, written by
# `bazel run -c opt //bench`) into README.md between its bench markers.
#
#   tools/readme_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

results=bench/results/bench.md
if [[ ! -s ${results} ]]; then
  echo "readme_bench: ${results} is missing; run bazel run -c opt //bench" >&2
  exit 1
fi
begin='<!-- bench results begin -->'
end='<!-- bench results end -->'
if ! grep -qF "${begin}" README.md || ! grep -qF "${end}" README.md; then
  echo "readme_bench: README.md lacks the markers ${begin} ... ${end}" >&2
  exit 1
fi
updated="$(mktemp)"
awk -v begin="${begin}" -v end="${end}" -v results="${results}" '
  $0 == begin { print; while ((getline line < results) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }
' README.md >"${updated}"
mv "${updated}" README.md
echo "readme_bench: README.md now shows ${results}"
