#!/usr/bin/env bash
# Checks that the docs a newcomer reads match the tree:
#   - README.md shows examples/quick_tour.cc and every consumer/ build file
#     verbatim (CI compiles and runs those very files), and the MPICH line;
#   - every relative link in README.md, CONTRIBUTING.md and docs/*.md names
#     a file or folder that exists (anchors are not checked).
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"

python3 - <<'PY'
import os, re, sys

failures = []
readme = open("README.md").read()
for path in ["examples/quick_tour.cc", "consumer/bazel/WORKSPACE",
             "consumer/bazel/.bazelrc", "consumer/bazel/BUILD.bazel",
             "consumer/cmake/CMakeLists.txt", "consumer/make/Makefile"]:
    if open(path).read() in readme:
        print(f"docs: ok: README.md shows {path} verbatim")
    else:
        failures.append(f"README.md does not show {path} verbatim")
if "\nbuild --define=mpi=mpich\n" not in readme:
    failures.append("README.md does not show the MPICH line")

pages = ["README.md", "CONTRIBUTING.md"] + sorted(
    os.path.join("docs", name) for name in os.listdir("docs")
    if name.endswith(".md"))
link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
for page in pages:
    text = re.sub(r"```.*?```", "", open(page).read(), flags=re.S)
    for target in link.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # an address, not a file
        resolved = os.path.normpath(os.path.join(os.path.dirname(page), target))
        if not os.path.exists(resolved):
            failures.append(f"{page} links to {target}, which does not exist")
    print(f"docs: ok: {page} links checked")

for failure in failures:
    print(f"docs: FAIL: {failure}", file=sys.stderr)
sys.exit(1 if failures else 0)
PY
