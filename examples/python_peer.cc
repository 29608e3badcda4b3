// A C++ simulation streaming fields to a Python analysis rank that uses
// mpi4py.util.pkl5, unchanged: the Python side receives NumPy arrays with
// a plain comm.recv() and answers with a dict.
//
//   bazel build -c opt //examples:python_peer
//   testing/mpirun_test.sh 2 bazel-bin/examples/python_peer :
//       1 /usr/bin/python3 examples/python_peer.py
//   (one command line: 2 C++ ranks, then 1 Python rank)
//
// Every rank but the last runs this program; the last runs
// python_peer.py. Each C++ rank sends `steps` fields of `cells` float32
// values (zero copy: out of band past mpi4py's 256 KiB threshold), the
// Python rank replies with each field's statistics, and the C++ rank
// checks them.
#include <mpi.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "pkl5/python/comm.h"

namespace {

// What the Python rank sends back for each field: a dict with these keys.
struct FieldStats {
  int64_t step = 0;
  double mean = 0;
  double max = 0;
  PKL5_FIELDS(FieldStats, step, mean, max);
};

absl::Status Run(int steps, size_t cells) {
  PKL5_ASSIGN_OR_RETURN(pkl5::python::Intracomm comm,
                        pkl5::python::Intracomm::Create(MPI_COMM_WORLD));
  const int analysis = comm.size() - 1;  // the Python rank
  std::vector<float> field(cells);
  for (int step = 0; step < steps; ++step) {
    for (size_t i = 0; i < cells; ++i) {
      field[i] = static_cast<float>(comm.rank() + step) +
                 static_cast<float>(i % 100) / 100.0f;
    }
    // A numpy.ndarray of float32 on the Python side.
    PKL5_RETURN_IF_ERROR(comm.send(field, analysis, /*tag=*/step));
    PKL5_ASSIGN_OR_RETURN(FieldStats stats,
                          comm.recv<FieldStats>(analysis, step));
    const double want_max = comm.rank() + step + (cells >= 100 ? 0.99 : 0.0);
    if (stats.step != step || std::abs(stats.max - want_max) > 1e-4) {
      return absl::InternalError("the Python rank's statistics are wrong");
    }
    std::cout << "rank " << comm.rank() << " step " << step << ": mean "
              << stats.mean << ", max " << stats.max << std::endl;
  }
  return comm.send(std::string("done"), analysis, /*tag=*/steps);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const int steps = argc > 1 ? std::atoi(argv[1]) : 3;
  const size_t cells = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1 << 20;
  const absl::Status status = Run(steps, cells);
  if (!status.ok()) std::cerr << "python_peer: " << status << std::endl;
  MPI_Finalize();
  return status.ok() ? 0 : 1;
}
