// A nonblocking collective in progress, as its communicator's collective
// context advances it (context.h). MPI requires every rank to post the
// collective calls of one communicator (MPI_Ibcast, MPI_Igather, ...) in
// the same order; a pkl5 collective may post some only after earlier ones
// completed (a broadcast receiver posts a part's MPI_Ibcast once its block
// told the part's size), so the context lets a collective post its own
// only when every collective started before it has posted all of its:
// its "turn". Point-to-point parts, on the call's own tag, need no turn.
#ifndef PKL5_COLLECTIVES_INTERNAL_PENDING_H_
#define PKL5_COLLECTIVES_INTERNAL_PENDING_H_

#include <atomic>
#include <utility>

#include "absl/status/status.h"

namespace pkl5::collectives_internal {

class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  // Advances as far as it can without blocking; `turn` says it may post
  // MPI collective calls.
  virtual void Advance(bool turn) = 0;
  // Complete: nothing of it is in flight any more. (Read by other threads'
  // progress, outside the context's lock.)
  bool done() const { return done_.load(std::memory_order_acquire); }
  // It will post no more MPI collective calls (true once done).
  bool posted_collective_calls() const { return posted_collective_calls_; }
  // Its outcome, final once done().
  const absl::Status& status() const { return status_; }

 protected:
  // Only once nothing is in flight.
  void Finish(absl::Status status) {
    status_ = std::move(status);
    posted_collective_calls_ = true;
    done_.store(true, std::memory_order_release);
  }
  void PostedCollectiveCalls() { posted_collective_calls_ = true; }

 private:
  std::atomic<bool> done_{false};
  bool posted_collective_calls_ = false;
  absl::Status status_;
};

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_PENDING_H_
