#!/bin/bash
# Builds consumer/, a workspace that depends on pkl5 as an external
# repository (the way users consume it), and runs its program on 2 ranks.
set -euo pipefail
cd "$(dirname "$0")/../consumer"
bazel build //:exchange
../testing/mpirun_test.sh 2 bazel-bin/exchange
