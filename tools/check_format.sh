#!/usr/bin/env bash
# Checks that every C++ file git tracks or would track is formatted by clang-format
# (.clang-format at the root). With --fix, formats them in place instead.
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"

mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.h' '*.cc')
if [[ ${#files[@]} == 0 ]]; then
  echo "format: no C++ files"
  exit 0
fi
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  echo "format: formatted ${#files[@]} files"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "format: the files above need tools/check_format.sh --fix" >&2
  exit 1
fi
echo "format: ${#files[@]} files are formatted"
