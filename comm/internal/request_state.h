// The operations behind a pkl5::Request: a send of an encoded object, or
// the receive of one object into a `T` (from a posted envelope receive, or
// from a matched message).
#ifndef PKL5_COMM_INTERNAL_REQUEST_STATE_H_
#define PKL5_COMM_INTERNAL_REQUEST_STATE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/base/recycled.h"
#include "pkl5/comm/internal/comm_state.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/comm/internal/receive_progress.h"
#include "pkl5/comm/status.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/transport/transport.h"

namespace pkl5::comm_internal {

class RequestState {
 public:
  virtual ~RequestState() = default;
  // Makes progress without blocking; true once complete. A failure is
  // returned by this and every later call.
  virtual absl::StatusOr<bool> Test() = 0;
  // Blocks until complete.
  virtual absl::Status Wait() = 0;
  // True when the operation was cancelled before it matched anything; false
  // when it can no longer be cancelled (it completes as usual).
  virtual absl::StatusOr<bool> Cancel() = 0;
  // Whether completing it leaves an object to take (a successful receive).
  virtual bool HoldsObject() const = 0;
  // The object a RecvRequest<T> takes: a T, or nullptr when it holds none
  // of its own.
  virtual void* HeldObject() { return nullptr; }
  // Final once Test returned true or Wait returned.
  const Status& status() const { return status_; }
  // OK when the calling thread may complete it (thread_policy.h).
  absl::Status CheckCallingThread() const {
    return comm_ == nullptr ? absl::OkStatus()
                            : comm_->threads.CheckCallingThread();
  }

 protected:
  Status status_;
  // The communicator it belongs to.
  std::shared_ptr<CommState> comm_;
};

// A posted send. Destroying it before completion waits for completion: the
// object may be borrowed, and its parts must not go while MPI reads them.
class SendState final : public RequestState {
 public:
  // Posts `frame`, whose buffers view the object `owner` keeps alive
  // (nullptr when the caller keeps the object alive).
  static absl::StatusOr<std::unique_ptr<SendState>> Start(
      std::shared_ptr<CommState> comm, std::shared_ptr<const void> owner,
      Frame frame, int destination, int tag, SendMode mode);
  ~SendState() override;

  absl::StatusOr<bool> Test() override;
  absl::Status Wait() override;
  // Sends are never cancelled: a part cancelled after its envelope matched
  // would leave the receiver waiting (and MPI 4 deprecates cancelling
  // sends). Returns false.
  absl::StatusOr<bool> Cancel() override { return false; }
  bool HoldsObject() const override { return false; }

 private:
  SendState() = default;
  absl::Status Finish(absl::Status status);

