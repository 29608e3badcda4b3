#include "pkl5/transport/address_rules.h"

#include <mpi.h>

#include "absl/strings/str_cat.h"

namespace pkl5 {

absl::Status AddressRules::CheckDestination(int destination) const {
  if (destination == MPI_PROC_NULL ||
      (destination >= 0 && destination < peer_count)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("invalid rank ", destination, ": the ",
                   is_inter ? "remote group" : "communicator", " has ",
                   peer_count, " ranks (or use MPI_PROC_NULL)"));
}

absl::Status AddressRules::CheckSource(int source) const {
  if (source == MPI_ANY_SOURCE) return absl::OkStatus();
  return CheckDestination(source);
}

absl::Status AddressRules::CheckSendTag(int tag) const {
  if (tag >= 0 && tag <= tag_upper_bound) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid tag ", tag, ": tags are 0..", tag_upper_bound, " (MPI_TAG_UB)"));
}

absl::Status AddressRules::CheckReceiveTag(int tag) const {
  if (tag == MPI_ANY_TAG) return absl::OkStatus();
  return CheckSendTag(tag);
}

absl::Status AddressRules::CheckSendOutOfLine(int destination, int tag) const {
  absl::Status status = CheckDestination(destination);
  return status.ok() ? CheckSendTag(tag) : status;
}

absl::Status AddressRules::CheckReceiveOutOfLine(int source, int tag) const {
  absl::Status status = CheckSource(source);
  return status.ok() ? CheckReceiveTag(tag) : status;
}

}  // namespace pkl5
