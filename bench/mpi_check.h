// Benchmarks stop at the first error: there is nothing to measure after it.
#ifndef PKL5_BENCH_MPI_CHECK_H_
#define PKL5_BENCH_MPI_CHECK_H_

#include <mpi.h>

#include <cstdio>

#include "absl/status/status.h"

namespace pkl5::bench {

// Prints `status` and aborts every rank unless it is OK.
inline void Check(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
}

}  // namespace pkl5::bench

#endif  // PKL5_BENCH_MPI_CHECK_H_
