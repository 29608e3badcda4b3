// A program outside pkl5, built against it the way a user builds: with
// Bazel (@pkl5), CMake (find_package) or Make (pkg-config); see
// tools/check_consumer.sh. Every rank sends a struct with a large vector to
// the next rank and receives one from the previous rank, with isend and
// irecv. It has its own transport/options.h, a path pkl5 has too.
#include <mpi.h>

#include <cstdio>
#include <string>
#include <vector>

#include "pkl5/pkl5.h"
#include "transport/options.h"  // the program's own

struct Block {
  std::string owner;
  std::vector<double> values;
  PKL5_FIELDS(Block, owner, values);
};

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  int failures = 0;
  {
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    if (!comm.ok()) {
      std::fprintf(stderr, "%s\n", comm.status().ToString().c_str());
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const exchange::TransportOptions options;
    const size_t count = static_cast<size_t>(options.values_per_rank);
    const int next = (comm->rank() + 1) % comm->size();
    const int previous = (comm->rank() + comm->size() - 1) % comm->size();
    absl::StatusOr<pkl5::RecvRequest<Block>> incoming =
        comm->irecv<Block>(previous);
    absl::StatusOr<pkl5::Request> outgoing =
        comm->isend(Block{"rank " + std::to_string(comm->rank()),
                          std::vector<double>(count, comm->rank())},
                    next);
    absl::StatusOr<Block> block =
        incoming.ok() ? incoming->wait() : incoming.status();
    const bool sent = outgoing.ok() && outgoing->wait().ok();
    if (!block.ok() || !sent ||
        block->owner != "rank " + std::to_string(previous) ||
        block->values != std::vector<double>(count, previous)) {
      std::fprintf(stderr, "rank %d: exchange failed: %s\n", comm->rank(),
                   block.status().ToString().c_str());
      failures = 1;
    } else {
      std::printf("rank %d received %zu values from %s\n", comm->rank(),
                  block->values.size(), block->owner.c_str());
    }
  }
  MPI_Finalize();
  return failures;
}