  std::shared_ptr<const void> owner_;
  Frame frame_;
  std::unique_ptr<PendingOperation> operation_;
  bool done_ = false;
  absl::Status error_;
};

// The receive of one object; the derived ReceiveState<T> holds the object.
// Thread-safe: besides its owner, blocking pkl5 calls of other threads may
// advance it (receive_progress.h).
class ObjectReceiveState : public RequestState,
                           public Progressable,
                           public base_internal::Recycled {
 public:
  absl::StatusOr<bool> Test() override;
  absl::Status Wait() override;
  absl::StatusOr<bool> Cancel() override;
  bool HoldsObject() const override;
  bool TryAdvance() override;

 protected:
  explicit ObjectReceiveState(std::shared_ptr<CommState> comm)
      : concurrent_(comm->threads.concurrent()) {
    comm_ = std::move(comm);
  }
  // Waits for an envelope from a posted receive (irecv), advanced by
  // others meanwhile.
  void Await(std::unique_ptr<PendingReceive> posted);
  // Starts receiving a matched object's parts at once (Message::irecv).
  absl::Status StartFrom(std::unique_ptr<ReceivedObject> object);
  // Settles everything in flight: cancels or drains an envelope receive,
  // waits for parts landing in the object. Derived destructors call it
  // before their object goes.
  void Abandon();
  virtual DecodeTarget& target() = 0;
  // DecodeWhole into the target, typed (no virtual call below this one).
  virtual absl::Status DecodeArrived(const WholeObject& object) = 0;

 private:
  absl::Status Begin();
  absl::Status Fail(absl::Status status);
  absl::StatusOr<bool> TestLocked();
  // Once the posted receive completed: decodes an object that arrived
  // whole, or starts receiving its parts.
  absl::Status TakeArrived();
  absl::Status WaitLocked();
  // Records for HoldsObject, which the owner asks after Test or Wait
  // without taking the mutex again, and for Abandon.
  void NoteCompletion();
  bool NothingInFlight() const;
  // Leaves the communicator's progress list once the envelope was seen.
  void LeaveProgressIfArrived();

  // Whether other threads may use it while its owner does: then mutex_
  // guards everything below (and status_).
  const bool concurrent_;
  mutable std::mutex mutex_;
  bool in_progress_ = false;
  std::unique_ptr<PendingReceive> posted_;
  std::unique_ptr<ReceivedObject> object_;
  std::unique_ptr<PendingOperation> rest_;
  bool done_ = false;
  bool cancelled_ = false;
  absl::Status error_;
  std::atomic<bool> holds_object_{false};
  // Done, nothing in flight, out of the progress list: Abandon needs no
  // lock.
  std::atomic<bool> settled_{false};
};

// The receive of one object into a `T`: the request's own, handed out by
// RecvRequest<T> (irecv), or with `kIntoCaller` the caller's (irecv_into),
// which completing leaves nothing to take.
template <typename T, bool kIntoCaller = false>
class ReceiveState final : public ObjectReceiveState {
 public:
  // `into`: the caller's object, with kIntoCaller (else nullptr).
  static std::unique_ptr<ReceiveState> Posted(
      std::shared_ptr<CommState> comm, std::unique_ptr<PendingReceive> posted,
      T* into = nullptr) {
    std::unique_ptr<ReceiveState> state(
        new ReceiveState(std::move(comm), into));
    state->Await(std::move(posted));
    return state;
  }
  static absl::StatusOr<std::unique_ptr<ReceiveState>> Matched(
      std::shared_ptr<CommState> comm, std::unique_ptr<ReceivedObject> object,
      T* into = nullptr) {
    std::unique_ptr<ReceiveState> state(
        new ReceiveState(std::move(comm), into));
    absl::Status status = state->StartFrom(std::move(object));
    if (!status.ok()) return status;
    return state;
  }
  ~ReceiveState() override { Abandon(); }

  bool HoldsObject() const override {
    return !kIntoCaller && ObjectReceiveState::HoldsObject();
  }
  // The received object (a value-initialized T from MPI_PROC_NULL).
  T& value() { return target_.object(); }
  void* HeldObject() override { return kIntoCaller ? nullptr : &value(); }

 private:
  struct Nothing {};
  ReceiveState(std::shared_ptr<CommState> comm, T* into)
      : ObjectReceiveState(std::move(comm)), target_(Object(into)) {}
  T& Object(T* into) {
    if constexpr (kIntoCaller) {
      return *into;
    } else {
      return own_;
    }
  }
  DecodeTarget& target() override { return target_; }
  absl::Status DecodeArrived(const WholeObject& object) override {
    return DecodeWhole(object, target_, comm_->options.decode);
  }

  std::conditional_t<kIntoCaller, Nothing, T> own_{};
  ObjectTarget<T> target_;
};

// The pieces of `frame`: header, in-band bytes, then every buffer (on the
// stack for a frame of at most two buffers).
using FramePieceList = absl::InlinedVector<ConstPiece, 4>;
FramePieceList FramePieces(const Frame& frame);

// What blocking sends of the calling thread encode into (one for every
// type: its memory serves the next send, whatever it sends).
struct ThreadSendMemory {
  // A frame with out-of-band buffers, or any frame while posted receives
  // wait for progress.
  Frame frame;
  // Compact frames (EncodeCompact), kSendHeadroomBytes in front.
  std::string bytes;
};
ThreadSendMemory& TheThreadSendMemory();

}  // namespace pkl5::comm_internal

#endif  // PKL5_COMM_INTERNAL_REQUEST_STATE_H_
