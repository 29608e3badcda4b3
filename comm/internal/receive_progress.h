// Progress for posted receives (irecv). Such a receive posts the receives
// of its object's parts only when its envelope has been seen, which MPI
// cannot do by itself: something in pkl5 must look. Its owner does, in
// test and wait; and so that a rank blocked elsewhere in pkl5 (a send
// waiting for its receiver, a blocking receive, a probe) cannot deadlock
// with a peer waiting for such parts, every blocking pkl5 call on the
// communicator advances the others while it waits.
//
// Without posted receives waiting for their envelope (the common case),
// blocking calls block in MPI as before, with no polling.
#ifndef PKL5_COMM_INTERNAL_RECEIVE_PROGRESS_H_
#define PKL5_COMM_INTERNAL_RECEIVE_PROGRESS_H_

#include <atomic>
#include <mutex>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pkl5::comm_internal {

// Holds `mutex` for its lifetime when `lock` is true: the lock of state
// that only a communicator whose calls may run concurrently shares between
// threads (ThreadPolicy::concurrent).
class LockIfConcurrent {
 public:
  LockIfConcurrent(std::mutex& mutex, bool lock)
      : mutex_(lock ? &mutex : nullptr) {
    if (mutex_ != nullptr) mutex_->lock();
  }
  ~LockIfConcurrent() {
    if (mutex_ != nullptr) mutex_->unlock();
  }
  LockIfConcurrent(const LockIfConcurrent&) = delete;
  LockIfConcurrent& operator=(const LockIfConcurrent&) = delete;

 private:
  std::mutex* mutex_;
};

class Progressable {
 public:
  virtual ~Progressable() = default;
  // Advances without blocking, unless another thread is busy with it.
  // Returns false once it needs no more progress from others; it is then
  // removed.
  virtual bool TryAdvance() = 0;
};

class ReceiveProgress {
 public:
  // Whether receives are added, removed and advanced from threads running
  // at once (ThreadPolicy::concurrent); by default they may be.
  void SetConcurrent(bool concurrent) { concurrent_ = concurrent; }
  void Add(Progressable* receive);
  // Idempotent.
  void Remove(Progressable* receive);
  // Whether any receive other than `self` (may be nullptr) waits.
  // `self_listed` says that `self` is in the list and stays there while
  // this runs (its owner holds it: TryAdvance leaves it listed).
  bool AnyBesides(const Progressable* self, bool self_listed = false) const {
    const size_t waiting = count_.load(std::memory_order_acquire);
    // The common cases, without a lock: none, or only `self`.
    if (waiting == 0 || (waiting == 1 && self_listed)) return false;
    return AnyBesidesLocked(self);
  }
  // Advances every waiting receive but `self`.
  void Advance(const Progressable* self);

 private:
  bool AnyBesidesLocked(const Progressable* self) const;

  bool concurrent_ = true;
  mutable std::mutex mutex_;
  std::vector<Progressable*> waiting_;  // guarded by mutex_
  std::atomic<size_t> count_{0};
};

// WaitAdvancing while other receives wait for progress (out of line).
absl::Status WaitAdvancingOthers(ReceiveProgress& progress,
                                 const Progressable* self, bool self_listed,
                                 absl::FunctionRef<absl::StatusOr<bool>()> test,
                                 absl::FunctionRef<absl::Status()> wait);

// Blocks until `test` reports completion. While other receives wait for
// progress it polls `test` and advances them; otherwise it calls `wait`.
// `self_listed` as for AnyBesides. Inline: with nothing else to advance
// (a lone irecv, a blocking call) it is `wait`, with no loop or call
// between.
template <typename Test, typename Wait>
absl::Status WaitAdvancing(ReceiveProgress& progress, const Progressable* self,
                           bool self_listed, Test&& test, Wait&& wait) {
  if (!progress.AnyBesides(self, self_listed)) return wait();
  return WaitAdvancingOthers(progress, self, self_listed, test, wait);
}

}  // namespace pkl5::comm_internal

#endif  // PKL5_COMM_INTERNAL_RECEIVE_PROGRESS_H_
