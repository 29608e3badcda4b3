// The transport over MPI: the Transport interface on a private duplicate of
// an MPI communicator (see transport/internal/channel.h).
#ifndef PKL5_TRANSPORT_MPI_TRANSPORT_H_
#define PKL5_TRANSPORT_MPI_TRANSPORT_H_

#include <mpi.h>

#include <memory>

#include "absl/status/statusor.h"
#include "pkl5/transport/options.h"
#include "pkl5/transport/transport.h"

namespace pkl5 {

// Collective over `comm` (an intra- or intercommunicator), like
// MPI_Comm_dup: every process of `comm` must call it, in the same order as
// its other collective calls on `comm`. `comm` itself is left as it is (its
// error handler included) and must outlive the transport.
absl::StatusOr<std::unique_ptr<Transport>> CreateMpiTransport(
    MPI_Comm comm, const TransportOptions& options = {});

}  // namespace pkl5

#endif  // PKL5_TRANSPORT_MPI_TRANSPORT_H_
