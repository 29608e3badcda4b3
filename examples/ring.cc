// The two examples of mpi4py.util.pkl5's documentation, in C++: every rank
// sends a large int32 array (1024^3 elements, 4 GiB, by default), each
// element its rank, to the next rank and receives the array of the previous
// one, once with `recv` and once with `mprobe` + `Message::irecv` + `wait`,
// then checks that min and max of what arrived equal the source rank.
//
//   bazel run //examples:ring                      # 1 rank, to itself
//   mpirun.openmpi -np 2 bazel-bin/examples/ring --gib=4
//
// 4 GiB is twice MPI's 2 GiB message limit; pkl5 sends the array zero-copy
// from the vector and receives it straight into the new one.
#include <mpi.h>

#include <algorithm>
#include <cstdint>
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

ABSL_FLAG(double, gib, 4.0,
          "GiB of int32 each rank sends (4 = 1024^3 elements, as in mpi4py's "
          "example)");

namespace {

constexpr int kTag = 42;
using Array = std::vector<int32_t>;

// "received 4.00 GiB from rank 0 in 0.61 s (7.0 GB/s); min 0, max 0: OK".
std::string Report(const Array& received, int source, double seconds,
                   bool* ok) {
  auto [min, max] = std::minmax_element(received.begin(), received.end());
  const bool correct = !received.empty() && *min == source && *max == source;
  *ok = *ok && correct;
  const double bytes = static_cast<double>(received.size() * sizeof(int32_t));
  return absl::StrFormat(
      "received %s from rank %d in %.2f s (%.1f GB/s); min %d, max %d: %s",
      pkl5::examples::Bytes(bytes), source, seconds, bytes / seconds / 1e9,
      received.empty() ? -1 : *min, received.empty() ? -1 : *max,
      correct ? "OK" : "WRONG");
}

absl::Status Ring(pkl5::Intracomm& comm, size_t elements, bool* ok) {
  const int rank = comm.rank();
  const int size = comm.size();
  const int dst = (rank + 1) % size;
  const int src = (rank - 1 + size) % size;

  double start = MPI_Wtime();
  // np.full(1024**3, rank): pkl5's helper advises the fresh 4 GiB for huge
  // pages before the fill first touches it (fewer page faults for the fill
  // and for MPI's copy out of it).
  Array sobj;
  pkl5::ResizeForOverwrite(sobj, elements);
  std::fill(sobj.begin(), sobj.end(), rank);
  const double fill_seconds = MPI_Wtime() - start;
  pkl5::examples::Print(
      comm, absl::StrFormat(
                "rank %d: filled %s with %d in %.2f s, sends it "
                "to rank %d",
                rank, pkl5::examples::Bytes(static_cast<double>(elements) * 4),
                rank, fill_seconds, dst));

  // test-pkl5-1.py: isend + recv.
  {
    MPI_Barrier(comm.mpi_comm());
    start = MPI_Wtime();
    // An lvalue is borrowed: zero copy; `sobj` outlives the request.
    PKL5_ASSIGN_OR_RETURN(pkl5::Request sreq, comm.isend(sobj, dst, kTag));
    PKL5_ASSIGN_OR_RETURN(Array robj, comm.recv<Array>(src, kTag));
    // mpi4py's example calls sreq.Free(); wait also reports a failed send.
    PKL5_RETURN_IF_ERROR(sreq.wait());
    const double seconds = MPI_Wtime() - start;
    pkl5::examples::Print(comm,
                          absl::StrFormat("rank %d, isend + recv: %s", rank,
                                          Report(robj, src, seconds, ok)));
  }  // robj is freed here, before the second round allocates its own

  // test-pkl5-2.py: isend + mprobe(status) + Message::irecv + wait.
  {
    MPI_Barrier(comm.mpi_comm());
    start = MPI_Wtime();
    PKL5_ASSIGN_OR_RETURN(pkl5::Request sreq, comm.isend(sobj, dst, kTag));
    pkl5::Status status;
    PKL5_ASSIGN_OR_RETURN(pkl5::Message rmsg,
                          comm.mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, &status));
    if (status.source != src || status.tag != kTag) {
      *ok = false;
      return absl::InternalError(absl::StrFormat(
          "mprobe matched source %d tag %d, expected source %d tag %d",
          status.source, status.tag, src, kTag));
    }
    PKL5_ASSIGN_OR_RETURN(pkl5::RecvRequest<Array> rreq, rmsg.irecv<Array>());
    PKL5_ASSIGN_OR_RETURN(Array robj, rreq.wait());
    PKL5_RETURN_IF_ERROR(sreq.wait());
    const double seconds = MPI_Wtime() - start;
    pkl5::examples::Print(
        comm,
        absl::StrFormat(
            "rank %d, isend + mprobe + irecv: %s "
            "(status: source %d, tag %d, %s)",
            rank, Report(robj, src, seconds, ok), status.source, status.tag,
            pkl5::examples::Bytes(static_cast<double>(status.count))));
  }
  pkl5::examples::Print(
      comm, absl::StrFormat("rank %d: peak memory %s", rank,
                            pkl5::examples::Bytes(static_cast<double>(
                                pkl5::examples::PeakResidentBytes()))));
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  absl::ParseCommandLine(argc, argv);
  const double gib = absl::GetFlag(FLAGS_gib);
  bool ok = gib > 0;
  if (!ok) std::fprintf(stderr, "ring: --gib must be positive\n");
  absl::Status status = absl::OkStatus();
  if (ok) {
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    status = comm.status();
    if (status.ok()) {
      const auto elements =
          static_cast<size_t>(gib * 1024 * 1024 * 1024 / sizeof(int32_t));
      status = Ring(*comm, elements, &ok);
    }
  }
  return pkl5::examples::Finish("ring", status, ok);
}
