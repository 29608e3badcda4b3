// What Intracomm::Create checks and what it leaves alone, over a whole MPI
// lifetime (its own main: GoogleTest's initializes MPI itself):
//   - before MPI_Init and after MPI_Finalize: kFailedPrecondition, no abort;
//   - the caller's communicator keeps its error handler (MPI's default,
//     MPI_ERRORS_ARE_FATAL, on MPI_COMM_WORLD);
//   - under MPI_THREAD_FUNNELED, calls from another thread (communicator,
//     request, message) are kFailedPrecondition naming the level needed,
//     and the main thread's calls keep working.
#include <mpi.h>

#include <cstdio>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/comm/request.h"

namespace {

int failures = 0;

void Expect(bool ok, const char* what, const absl::Status& status) {
  if (ok) return;
  std::fprintf(stderr, "create_preconditions_test: %s (status: %s)\n", what,
               status.ToString().c_str());
  ++failures;
}

bool IsPrecondition(const absl::Status& status, const char* says) {
  return absl::IsFailedPrecondition(status) &&
         absl::StrContains(status.message(), says);
}

}  // namespace

int main(int argc, char** argv) {
  {
    absl::StatusOr<pkl5::Intracomm> early =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    Expect(IsPrecondition(early.status(), "not initialized"),
           "Create before MPI_Init must be kFailedPrecondition",
           early.status());
  }
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  {
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    Expect(comm.ok(), "Create after MPI_Init", comm.status());
    if (!comm.ok()) MPI_Abort(MPI_COMM_WORLD, 1);

    MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &handler);
    Expect(handler == MPI_ERRORS_ARE_FATAL,
           "Create changed MPI_COMM_WORLD's error handler", absl::OkStatus());
    MPI_Errhandler_free(&handler);

    if (provided == MPI_THREAD_FUNNELED) {
      // A receive posted on the main thread, then used from another one.
      absl::StatusOr<pkl5::RecvRequest<std::string>> request =
          comm->irecv<std::string>(rank, 3);
      Expect(request.ok(), "irecv on the main thread", request.status());
      std::thread other([&] {
        const absl::Status sent = comm->send(std::string("x"), rank, 3);
        Expect(IsPrecondition(sent, "MPI_THREAD_FUNNELED"),
               "send from another thread must be kFailedPrecondition", sent);
        const absl::Status waited = request->wait().status();
        Expect(IsPrecondition(waited, "MPI_THREAD_MULTIPLE"),
               "wait from another thread must be kFailedPrecondition", waited);
        absl::StatusOr<std::optional<pkl5::Message>> probed = comm->improbe();
        Expect(IsPrecondition(probed.status(), "main thread"),
               "improbe from another thread must be kFailedPrecondition",
               probed.status());
      });
      other.join();
      // Nothing was lost: the main thread sends to itself (nonblocking, as
      // MPI allows a blocking send to self to wait for its receive) and
      // completes the same request.
      absl::StatusOr<pkl5::Request> sent =
          comm->isend(std::string("from main"), rank, 3);
      Expect(sent.ok(), "isend on the main thread", sent.status());
      absl::StatusOr<std::string> received = request->wait();
      Expect(received.ok() && *received == "from main",
             "the request completes on the main thread", received.status());
      Expect(sent->wait().ok(), "the send completes", absl::OkStatus());
    } else {
      std::fprintf(stderr,
                   "create_preconditions_test: MPI provides %d, not "
                   "MPI_THREAD_FUNNELED: thread checks skipped\n",
                   provided);
    }
  }
  MPI_Finalize();
  absl::StatusOr<pkl5::Intracomm> late =
      pkl5::Intracomm::Create(MPI_COMM_WORLD);
  Expect(IsPrecondition(late.status(), "already finalized"),
         "Create after MPI_Finalize must be kFailedPrecondition",
         late.status());
  if (failures == 0)
    std::printf("rank %d of %d: all checks passed\n", rank, size);
  return failures == 0 ? 0 : 1;
}
