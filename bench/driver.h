// Launching //bench's workers under mpirun and collecting what they print.
#ifndef PKL5_BENCH_DRIVER_H_
#define PKL5_BENCH_DRIVER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/samples.h"

namespace pkl5::bench {

// One program of an MPI job and its rank count; a job of several parts is
// MPMD (`mpirun -np 1 a : -np 1 b`), its ranks numbered in part order.
struct MpiPart {
  int ranks = 1;
  std::vector<std::string> command;  // program and arguments
};

// Runs `parts` as one job with Open MPI's mpirun (bound to cores when they
// suffice, oversubscribed and yielding when not) and returns the samples
// rank 0 printed. Workers' stderr (their progress line) passes through.
// kUnavailable when mpirun or a program fails.
absl::StatusOr<std::vector<Sample>> RunUnderMpirun(
    const std::vector<MpiPart>& parts);

// This executable's path (workers are this program in worker mode).
std::string SelfPath();

// Finds a data file of //bench (bench/mpi4py_peer.py) in this program's
// runfiles, wherever it was started from.
std::string RunfilePath(const std::string& workspace_relative);

}  // namespace pkl5::bench

#endif  // PKL5_BENCH_DRIVER_H_
