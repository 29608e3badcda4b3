#include "pkl5/comm/internal/request_state.h"

#include <utility>

#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::comm_internal {

FramePieceList FramePieces(const Frame& frame) {
  FramePieceList pieces = {{frame.header.data(), frame.header.size()},
                           {frame.inband.data(), frame.inband.size()}};
  for (const BufferView& buffer : frame.buffers) {
    pieces.push_back({buffer.data, buffer.size});
  }
  return pieces;
}

ThreadSendMemory& TheThreadSendMemory() {
  thread_local ThreadSendMemory memory;
  return memory;
}

absl::StatusOr<std::unique_ptr<SendState>> SendState::Start(
    std::shared_ptr<CommState> comm, std::shared_ptr<const void> owner,
    Frame frame, int destination, int tag, SendMode mode) {
  std::unique_ptr<SendState> state(new SendState());
  state->comm_ = std::move(comm);
  state->owner_ = std::move(owner);
  // The pieces point into the frame where the state keeps it.
  state->frame_ = std::move(frame);
  FramePieceList pieces;
  if (destination != MPI_PROC_NULL) pieces = FramePieces(state->frame_);
  PKL5_ASSIGN_OR_RETURN(state->operation_, state->comm_->transport->StartSend(
                                               pieces, destination, tag, mode));
  return state;
}

SendState::~SendState() {
  if (!done_ && operation_ != nullptr && !base_internal::MpiFinalized())
    (void)Wait();
}

absl::Status SendState::Finish(absl::Status status) {
  done_ = true;
  error_ = std::move(status);
  if (!error_.ok()) status_.error = MPI_ERR_OTHER;
  operation_.reset();
  frame_ = Frame();
  owner_.reset();
  return error_;
}

absl::StatusOr<bool> SendState::Test() {
  if (done_) {
    PKL5_RETURN_IF_ERROR(error_);
    return true;
  }
  absl::StatusOr<bool> finished = operation_->Test();
  if (!finished.ok()) return Finish(finished.status());
  if (!*finished) return false;
  PKL5_RETURN_IF_ERROR(Finish(absl::OkStatus()));
  return true;
}

absl::Status SendState::Wait() {
  if (done_) return error_;
  PendingOperation& operation = *operation_;
  return Finish(WaitAdvancing(
      comm_->progress, nullptr, /*self_listed=*/false,
      [&] { return operation.Test(); }, [&] { return operation.Wait(); }));
}

void ObjectReceiveState::Await(std::unique_ptr<PendingReceive> posted) {
  // No lock: no other thread sees this state before Add publishes it (under
  // the progress list's mutex, which orders these writes before any
  // TryAdvance).
  posted_ = std::move(posted);
  in_progress_ = true;
  comm_->progress.Add(this);
}

absl::Status ObjectReceiveState::StartFrom(
    std::unique_ptr<ReceivedObject> object) {
  object_ = std::move(object);
  status_ = StatusOf(*object_);
  return Begin();
}

absl::Status ObjectReceiveState::Fail(absl::Status status) {
  done_ = true;
  error_ = std::move(status);
  status_.error = MPI_ERR_OTHER;
  return error_;
}

absl::Status ObjectReceiveState::Begin() {
  absl::StatusOr<std::unique_ptr<PendingOperation>> rest =
      StartReceiveObject(*object_, target(), comm_->options.decode);
  if (!rest.ok()) return Fail(rest.status());
  rest_ = *std::move(rest);
  if (rest_ == nullptr) done_ = true;
  return absl::OkStatus();
}

bool ObjectReceiveState::HoldsObject() const {
  return holds_object_.load(std::memory_order_relaxed);
}

void ObjectReceiveState::NoteCompletion() {
  holds_object_.store(done_ && error_.ok() && !cancelled_,
                      std::memory_order_relaxed);
  settled_.store(done_ && !in_progress_ && NothingInFlight(),
                 std::memory_order_release);
}

bool ObjectReceiveState::NothingInFlight() const {
  return posted_ == nullptr && rest_ == nullptr &&
         (object_ == nullptr || object_->complete());
}

void ObjectReceiveState::LeaveProgressIfArrived() {
  if (in_progress_ && posted_ == nullptr) {
    in_progress_ = false;
    comm_->progress.Remove(this);
  }
}

bool ObjectReceiveState::TryAdvance() {
  std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
  if (concurrent_ && !lock.try_lock()) return true;  // its owner is at it
  // A failure is kept in error_ for the owner to see.
  (void)TestLocked();
  // The caller holds the progress list and removes it when false.
  if (posted_ == nullptr) in_progress_ = false;
  return in_progress_;
}

