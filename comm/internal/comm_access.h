// What layers built on comm (the nonblocking collectives) need beyond the
// public API: a communicator's shared state, and requests over their own
// RequestState kinds.
#ifndef PKL5_COMM_INTERNAL_COMM_ACCESS_H_
#define PKL5_COMM_INTERNAL_COMM_ACCESS_H_

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/internal/comm_state.h"
#include "pkl5/comm/internal/request_state.h"
#include "pkl5/comm/request.h"

namespace pkl5::comm_internal {

struct CommAccess {
  // As Comm::State: kFailedPrecondition on a null communicator or a
  // thread the communicator's policy does not allow.
  static absl::StatusOr<std::shared_ptr<CommState>> State(const Comm& comm) {
    return comm.State();
  }
  static Request MakeRequest(std::unique_ptr<RequestState> state) {
    return Request(std::move(state));
  }
  // `state` must hold a T (RequestState::HeldObject).
  template <typename T>
  static RecvRequest<T> MakeRecvRequest(std::unique_ptr<RequestState> state) {
    return RecvRequest<T>(std::move(state));
  }
};

}  // namespace pkl5::comm_internal

#endif  // PKL5_COMM_INTERNAL_COMM_ACCESS_H_
