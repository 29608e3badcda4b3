// What mistakes look like to a pkl5 user: each is an absl::Status with a
// message saying what went wrong, on every rank it concerns, and the
// communicator keeps working afterwards (mpi4py's pkl5 raises on one rank
// and leaves the others hanging in several of these cases).
//
//   bazel run //examples:error_handling
//   mpirun.openmpi -np 3 bazel-bin/examples/error_handling
#include <mpi.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "pkl5/examples/example_support.h"
#include "pkl5/pkl5.h"

namespace {

// Prints on rank 0 what every rank got from one mistake, and whether it was
// the error expected.
void Show(pkl5::Comm& comm, const char* mistake, const absl::Status& got,
          absl::StatusCode expected, bool* ok) {
  const bool as_expected = got.code() == expected;
  *ok = *ok && as_expected;
  if (comm.rank() == 0) std::printf("\n%s\n", mistake);
  std::fflush(stdout);
  pkl5::examples::Print(
      comm, absl::StrFormat("  rank %d: %s%s", comm.rank(), got.ToString(),
                            as_expected ? "" : "  <- NOT the expected error"));
}

absl::Status Mistakes(pkl5::Intracomm& comm, bool* ok) {
  const int rank = comm.rank();
  const int size = comm.size();
  const int next = (rank + 1) % size;
  const int previous = (rank - 1 + size) % size;

  // 1. The receiver expects another type than was sent. The object is
  //    received and discarded, so the next one on the same tag arrives.
  {
    PKL5_ASSIGN_OR_RETURN(pkl5::Request sent,
                          comm.isend(std::string("a string"), next, 1));
    absl::StatusOr<std::vector<int>> wrong =
        comm.recv<std::vector<int>>(previous, 1);
    PKL5_RETURN_IF_ERROR(sent.wait());
    Show(comm, "recv<std::vector<int>> of a std::string:", wrong.status(),
         absl::StatusCode::kInvalidArgument, ok);

    std::map<std::string, int> counts = {{"after", rank}};
    PKL5_ASSIGN_OR_RETURN(sent, comm.isend(counts, next, 1));
    PKL5_ASSIGN_OR_RETURN(auto next_object,
                          (comm.recv<std::map<std::string, int>>(previous, 1)));
    PKL5_RETURN_IF_ERROR(sent.wait());
    const bool intact = next_object.at("after") == previous;
    *ok = *ok && intact;
    pkl5::examples::Print(
        comm, absl::StrFormat("  rank %d: the next object on that tag: %s",
                              rank, intact ? "arrived intact" : "WRONG"));
  }

  // 2. A destination that does not exist: nothing is sent.
  Show(comm, "send to a rank past the end:", comm.send(42, size),
       absl::StatusCode::kInvalidArgument, ok);

  // 3. A root that does not exist: every rank gets the same error, nobody
  //    waits for a broadcast that cannot happen.
  std::string text = "from the root";
  Show(comm, "bcast with root == size, on every rank:",
       pkl5::bcast(comm, text, /*root=*/size),
       absl::StatusCode::kInvalidArgument, ok);

  // 4. The root passes the wrong number of objects to scatter: the root's
  //    mistake reaches every rank.
  std::vector<int> too_few;
  if (rank == 0) too_few.assign(static_cast<size_t>(size) + 1, 7);
  Show(comm, "scatter of size + 1 objects at the root:",
       pkl5::scatter(comm, too_few, 0).status(),
       absl::StatusCode::kInvalidArgument, ok);

  // 5. After all that, the communicator still works.
  PKL5_ASSIGN_OR_RETURN(std::vector<int> ranks, pkl5::allgather(comm, rank));
  bool works = static_cast<int>(ranks.size()) == size;
  for (int i = 0; works && i < size; ++i)
    works = ranks[static_cast<size_t>(i)] == i;
  *ok = *ok && works;
  if (rank == 0) {
    std::printf("\nafterwards, allgather of the ranks: %s\n",
                works ? "works" : "WRONG");
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  bool ok = true;
  absl::Status status = absl::OkStatus();
  {
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    status = comm.status();
    if (status.ok()) status = Mistakes(*comm, &ok);
  }
  return pkl5::examples::Finish("error_handling", status, ok);
}
