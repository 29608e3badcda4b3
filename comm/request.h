// Requests of nonblocking pkl5 operations (mpi4py.util.pkl5.Request).
//
//   absl::StatusOr<pkl5::Request> sent = comm.isend(std::move(values), 1);
//   absl::StatusOr<pkl5::RecvRequest<Values>> incoming =
//       comm.irecv<Values>(0);
//   ... compute ...
//   absl::StatusOr<Values> received = incoming->wait();
//   absl::Status done = sent->wait();
//
// A `Request` is move-only. It is null when default-constructed and once
// its operation completed and was collected: by `wait`/`test` of a send, by
// `RecvRequest<T>::wait`/`test` of a receive (which hand out the object),
// by a failed or cancelled completion, or by `free`. `Request::wait` on a
// receive completes it but keeps the object for `RecvRequest<T>::wait`, so
// `waitall` over mixed sends and receives is followed by one typed `wait`
// per receive, which then returns at once.
//
// Destroying a pending request, or `free`, is defined: a pending send
// waits for its completion (MPI may still read the object); a receive not
// yet matched is cancelled; a matched one is received and discarded so the
// sender completes; a nonblocking collective (collectives/nonblocking.h)
// is completed, the other ranks taking part. Never a use-after-free; but
// freeing a send whose receiver never comes blocks, as MPI_Wait would.
#ifndef PKL5_COMM_REQUEST_H_
#define PKL5_COMM_REQUEST_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "pkl5/comm/internal/request_state.h"
#include "pkl5/comm/status.h"

namespace pkl5 {
namespace comm_internal {
struct CommAccess;
}  // namespace comm_internal

template <typename T>
class RecvRequest;

class Request {
 public:
  Request() = default;
  Request(Request&&) noexcept = default;
  Request& operator=(Request&&) noexcept = default;
  virtual ~Request() = default;
  // A RecvRequest<T> moved into a plain Request would lose the way to its
  // object: keep receives as RecvRequest<T>, and pass Request pointers
  // (or vectors of pointers) to the calls over many requests.
  template <typename T>
  Request(RecvRequest<T>&&) = delete;
  template <typename T>
  Request& operator=(RecvRequest<T>&&) = delete;

  bool is_null() const { return state_ == nullptr; }
  // True while not null, like mpi4py's `bool(request)`.
  explicit operator bool() const { return !is_null(); }

  // Returns whether the operation completed; never blocks (but receiving
  // an object whose envelope arrived reads its header and in-band bytes,
  // which were sent with it). On completion fills `status`; a send request
  // becomes null. The operation's failure is returned as an error, after
  // which the request is null.
  absl::StatusOr<bool> test(Status* status = nullptr);
  // Blocks until the operation completed; then as `test`.
  absl::Status wait(Status* status = nullptr);
  // Tries to cancel: true when a receive was cancelled before it matched
  // (its completion then reports `Status::cancelled`); false when it could
  // not be cancelled (it had matched, or it is a send: pkl5 never cancels
  // sends) and completes as usual. The request stays to be completed.
  absl::StatusOr<bool> cancel();
  // Returns whether the operation completed, filling `status`, without
  // collecting it (MPI_Request_get_status).
  absl::StatusOr<bool> get_status(Status* status = nullptr);
  // Releases the request now (see the header comment).
  void free() { state_.reset(); }

  // Completes every request or none: true, with `statuses` (if given)
  // resized to one per request, when all completed. Null requests count as
  // completed. A failed request is reported as the error and becomes null;
  // the others stay as they are.
  static absl::StatusOr<bool> testall(absl::Span<Request* const> requests,
                                      std::vector<Status>* statuses = nullptr);
  // Blocks until every request completed; returns the first failure after
  // waiting for all of them.
  static absl::Status waitall(absl::Span<Request* const> requests,
                              std::vector<Status>* statuses = nullptr);
  // Whether every request completed, without collecting any.
  static absl::StatusOr<bool> get_status_all(
      absl::Span<Request* const> requests,
      std::vector<Status>* statuses = nullptr);

  // Completions of one or some of many requests (MPI_Waitany, _Testany,
  // _Waitsome, _Testsome), over any mix of sends and receives. They look
  // at active requests only: not null, and not a receive that completed
  // earlier and still holds its object for RecvRequest<T>::wait (which
  // then returns it at once); so a loop that takes each completed
  // receive's object sees every request complete once. A completed send
  // becomes null.
  //
  // waitany blocks until one completed and returns its index, with its
  // status in `status`; std::nullopt at once when none is active. testany
  // never blocks: the index of one that completed, or std::nullopt when
  // none has (or none is active). A failed request is returned as its
  // error, naming its index, and becomes null; the others stay as they are.
  static absl::StatusOr<std::optional<size_t>> waitany(
      absl::Span<Request* const> requests, Status* status = nullptr);
  static absl::StatusOr<std::optional<size_t>> testany(
      absl::Span<Request* const> requests, Status* status = nullptr);
  // waitsome blocks until at least one completed and returns the indices
  // of all that did, in order, with their statuses in `statuses` (resized
  // to match); empty at once when none is active. testsome never blocks:
  // the indices of those that completed, maybe none. A failure is returned
  // as in waitany, and then no request is collected.
  static absl::StatusOr<std::vector<size_t>> waitsome(
      absl::Span<Request* const> requests,
      std::vector<Status>* statuses = nullptr);
  static absl::StatusOr<std::vector<size_t>> testsome(
      absl::Span<Request* const> requests,
      std::vector<Status>* statuses = nullptr);