absl::StatusOr<bool> ObjectReceiveState::Test() {
  LockIfConcurrent lock(mutex_, concurrent_);
  absl::StatusOr<bool> done = TestLocked();
  LeaveProgressIfArrived();
  NoteCompletion();
  return done;
}

absl::StatusOr<bool> ObjectReceiveState::TestLocked() {
  if (done_) {
    PKL5_RETURN_IF_ERROR(error_);
    return true;
  }
  if (posted_ != nullptr) {
    absl::StatusOr<bool> arrived = posted_->Test();
    if (!arrived.ok()) {
      posted_.reset();
      return Fail(arrived.status());
    }
    if (!*arrived) return false;
    PKL5_RETURN_IF_ERROR(TakeArrived());
    if (done_) return true;
  }
  absl::StatusOr<bool> landed = rest_->Test();
  if (!landed.ok()) return Fail(landed.status());
  if (!*landed) return false;
  rest_.reset();
  done_ = true;
  return true;
}

absl::Status ObjectReceiveState::TakeArrived() {
  Arrival arrival;
  absl::Status taken = posted_->TakeArrival(arrival);
  if (taken.ok() && arrival.object == nullptr) {
    // Arrived whole: decoded from the receive's buffer, before it goes.
    status_ = StatusOf(arrival.whole);
    taken = DecodeArrived(arrival.whole);
    posted_.reset();
    if (!taken.ok()) return Fail(std::move(taken));
    done_ = true;
    return absl::OkStatus();
  }
  posted_.reset();
  if (!taken.ok()) return Fail(std::move(taken));
  return StartFrom(std::move(arrival.object));
}

absl::Status ObjectReceiveState::Wait() {
  LockIfConcurrent lock(mutex_, concurrent_);
  absl::Status status = WaitLocked();
  NoteCompletion();
  return status;
}

absl::Status ObjectReceiveState::WaitLocked() {
  if (done_) return error_;
  if (posted_ != nullptr) {
    PendingReceive& posted = *posted_;
    // Holding the mutex keeps this listed while it waits (TryAdvance).
    absl::Status arrived = WaitAdvancing(
        comm_->progress, this, in_progress_, [&] { return posted.Test(); },
        [&] { return posted.Wait(); });
    if (!arrived.ok()) {
      posted_.reset();
      LeaveProgressIfArrived();
      return Fail(arrived);
    }
    const absl::Status started = TakeArrived();
    LeaveProgressIfArrived();
    PKL5_RETURN_IF_ERROR(started);
    if (done_) return error_;
  }
  PendingOperation& rest = *rest_;
  absl::Status landed = WaitAdvancing(
      comm_->progress, this, in_progress_, [&] { return rest.Test(); },
      [&] { return rest.Wait(); });
  if (!landed.ok()) return Fail(landed);
  rest_.reset();
  done_ = true;
  return absl::OkStatus();
}

absl::StatusOr<bool> ObjectReceiveState::Cancel() {
  LockIfConcurrent lock(mutex_, concurrent_);
  if (done_ || posted_ == nullptr) return false;
  PKL5_ASSIGN_OR_RETURN(const bool cancelled, posted_->Cancel());
  if (!cancelled) return false;
  posted_.reset();
  LeaveProgressIfArrived();
  done_ = true;
  cancelled_ = true;
  NoteCompletion();
  status_ = Status();
  status_.cancelled = true;
  return true;
}

void ObjectReceiveState::Abandon() {
  // Completed and out of the progress list (whose mutex the removal took,
  // so no other thread's TryAdvance is still at it): nothing to settle and
  // nobody else to wait for.
  if (settled_.load(std::memory_order_acquire)) return;
  LockIfConcurrent lock(mutex_, concurrent_);
  if (NothingInFlight()) {
    LeaveProgressIfArrived();
    return;  // nothing in flight: no MPI call to make or to avoid
  }
  if (base_internal::MpiFinalized()) {
    // No MPI call is allowed any more: what was pending is abandoned (each
    // of these destructors checks too).
    posted_.reset();
    LeaveProgressIfArrived();
    rest_.reset();
    return;
  }
  // A posted receive cancels itself, or drains what matched it.
  posted_.reset();
  LeaveProgressIfArrived();
  if (rest_ != nullptr) (void)rest_->Wait();
  rest_.reset();
  if (object_ != nullptr && !object_->complete()) (void)object_->Drain();
}

}  // namespace pkl5::comm_internal
