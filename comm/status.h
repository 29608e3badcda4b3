// What a completed receive or probe reports, as MPI_Status does. Not to be
// confused with absl::Status, which every pkl5 call returns for errors.
#ifndef PKL5_COMM_STATUS_H_
#define PKL5_COMM_STATUS_H_

#include <mpi.h>

#include <cstdint>

namespace pkl5 {

struct Status {
  // The sender's rank (in the remote group on an intercommunicator), or
  // MPI_PROC_NULL for a receive from MPI_PROC_NULL.
  int source = MPI_ANY_SOURCE;
  // The tag the object was sent with; MPI_ANY_TAG from MPI_PROC_NULL.
  int tag = MPI_ANY_TAG;
  // MPI_SUCCESS, or MPI_ERR_OTHER when the operation failed (the call that
  // completed it returned the reason as an absl::Status).
  int error = MPI_SUCCESS;
  // Bytes of the object as sent: its frame header, in-band bytes and
  // out-of-band buffers (mpi4py's pkl5 likewise reports the pickle stream
  // plus its buffers). 0 from MPI_PROC_NULL; for `probe`/`iprobe`, which
  // see only the first message, 0.
  uint64_t count = 0;
  // Whether a receive was cancelled before it matched.
  bool cancelled = false;
};

}  // namespace pkl5

#endif  // PKL5_COMM_STATUS_H_
