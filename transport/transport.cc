#include "transport/transport.h"

#include "testing/status_macros.h"

namespace pkl5 {

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

}  // namespace pkl5
