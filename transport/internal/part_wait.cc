#include "pkl5/transport/internal/part_wait.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::transport_internal {
namespace {

// Cancels the receives still pending and frees them (a receive that had
// matched completes with its data instead, which is on its way).
absl::Status GiveUp(std::vector<MPI_Request>& requests,
                    std::vector<MPI_Status>& statuses, int source) {
  for (MPI_Request& request : requests) {
    if (request != MPI_REQUEST_NULL) MPI_Cancel(&request);
  }
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(),
              statuses.data());
  return absl::DeadlineExceededError(absl::StrCat(
      "the parts of a pkl5 object from rank ", source,
      " did not arrive within TransportOptions::part_timeout (the sender "
      "died, or its envelope was forged); the object is dropped and the "
      "communicator stays usable"));
}

}  // namespace

absl::Time DeadlineIn(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return absl::InfiniteFuture();
  return absl::Now() + timeout;
}

absl::Status WaitForParts(std::vector<MPI_Request>& requests,
                          std::vector<MPI_Status>& statuses,
                          absl::Duration timeout, int source) {
  const int count = static_cast<int>(requests.size());
  if (timeout == absl::InfiniteDuration()) {
    return base_internal::MpiCallStatus(
        MPI_Waitall(count, requests.data(), statuses.data()), "MPI_Waitall");
  }
  const absl::Time deadline = DeadlineIn(timeout);
  while (true) {
    PKL5_ASSIGN_OR_RETURN(const bool done,
                          TestForParts(requests, statuses, deadline, source));
    if (done) return absl::OkStatus();
    // Ranks may share cores: let the sender run.
    std::this_thread::yield();
  }
}

absl::StatusOr<bool> TestForParts(std::vector<MPI_Request>& requests,
                                  std::vector<MPI_Status>& statuses,
                                  absl::Time deadline, int source) {
  int done = 0;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done,
                  statuses.data()),
      "MPI_Testall"));
  if (done) return true;
  if (absl::Now() >= deadline) return GiveUp(requests, statuses, source);
  return false;
}

absl::StatusOr<int> WaitForSomeParts(std::vector<MPI_Request>& requests,
                                     std::vector<int>& completed,
                                     std::vector<MPI_Status>& statuses,
                                     absl::Time deadline, int source) {
  const int size = static_cast<int>(requests.size());
  int count = 0;
  if (deadline == absl::InfiniteFuture()) {
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Waitsome(size, requests.data(), &count, completed.data(),
                     statuses.data()),
        "MPI_Waitsome"));
    return count == MPI_UNDEFINED ? 0 : count;
  }
  while (true) {
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Testsome(size, requests.data(), &count, completed.data(),
                     statuses.data()),
        "MPI_Testsome"));
    if (count == MPI_UNDEFINED) return 0;
    if (count > 0) return count;
    if (absl::Now() >= deadline) return GiveUp(requests, statuses, source);
    std::this_thread::yield();
  }
}

}  // namespace pkl5::transport_internal
