// What //bench measures inside MPI: the C++ contenders (raw MPI, pkl5,
// Boost.MPI) of each section, run under mpirun by the driver. Python's
// mpi4py.util.pkl5 runs the same sections in bench/mpi4py_peer.py.
//
// Rank 0 prints one line per measurement on stdout:
//   sample,<section>,<case>,<contender>,<ranks>,<bytes>,<value>
// value: seconds per operation (one way for ping-pong), or bytes (memory).
// Contenders take turns size by size and repetition by repetition, so drift
// of a shared machine affects all of them alike.
#ifndef PKL5_BENCH_WORKLOADS_H_
#define PKL5_BENCH_WORKLOADS_H_

#include <cstddef>
#include <string>
#include <vector>

namespace pkl5::bench {

struct WorkloadOptions {
  std::vector<size_t> sizes;  // bytes
  int reps = 7;               // repetitions below 16 MiB (after a warm-up)
  int big_reps = 3;           // repetitions from 16 MiB
  // A mixed job's language per rank ("cpp", "python"), in rank order.
  std::vector<std::string> languages;

  // Repetitions for a case moving `bytes` per operation.
  int RepsFor(size_t bytes) const {
    return bytes < (size_t{16} << 20) ? reps : big_reps;
  }
};

// Ping-pong of byte arrays between ranks 0 and 1.
void RunPointToPoint(const WorkloadOptions& options);
// Ping-pong of small and composite objects.
void RunObjects(const WorkloadOptions& options);
// bcast and allgather of byte arrays over every rank.
void RunCollectives(const WorkloadOptions& options);
// Peak resident memory growth of rank 1 receiving one array of sizes[0].
void RunMemory(const WorkloadOptions& options);
// NumPy-compatible arrays one way, each direction in turn, on the wire of
// mpi4py.util.pkl5 (pkl5::python::Intracomm), between 2 ranks whose
// languages are options.languages; raw MPI too when both are C++.
void RunMixed(const WorkloadOptions& options);

// Runs `section` ("p2p", "objects", "collectives", "memory",
// "reductions", "mixed"); false when there is no such section.
bool RunWorkload(const std::string& section, const WorkloadOptions& options);

// Operations per repetition for `bytes`: about 32 MiB moved, 1 to 1000.
// bench/mpi4py_peer.py uses the same rule.
int Iterations(size_t bytes);

}  // namespace pkl5::bench

#endif  // PKL5_BENCH_WORKLOADS_H_
