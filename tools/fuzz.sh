#!/usr/bin/env bash
# Runs a libFuzzer campaign (clang, ASan+UBSan) on one of pkl5's decoders
# and keeps what it learned as regression inputs for `bazel test`.
#
#   tools/fuzz.sh decode SECONDS     # frame header + in-band decoder
#   tools/fuzz.sh envelope SECONDS   # transport envelope decoder
#   tools/fuzz.sh pickle SECONDS     # Python-mode pickle reader
#
# The corpus (serialization/, transport/ or python/fuzz_corpus) seeds the
# campaign; afterwards new inputs are merged back, minimized (-merge=1), and
# any crash reproducer is copied in too, so the regression tests replay it.
# Prints libFuzzer's final statistics (executions, coverage). Builds in a
# separate output base so the gcc build's outputs stay as they are.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -ne 2 ]]; then
  echo "usage: $0 decode|envelope|pickle SECONDS" >&2
  exit 2
fi
case "$1" in
  decode) target=//serialization:decode_libfuzzer corpus=serialization/fuzz_corpus ;;
  envelope) target=//transport:envelope_libfuzzer corpus=transport/fuzz_corpus ;;
  pickle) target=//python:pickle_libfuzzer corpus=python/fuzz_corpus ;;
  *)
    echo "fuzz: unknown target $1 (decode, envelope or pickle)" >&2
    exit 2
    ;;
esac
seconds="$2"
clang="${PKL5_FUZZ_CC:-clang-14}"
if ! command -v "${clang}" >/dev/null; then
  echo "fuzz: ${clang} not found: apt-get install clang-14 libclang-rt-14-dev" >&2
  exit 2
fi

output_base="${PKL5_FUZZ_OUTPUT_BASE:-/tmp/pkl5-fuzz-output-base}"
bazel --output_base="${output_base}" build --config=fuzz --symlink_prefix=/ \
  --repo_env=CC="${clang}" "${target}" 2>&1 | grep -v "Cannot export local symbol" >&2
bin_dir="$(bazel --output_base="${output_base}" info --config=fuzz \
  --repo_env=CC="${clang}" bazel-bin 2>/dev/null)"
binary="${bin_dir}/$(echo "${target#//}" | tr : /)"

work="$(mktemp -d /tmp/pkl5-fuzz.XXXXXX)"
trap 'rm -rf "${work}"' EXIT
mkdir -p "${work}/new" "${corpus}"
status=0
"${binary}" -max_total_time="${seconds}" -print_final_stats=1 \
  -artifact_prefix="${work}/" -timeout=10 -rss_limit_mb=4096 \
  "${work}/new" "${corpus}" 2>&1 | tee "${work}/log" | grep -E \
  '^#[0-9]+[[:space:]]+(INITED|DONE)|stat::|ERROR|SUMMARY' || true
status=${PIPESTATUS[0]}

# Keep the inputs that add coverage (minimized) and any reproducer.
"${binary}" -merge=1 "${corpus}" "${work}/new" >/dev/null 2>&1 || true
for artifact in "${work}"/crash-* "${work}"/leak-* "${work}"/timeout-*; do
  [[ -e ${artifact} ]] || continue
  cp "${artifact}" "${corpus}/"
  echo "fuzz: kept reproducer ${corpus}/$(basename "${artifact}")"
done
echo "fuzz: corpus ${corpus}: $(ls "${corpus}" | wc -l) inputs"
bazel --output_base="${output_base}" shutdown
exit "${status}"