  // The same over a vector of requests (Request, RecvRequest<T>, or
  // pointers to either).
  template <typename R>
  static absl::StatusOr<bool> testall(std::vector<R>& requests,
                                      std::vector<Status>* statuses = nullptr) {
    return testall(Pointers(requests), statuses);
  }
  template <typename R>
  static absl::Status waitall(std::vector<R>& requests,
                              std::vector<Status>* statuses = nullptr) {
    return waitall(Pointers(requests), statuses);
  }
  template <typename R>
  static absl::StatusOr<bool> get_status_all(
      std::vector<R>& requests, std::vector<Status>* statuses = nullptr) {
    return get_status_all(Pointers(requests), statuses);
  }
  template <typename R>
  static absl::StatusOr<std::optional<size_t>> waitany(
      std::vector<R>& requests, Status* status = nullptr) {
    return waitany(Pointers(requests), status);
  }
  template <typename R>
  static absl::StatusOr<std::optional<size_t>> testany(
      std::vector<R>& requests, Status* status = nullptr) {
    return testany(Pointers(requests), status);
  }
  template <typename R>
  static absl::StatusOr<std::vector<size_t>> waitsome(
      std::vector<R>& requests, std::vector<Status>* statuses = nullptr) {
    return waitsome(Pointers(requests), statuses);
  }
  template <typename R>
  static absl::StatusOr<std::vector<size_t>> testsome(
      std::vector<R>& requests, std::vector<Status>* statuses = nullptr) {
    return testsome(Pointers(requests), statuses);
  }

 protected:
  explicit Request(std::unique_ptr<comm_internal::RequestState> state)
      : state_(std::move(state)) {}
  // Completes (blocking or not) and collects what completion ends: a send,
  // a failure, a cancelled receive. Returns whether complete, filling
  // `status`.
  absl::StatusOr<bool> Complete(bool block, Status* status);
  // Not null, and not a receive holding an object from an earlier
  // completion.
  bool active() const { return state_ != nullptr && !state_->HoldsObject(); }

  std::unique_ptr<comm_internal::RequestState> state_;

 private:
  friend class Comm;
  friend class Message;
  friend struct comm_internal::CommAccess;
  // The indices of the active requests.
  static std::vector<size_t> Active(absl::Span<Request* const> requests);
  // One pass of testsome over `active` (indices of active requests).
  static absl::StatusOr<std::vector<size_t>> TestSome(
      absl::Span<Request* const> requests, absl::Span<const size_t> active,
      std::vector<Status>* statuses);
  template <typename R>
  static std::vector<Request*> Pointers(std::vector<R>& requests) {
    std::vector<Request*> pointers;
    pointers.reserve(requests.size());
    for (R& request : requests) {
      if constexpr (std::is_pointer_v<R>) {
        pointers.push_back(request);
      } else {
        pointers.push_back(&request);
      }
    }
    return pointers;
  }
};

// A request that receives a `T`.
template <typename T>
class RecvRequest : public Request {
 public:
  RecvRequest() = default;

  // Blocks until the object arrived and returns it; the request becomes
  // null. kCancelled if it was cancelled; kFailedPrecondition on a null
  // request (its object was taken already).
  absl::StatusOr<T> wait(Status* status = nullptr) {
    PKL5_RETURN_IF_ERROR(CheckNotNull());
    Status local;
    PKL5_RETURN_IF_ERROR(Complete(/*block=*/true, &local).status());
    return Take(local, status);
  }
  // The object once it arrived (the request becomes null); std::nullopt
  // while it has not.
  absl::StatusOr<std::optional<T>> test(Status* status = nullptr) {
    PKL5_RETURN_IF_ERROR(CheckNotNull());
    Status local;
    PKL5_ASSIGN_OR_RETURN(const bool done, Complete(/*block=*/false, &local));
    if (!done) return std::nullopt;
    PKL5_ASSIGN_OR_RETURN(T object, Take(local, status));
    return std::optional<T>(std::move(object));
  }

 private:
  friend class Comm;
  friend class Message;
  friend struct comm_internal::CommAccess;
  // `state` holds a T (RequestState::HeldObject).
  explicit RecvRequest(std::unique_ptr<comm_internal::RequestState> state)
      : Request(std::move(state)) {}

  absl::Status CheckNotNull() const {
    if (!is_null()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        "null pkl5 receive request: its object was taken already (or it "
        "was never started)");
  }
  absl::StatusOr<T> Take(const Status& local, Status* status) {
    if (status != nullptr) *status = local;
    if (local.cancelled) {
      return absl::CancelledError(
          "the pkl5 receive was cancelled before anything matched it");
    }
    T object = std::move(*static_cast<T*>(state_->HeldObject()));
    state_.reset();
    return object;
  }
};

}  // namespace pkl5

#endif  // PKL5_COMM_REQUEST_H_
