#!/usr/bin/env bash
# Runs an MPI test program under valgrind's memcheck on every rank and fails
# if any invalid access, uninitialised use or leak has pkl5 code in its
# stack. Open MPI's own (Debian's suppression file, and its leaks at exit,
# which name no pkl5 frame) are not ours.
#
#   tools/valgrind_check.sh [NP [TARGET [GTEST_FILTER]]]
#   tools/valgrind_check.sh 2 //comm:p2p_test_bin 'Settings/P2pTest.*/Intra*'
set -euo pipefail
cd "$(dirname "$0")/.."

np="${1:-2}"
target="${2:-//comm:p2p_test_bin}"
filter="${3:-Settings/P2pTest.*/Intra*}"
suppressions=/usr/share/openmpi/openmpi-valgrind.supp
command -v valgrind >/dev/null || {
  echo "valgrind_check: valgrind not found (apt-get install valgrind)" >&2
  exit 2
}

bazel build -c dbg "${target}" >&2
program="bazel-bin/$(echo "${target#//}" | tr : /)"
logs="$(mktemp -d /tmp/pkl5-valgrind.XXXXXX)"
trap 'rm -rf "${logs}"' EXIT

PKL5_MPI_TEST_TIMEOUT="${PKL5_MPI_TEST_TIMEOUT:-900}" \
  testing/mpirun_test.sh "${np}" valgrind --tool=memcheck \
  --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --num-callers=40 --track-origins=yes \
  ${suppressions:+--suppressions="${suppressions}"} \
  --log-file="${logs}/rank.%p.log" \
  "${program}" --gtest_filter="${filter}" >"${logs}/output" 2>&1 || {
  tail -20 "${logs}/output"
  echo "valgrind_check: the program failed under valgrind" >&2
  exit 1
}

# One report per blank-line separated block of each rank's log; ours are
# errors or leaks with a pkl5 frame.
python3 - "${logs}" <<'PYTHON'
import glob, re, sys

ours = re.compile(r"pkl5::|/(comm|transport|serialization|collectives)/")
kinds = ("Invalid", "Conditional", "Use of", "Syscall", "Mismatched",
         "Source and destination")
found = 0
logs = sorted(glob.glob(sys.argv[1] + "/rank.*.log"))
for log in logs:
    blocks, block = [], []
    for line in open(log):
        line = re.sub(r"^==\d+== ?", "", line.rstrip("\n"))
        if line.strip():
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    blocks.append(block)
    for block in blocks:
        if not block:
            continue
        first = block[0]
        if not (first.startswith(kinds) or " lost in loss record" in first):
            continue
        if any(ours.search(line) for line in block):
            found += 1
            print("\n".join(block[:25]))
            print("----")
    summary = [l for l in open(log) if "ERROR SUMMARY" in l]
    print(f"{log.rsplit('/', 1)[-1]}: {summary[-1].split('== ')[-1].strip() if summary else 'no summary'}")
print(f"valgrind_check: {len(logs)} ranks, {found} reports in pkl5 code")
sys.exit(1 if found or not logs else 0)
PYTHON
