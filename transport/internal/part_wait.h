// Waiting for the parts of a received object, which a peer may never send
// (it died, or forged the envelope): with TransportOptions::part_timeout
// set, a wait that has lasted that long cancels what is still posted and
// is kDeadlineExceeded instead of blocking forever.
//
// Without a timeout (the default) these are MPI_Waitall and MPI_Testall.
// With one, a wait polls MPI_Testall until the deadline: MPI has no
// blocking wait with a time limit.
#ifndef PKL5_TRANSPORT_INTERNAL_PART_WAIT_H_
#define PKL5_TRANSPORT_INTERNAL_PART_WAIT_H_

#include <mpi.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pkl5::transport_internal {

// `timeout` from now; absl::InfiniteFuture() for an infinite one.
absl::Time DeadlineIn(absl::Duration timeout);

// Waits for every request of `requests` (statuses into `statuses`, one per
// request). After `timeout`: cancels the pending ones, waits for them to
// go, and returns kDeadlineExceeded naming `source`. Either way `requests`
// are all MPI_REQUEST_NULL afterwards.
absl::Status WaitForParts(std::vector<MPI_Request>& requests,
                          std::vector<MPI_Status>& statuses,
                          absl::Duration timeout, int source);

// MPI_Testall of `requests`; past `deadline` with some still pending, what
// WaitForParts returns after its timeout.
absl::StatusOr<bool> TestForParts(std::vector<MPI_Request>& requests,
                                  std::vector<MPI_Status>& statuses,
                                  absl::Time deadline, int source);

// Waits until some of `requests` complete, by `deadline`: their count,
// their indices into `completed` and statuses into `statuses` (both the
// size of `requests`); 0 once every request is MPI_REQUEST_NULL. Past
// `deadline`, what WaitForParts returns after its timeout.
absl::StatusOr<int> WaitForSomeParts(std::vector<MPI_Request>& requests,
                                     std::vector<int>& completed,
                                     std::vector<MPI_Status>& statuses,
                                     absl::Time deadline, int source);

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_PART_WAIT_H_
