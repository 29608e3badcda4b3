// Launching //bench's workers under mpirun and collecting what they print.
#ifndef PKL5_BENCH_DRIVER_H_
#define PKL5_BENCH_DRIVER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/samples.h"

namespace pkl5::bench {

// Runs `program args...` on `ranks` ranks with Open MPI's mpirun (bound to
// cores when they suffice, oversubscribed and yielding when not) and returns
// the samples rank 0 printed. Workers' stderr (their progress line) passes
// through. kUnavailable when mpirun or the program fails.
absl::StatusOr<std::vector<Sample>> RunUnderMpirun(
    int ranks, const std::vector<std::string>& command);

// This executable's path (workers are this program in worker mode).
std::string SelfPath();

// Finds a data file of //bench (bench/mpi4py_peer.py) in this program's
// runfiles, wherever it was started from.
std::string RunfilePath(const std::string& workspace_relative);

}  // namespace pkl5::bench

#endif  // PKL5_BENCH_DRIVER_H_
