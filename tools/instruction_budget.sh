#!/usr/bin/env bash
# Counts the instructions of each small-object send and receive under
# callgrind (bench/instruction_count.cc, 2 ranks, Open MPI) and fails when
# one is more than 20% over its budget in bench/instruction_budget.txt.
# Instruction counts repeat from run to run where times do not: this is the
# regression check of the small-object path; the times are in
# docs/benchmarks.md.
#
#   tools/instruction_budget.sh            # check
#   tools/instruction_budget.sh --update   # write the measured counts as
#                                          # the new budget
set -euo pipefail
cd "$(dirname "$0")/.."

update=0
[[ "${1:-}" == "--update" ]] && update=1
budget=bench/instruction_budget.txt
command -v valgrind >/dev/null || {
  echo "instruction_budget: valgrind not found (apt-get install valgrind)" >&2
  exit 2
}

bazel build -c opt //bench:instruction_count >&2
program="$(bazel info -c opt bazel-bin 2>/dev/null)/bench/instruction_count"
out="$(mktemp -d /tmp/pkl5-callgrind.XXXXXX)"
trap 'rm -rf "${out}"' EXIT

PKL5_MPI_TEST_TIMEOUT=600 testing/mpirun_test.sh 2 valgrind \
  --tool=callgrind --collect-atstart=no \
  --callgrind-out-file="${out}/callgrind.%p" "${program}" \
  >"${out}/output" 2>&1 || {
  tail -20 "${out}/output"
  echo "instruction_budget: the program failed under callgrind" >&2
  exit 1
}

python3 - "${out}" "${budget}" "${update}" <<'PYTHON'
import glob, re, sys

out, budget_path, update = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
CALLS = 100  # kCalls in bench/instruction_count.cc
counts = {}
for path in glob.glob(out + "/callgrind.*"):
    text = open(path, errors="replace").read()
    trigger = re.search(r"^desc: Trigger: Client Request: (.+)$", text, re.M)
    total = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
    if trigger and total:
        counts[trigger.group(1)] = int(total.group(1)) // CALLS
if not counts:
    sys.exit("instruction_budget: no callgrind dumps found")

# In the order bench/instruction_count.cc measures them.
ORDER = ["int", "string", "struct10", "vector<double>(8)", "pair<int,string>",
         "variant<int,double,string>"]
cases = [case for case in ORDER if case + " send" in counts]
get = lambda key: counts.get(key, 0)
print("| object | send | recv | irecv + wait | irecv + wait, pkl5-matched "
      "| raw MPI send | raw MPI recv "
      "| raw recv, sink type | raw Mprobe + Mrecv | pkl5 / raw: send + recv "
      "| send + irecv | floor: send + recv with sink type "
      "| floor: send + Mprobe |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for case in cases:
    send, recv = get(case + " send"), get(case + " recv")
    irecv = get(case + " irecv recv")
    probed = get(case + " probed irecv recv")
    raw_send, raw_recv = get("raw " + case + " send"), get("raw " + case + " recv")
    mprobe = get("raw mprobe " + case + " recv")
    sink = get("raw sink " + case + " recv")
    raw = raw_send + raw_recv
    print(f"| {case} | {send} | {recv} | {irecv} | {probed} | {raw_send} "
          f"| {raw_recv} "
          f"| {sink} | {mprobe} | {(send + recv) / raw:.2f}x "
          f"| {(send + irecv) / raw:.2f}x | {(raw_send + sink) / raw:.2f}x "
          f"| {(raw_send + mprobe) / raw:.2f}x |")
print(f"\nInstructions per call (callgrind, mean of {CALLS} calls), "
      "Open MPI, shared memory, -c opt.")

if update:
    with open(budget_path, "w") as budget:
        budget.write("# Instructions per call: tools/instruction_budget.sh "
                     "--update wrote them;\n# a count more than 20% above "
                     "its line fails the check.\n")
        for case in cases:
            for suffix in (" send", " recv", " irecv recv",
                           " probed irecv recv"):
                if case + suffix in counts:
                    budget.write(f"{case}{suffix}\t{counts[case + suffix]}\n")
    print(f"wrote {budget_path}")
    sys.exit(0)

failed = []
for line in open(budget_path):
    if not line.strip() or line.startswith("#"):
        continue
    name, allowed = line.rstrip("\n").rsplit("\t", 1)
    measured = counts.get(name)
    if measured is None:
        failed.append(f"{name}: not measured")
    elif measured > int(allowed) * 1.2:
        failed.append(f"{name}: {measured} instructions, budget {allowed} "
                      f"(+{100 * (measured / int(allowed) - 1):.0f}%)")
if failed:
    print("instruction_budget: over budget by more than 20%:\n  " +
          "\n  ".join(failed))
    sys.exit(1)
print("instruction_budget: every count within 20% of its budget")
PYTHON
