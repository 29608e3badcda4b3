#include "pkl5/transport/transport.h"

#include "absl/strings/str_cat.h"
#include "pkl5/base/status_macros.h"

namespace pkl5 {

absl::Status Transport::Send(absl::Span<const ConstPiece> pieces,
                             int destination, int tag, SendMode mode) {
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<PendingOperation> operation,
                        StartSend(pieces, destination, tag, mode));
  return operation->Wait();
}

absl::Status Transport::Receive(int source, int tag, Arrival& arrival) {
  PKL5_ASSIGN_OR_RETURN(arrival.object, Probe(source, tag));
  return absl::OkStatus();
}

absl::Status PendingReceive::TakeArrival(Arrival& arrival) {
  PKL5_ASSIGN_OR_RETURN(arrival.object, TakeObject());
  return absl::OkStatus();
}

uint64_t ReceivedObject::total_bytes() const {
  uint64_t total = 0;
  for (uint64_t size : piece_sizes()) total += size;
  return total;
}

absl::StatusOr<std::string> ReceivedObject::ReceiveNextAsString() {
  if (complete()) {
    return absl::FailedPreconditionError(
        "every piece of this pkl5 message was already received");
  }
  std::string bytes(piece_sizes()[next_piece()], '\0');
  PKL5_RETURN_IF_ERROR(ReceiveNext({bytes.data(), bytes.size()}));
  return bytes;
}

absl::Status ReceivedObject::ReceiveRest(
    absl::Span<const MutablePiece> destinations) {
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<PendingOperation> rest,
                        StartReceiveRest(destinations));
  return rest->Wait();
}

absl::Status ReceivedObject::CheckRestDestinations(
    absl::Span<const MutablePiece> destinations) const {
  const size_t next = next_piece();
  if (destinations.size() != piece_count() - next) {
    return absl::InvalidArgumentError(
        absl::StrCat(destinations.size(), " destinations for the ",
                     piece_count() - next, " remaining pieces"));
  }
  for (size_t i = 0; i < destinations.size(); ++i) {
    if (destinations[i].size != piece_sizes()[next + i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("piece ", next + i, " has ", piece_sizes()[next + i],
                       " bytes, not ", destinations[i].size));
    }
  }
  return absl::OkStatus();
}

}  // namespace pkl5
