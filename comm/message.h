// A matched object (mpi4py.util.pkl5.Message): the result of `mprobe` or
// `improbe`, received later with `recv` or `irecv`. Matching takes the
// object off the communicator, so no other receive, in any thread, can
// take it in between (MPI 3.1 §3.8.2, matched probe).
//
//   absl::StatusOr<pkl5::Message> message = comm.mprobe(MPI_ANY_SOURCE);
//   // ... message->source(), the Status, decide what to receive into ...
//   absl::StatusOr<pkl5::RecvRequest<Grid>> request = message->irecv<Grid>();
//   absl::StatusOr<Grid> grid = request->wait();
//
// A Message is move-only. It is null when default-constructed and after it
// was received or freed; receiving a null message is kFailedPrecondition.
// A message from MPI_PROC_NULL is not null (`is_proc_null`): receiving it
// yields a value-initialized object. Destroying a message that was not
// received discards its object (its parts are received and dropped, so
// the sender completes and later objects arrive in order).
#ifndef PKL5_COMM_MESSAGE_H_
#define PKL5_COMM_MESSAGE_H_

#include <mpi.h>

#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/comm/internal/comm_state.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/comm/internal/request_state.h"
#include "pkl5/comm/request.h"
#include "pkl5/comm/status.h"
#include "pkl5/transport/transport.h"

namespace pkl5 {

class Comm;

class Message {
 public:
  Message() = default;
  Message(Message&&) noexcept = default;
  Message& operator=(Message&& other) noexcept;
  ~Message();

  bool is_null() const { return object_ == nullptr; }
  bool is_proc_null() const { return object_ != nullptr && object_->is_null(); }
  // True until received or freed, like mpi4py's `bool(message)`.
  explicit operator bool() const { return !is_null(); }

  // Receives the object as a `T`. A type mismatch, corrupt bytes or a size
  // over the communicator's DecodeOptions::max_object_bytes is an error,
  // and the object is discarded; either way the message becomes null.
  template <typename T>
  absl::StatusOr<T> recv(Status* status = nullptr) {
    T object{};
    PKL5_RETURN_IF_ERROR(recv_into(object, status));
    return object;
  }
  // Receives into `object`, reusing its storage where sizes allow (a vector
  // of the same length is overwritten in place). From MPI_PROC_NULL,
  // `object` is left as it is. On error `object` is valid but unspecified.
  template <typename T>
  absl::Status recv_into(T& object, Status* status = nullptr) {
    PKL5_RETURN_IF_ERROR(CheckUsable());
    std::unique_ptr<ReceivedObject> matched = std::move(object_);
    if (status != nullptr) *status = comm_internal::StatusOf(*matched);
    comm_internal::ObjectTarget<T> target(object);
    return comm_internal::ReceiveObject(*matched, target, comm_->options.decode,
                                        comm_->progress);
  }
  // Starts receiving the object: its parts are posted at once, so they flow
  // while the caller works. The message becomes null.
  template <typename T>
  absl::StatusOr<RecvRequest<T>> irecv() {
    PKL5_RETURN_IF_ERROR(CheckUsable());
    PKL5_ASSIGN_OR_RETURN(
        std::unique_ptr<comm_internal::ReceiveState<T>> state,
        comm_internal::ReceiveState<T>::Matched(comm_, std::move(object_)));
    return RecvRequest<T>(std::move(state));
  }
  // irecv into `object`, reusing its storage (see Comm::irecv_into): it
  // must stay alive and untouched until the request completed, which then
  // leaves the request null.
  template <typename T>
  absl::StatusOr<Request> irecv_into(T& object) {
    PKL5_RETURN_IF_ERROR(CheckUsable());
    using State = comm_internal::ReceiveState<T, /*kIntoCaller=*/true>;
    PKL5_ASSIGN_OR_RETURN(std::unique_ptr<State> state,
                          State::Matched(comm_, std::move(object_), &object));
    return Request(std::move(state));
  }
  // Discards the object (see the header comment); the message becomes null.
  absl::Status free();

  // Comm::mprobe and Comm::improbe.
  static absl::StatusOr<Message> probe(Comm& comm, int source = MPI_ANY_SOURCE,
                                       int tag = MPI_ANY_TAG,
                                       Status* status = nullptr);
  static absl::StatusOr<std::optional<Message>> iprobe(
      Comm& comm, int source = MPI_ANY_SOURCE, int tag = MPI_ANY_TAG,
      Status* status = nullptr);

 private:
  friend class Comm;
  Message(std::shared_ptr<comm_internal::CommState> comm,
          std::unique_ptr<ReceivedObject> object)
      : comm_(std::move(comm)), object_(std::move(object)) {}
  // kFailedPrecondition when null, or called from a thread that may not.
  absl::Status CheckUsable() const;

  std::shared_ptr<comm_internal::CommState> comm_;
  std::unique_ptr<ReceivedObject> object_;
};

}  // namespace pkl5

#endif  // PKL5_COMM_MESSAGE_H_
