#include "pkl5/comm/internal/receive_progress.h"

#include <algorithm>

#include "pkl5/base/status_macros.h"

namespace pkl5::comm_internal {

void ReceiveProgress::Add(Progressable* receive) {
  LockIfConcurrent lock(mutex_, concurrent_);
  waiting_.push_back(receive);
  count_.store(waiting_.size(), std::memory_order_release);
}

void ReceiveProgress::Remove(Progressable* receive) {
  LockIfConcurrent lock(mutex_, concurrent_);
  // Mostly the receive listed last (a single irecv, then its wait).
  if (!waiting_.empty() && waiting_.back() == receive) {
    waiting_.pop_back();
  } else {
    waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), receive),
                   waiting_.end());
  }
  count_.store(waiting_.size(), std::memory_order_release);
}

bool ReceiveProgress::AnyBesidesLocked(const Progressable* self) const {
  LockIfConcurrent lock(mutex_, concurrent_);
  return std::any_of(waiting_.begin(), waiting_.end(),
                     [self](const Progressable* p) { return p != self; });
}

void ReceiveProgress::Advance(const Progressable* self) {
  LockIfConcurrent lock(mutex_, concurrent_);
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(),
                                [self](Progressable* p) {
                                  return p != self && !p->TryAdvance();
                                }),
                 waiting_.end());
  count_.store(waiting_.size(), std::memory_order_release);
}

absl::Status WaitAdvancingOthers(ReceiveProgress& progress,
                                 const Progressable* self, bool self_listed,
                                 absl::FunctionRef<absl::StatusOr<bool>()> test,
                                 absl::FunctionRef<absl::Status()> wait) {
  while (progress.AnyBesides(self, self_listed)) {
    PKL5_ASSIGN_OR_RETURN(const bool done, test());
    if (done) return absl::OkStatus();
    progress.Advance(self);
  }
  return wait();
}

}  // namespace pkl5::comm_internal
