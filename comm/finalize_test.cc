// pkl5 objects that outlive MPI_Finalize: a communicator, a posted receive
// nobody sends to, a send nobody receives, a probed message never received
// and a Message::irecv whose parts were never waited for are destroyed
// after MPI_Finalize. Their destructors make no MPI
// call (any would be erroneous), so the program ends normally; what was
// pending is abandoned. (MPI itself calls finalizing with pending
// operations erroneous: this is the defined worst case, not a way to end.)
//
// Its own main, not GoogleTest's, which finalizes MPI itself.
#include <mpi.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pkl5/comm/intracomm.h"
#include "pkl5/comm/message.h"
#include "pkl5/comm/request.h"

namespace {

int Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "finalize_test: %s: %s\n", what,
               status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::optional<pkl5::Intracomm> comm;
  std::optional<pkl5::RecvRequest<std::vector<double>>> posted;
  std::optional<pkl5::Request> unreceived;
  std::optional<pkl5::Message> probed;
  std::optional<pkl5::RecvRequest<std::vector<double>>> parts_in_flight;
  std::optional<pkl5::Request> parts_sent;
  {
    absl::StatusOr<pkl5::Intracomm> created =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    if (!created.ok()) return Fail("Create", created.status());
    comm = std::move(*created);
    absl::StatusOr<pkl5::RecvRequest<std::vector<double>>> receive =
        comm->irecv<std::vector<double>>(rank, /*tag=*/1);
    if (!receive.ok()) return Fail("irecv", receive.status());
    posted = std::move(*receive);
    // Large enough for parts on the private channel.
    absl::StatusOr<pkl5::Request> send =
        comm->isend(std::vector<double>(1 << 17, 1.0), rank, /*tag=*/2);
    if (!send.ok()) return Fail("isend", send.status());
    unreceived = std::move(*send);
    absl::StatusOr<pkl5::Request> small =
        comm->isend(std::string("probed"), rank, /*tag=*/3);
    if (!small.ok()) return Fail("isend", small.status());
    absl::StatusOr<pkl5::Message> message = comm->mprobe(rank, 3);
    if (!message.ok()) return Fail("mprobe", message.status());
    probed = std::move(*message);
    if (absl::Status done = small->wait(); !done.ok()) {
      return Fail("wait", done);
    }
    // Matched, its parts' receives posted, never waited for.
    absl::StatusOr<pkl5::Request> large =
        comm->isend(std::vector<double>(1 << 17, 2.0), rank, /*tag=*/4);
    if (!large.ok()) return Fail("isend", large.status());
    parts_sent = std::move(*large);
    absl::StatusOr<pkl5::Message> matched = comm->mprobe(rank, 4);
    if (!matched.ok()) return Fail("mprobe", matched.status());
    absl::StatusOr<pkl5::RecvRequest<std::vector<double>>> receiving =
        matched->irecv<std::vector<double>>();
    if (!receiving.ok()) return Fail("Message::irecv", receiving.status());
    parts_in_flight = std::move(*receiving);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Finalize();
  // Everything pending goes now, after MPI_Finalize.
  parts_in_flight.reset();
  parts_sent.reset();
  probed.reset();
  unreceived.reset();
  posted.reset();
  comm.reset();
  std::printf("rank %d: pkl5 objects destroyed after MPI_Finalize\n", rank);
  return 0;
}
