// What a communicator and every request and message made from it share:
// the transport (which owns the private channel) and the options. Requests
// and messages hold it too, so freeing a communicator never pulls the
// channel from under an operation still in flight.
#ifndef PKL5_COMM_INTERNAL_COMM_STATE_H_
#define PKL5_COMM_INTERNAL_COMM_STATE_H_

#include <mpi.h>

#include <atomic>
#include <memory>
#include <thread>
#include <utility>

#include "pkl5/comm/internal/receive_progress.h"
#include "pkl5/comm/internal/thread_policy.h"
#include "pkl5/comm/options.h"
#include "pkl5/transport/transport.h"

namespace pkl5::comm_internal {

struct CommState {
  std::shared_ptr<Transport> transport;
  // The user's communicator; MPI_COMM_NULL over a non-MPI transport.
  MPI_Comm comm = MPI_COMM_NULL;
  CommOptions options;
  // Which threads may call it (thread_policy.h).
  ThreadPolicy threads;
  // Posted receives waiting for their envelopes (receive_progress.h).
  ReceiveProgress progress;
};

class StateHandle;

// The state for the length of one blocking call (StateHandle::ForCall).
// Below MPI_THREAD_MULTIPLE no other thread can free the communicator while
// the call runs (calls come one at a time), so it only borrows the pointer:
// the shared_ptr copy and release it saves are two atomic
// read-modify-writes on every small object's critical path. Under MULTIPLE
// it holds a reference, as Load does.
class CallState {
 public:
  CommState* get() const { return state_; }
  CommState& operator*() const { return *state_; }
  CommState* operator->() const { return state_; }
  // A reference that outlives the call (for a request made by it).
  std::shared_ptr<CommState> Share() const;

 private:
  friend class StateHandle;
  CommState* state_ = nullptr;
  std::shared_ptr<CommState> held_;
  const StateHandle* handle_ = nullptr;
};

// A communicator handle's reference to its state: loaded by every call,
// dropped by free() while calls of other threads may be loading it. A
// spinlock around the copy rather than std::atomic_load of the shared_ptr,
// which in libstdc++ hashes the pointer to pick a mutex of a global pool
// (about 100 instructions per call, callgrind); free() is rare, so the
// lock is all but never contended.
class StateHandle {
 public:
  StateHandle() = default;
  explicit StateHandle(std::shared_ptr<CommState> state)
      : concurrent_(state == nullptr || state->threads.concurrent()),
        state_(std::move(state)) {}
  // Moving a handle that another thread is using is the caller's race, as
  // for any object; so the move needs no lock.
  StateHandle(StateHandle&& other) noexcept
      : concurrent_(other.concurrent_), state_(std::move(other.state_)) {}
  StateHandle& operator=(StateHandle&& other) noexcept {
    concurrent_ = other.concurrent_;
    state_ = std::move(other.state_);
    return *this;
  }

  std::shared_ptr<CommState> Load() const {
    Lock();
    std::shared_ptr<CommState> state = state_;
    Unlock();
    return state;
  }
  // Sets `call` (default-constructed) for one call.
  void ForCall(CallState& call) const {
    call.handle_ = this;
    if (concurrent_) {
      call.held_ = Load();
      call.state_ = call.held_.get();
    } else {
      call.state_ = state_.get();
    }
  }
  // The state goes (if this was its last holder) outside the lock.
  void Reset() {
    std::shared_ptr<CommState> dropped;
    Lock();
    dropped.swap(state_);
    Unlock();
  }

 private:
  // Only when another thread's free() may run during a call
  // (ThreadPolicy::concurrent).
  void Lock() const {
    if (!concurrent_) return;
    while (locked_.exchange(true, std::memory_order_acquire)) {
      std::this_thread::yield();
    }
  }
  void Unlock() const {
    if (concurrent_) locked_.store(false, std::memory_order_release);
  }

  bool concurrent_ = true;
  mutable std::atomic<bool> locked_{false};
  std::shared_ptr<CommState> state_;
};

inline std::shared_ptr<CommState> CallState::Share() const {
  return held_ != nullptr ? held_ : handle_->Load();
}

}  // namespace pkl5::comm_internal

#endif  // PKL5_COMM_INTERNAL_COMM_STATE_H_
