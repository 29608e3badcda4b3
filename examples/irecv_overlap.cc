// Overlapping communication with computation through pkl5's real irecv
// (mpi4py's pkl5 raises RuntimeError there): every rank posts a receive for
// each other rank's block before anything is sent, sends its own block to
// everyone, computes while the blocks arrive, then waits for all of them.
//
//   bazel run //examples:irecv_overlap
//   mpirun.openmpi -np 4 bazel-bin/examples/irecv_overlap --mib=64
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "pkl5/examples/example_support.h"
#include "pkl5/pkl5.h"

ABSL_FLAG(double, mib, 16.0, "MiB each rank sends to every other rank");

namespace {

constexpr int kTag = 3;

// A block of results as one rank produced it.
struct Block {
  int producer = -1;
  std::vector<double> values;
  PKL5_FIELDS(Block, producer, values);
};

Block MakeBlock(int producer, size_t values) {
  return Block{producer, std::vector<double>(values, producer + 0.5)};
}

// Local work to overlap with the transfers: one slice of a long sum.
double ComputeSlice(int slice) {
  double sum = 0;
  for (int i = 1; i <= 200000; ++i) sum += std::sqrt(i * (slice + 1.0));
  return sum;
}

absl::Status Overlap(pkl5::Intracomm& comm, size_t values, bool* ok) {
  const int rank = comm.rank();
  const int size = comm.size();

  // 1. Post every receive first: each matches its sender whenever the
  //    object arrives, in MPI order, with no probe loop.
  std::vector<pkl5::RecvRequest<Block>> incoming;
  for (int peer = 0; peer < size; ++peer) {
    if (peer == rank) continue;
    PKL5_ASSIGN_OR_RETURN(pkl5::RecvRequest<Block> request,
                          comm.irecv<Block>(peer, kTag));
    incoming.push_back(std::move(request));
  }

  // 2. Send this rank's block to everyone (borrowed: it outlives the sends).
  const Block mine = MakeBlock(rank, values);
  std::vector<pkl5::Request> outgoing;
  for (int peer = 0; peer < size; ++peer) {
    if (peer == rank) continue;
    PKL5_ASSIGN_OR_RETURN(pkl5::Request request, comm.isend(mine, peer, kTag));
    outgoing.push_back(std::move(request));
  }

  // 3. Compute, checking now and then whether everything arrived; each
  //    test also moves the transfers along.
  double result = 0;
  int slices = 0;
  int slices_before_arrival = -1;
  for (; slices < 50; ++slices) {
    result += ComputeSlice(slices);
    if (slices_before_arrival < 0) {
      PKL5_ASSIGN_OR_RETURN(bool arrived, pkl5::Request::testall(incoming));
      if (arrived) slices_before_arrival = slices + 1;
    }
  }

  // 4. Wait for whatever is left, then take the objects out.
  PKL5_RETURN_IF_ERROR(pkl5::Request::waitall(incoming));
  PKL5_RETURN_IF_ERROR(pkl5::Request::waitall(outgoing));
  int correct = 0;
  for (pkl5::RecvRequest<Block>& request : incoming) {
    PKL5_ASSIGN_OR_RETURN(Block block, request.wait());  // returns at once
    const Block expected = MakeBlock(block.producer, values);
    if (block.values == expected.values) ++correct;
  }
  const int expected_blocks = size - 1;
  *ok = *ok && correct == expected_blocks;
  pkl5::examples::Print(
      comm,
      absl::StrFormat(
          "rank %d: %d of %d blocks of %s arrived correct; %s; computed "
          "%d slices (sum %.6g)",
          rank, correct, expected_blocks,
          pkl5::examples::Bytes(static_cast<double>(values * sizeof(double))),
          slices_before_arrival < 0
              ? std::string("some still arriving after the computation")
              : absl::StrFormat("all arrived within %d slices of "
                                "computation",
                                slices_before_arrival),
          slices, result));
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  absl::ParseCommandLine(argc, argv);
  const double mib = absl::GetFlag(FLAGS_mib);
  bool ok = mib >= 0;
  absl::Status status = absl::OkStatus();
  if (!ok) {
    status = absl::InvalidArgumentError("--mib must be >= 0");
  } else {
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    status = comm.status();
    if (status.ok()) {
      const auto values =
          static_cast<size_t>(mib * 1024 * 1024 / sizeof(double));
      status = Overlap(*comm, values, &ok);
    }
  }
  return pkl5::examples::Finish("irecv_overlap", status, ok);
}
