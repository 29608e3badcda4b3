// What a communicator and every request and message made from it share:
// the transport (which owns the private channel) and the options. Requests
// and messages hold it too, so freeing a communicator never pulls the
// channel from under an operation still in flight.
#ifndef PKL5_COMM_INTERNAL_COMM_STATE_H_
#define PKL5_COMM_INTERNAL_COMM_STATE_H_

#include <mpi.h>

#include <memory>

#include "pkl5/comm/internal/receive_progress.h"
#include "pkl5/comm/internal/thread_policy.h"
#include "pkl5/comm/options.h"
#include "pkl5/transport/transport.h"

namespace pkl5::comm_internal {

struct CommState {
  std::shared_ptr<Transport> transport;
  // The user's communicator; MPI_COMM_NULL over a non-MPI transport.
  MPI_Comm comm = MPI_COMM_NULL;
  CommOptions options;
  // Which threads may call it (thread_policy.h).
  ThreadPolicy threads;
  // Posted receives waiting for their envelopes (receive_progress.h).
  ReceiveProgress progress;
};

}  // namespace pkl5::comm_internal

#endif  // PKL5_COMM_INTERNAL_COMM_STATE_H_
