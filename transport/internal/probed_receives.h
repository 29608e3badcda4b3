// The irecvs of one communicator that pkl5 matches itself
// (TransportOptions::IrecvMatching::kProbed), in the order they were
// posted.
//
// Such a receive posts nothing to MPI: it takes its envelope with
// MPI_Improbe when it is tested, so cancelling it is pkl5's own business
// and never races MPI (Open MPI 4.1.4's MPI_Cancel of a receive that
// another thread's progress is matching loses or crashes; hardening.md).
// MPI's matching order is kept by handing over: a message that any receive
// of this process takes from MPI (a probed irecv's MPI_Improbe, a blocking
// receive's MPI_Mprobe or MPI_Recv) goes to the earliest pending probed
// irecv it matches, the receive MPI would have given it to, and only
// otherwise to the taker. A probed irecv takes from MPI under the
// registry's mutex, so it is never handed a second message while it takes
// one.
#ifndef PKL5_TRANSPORT_INTERNAL_PROBED_RECEIVES_H_
#define PKL5_TRANSPORT_INTERNAL_PROBED_RECEIVES_H_

#include <atomic>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pkl5::transport_internal {

// What one pending probed irecv waits for, and what it was handed.
struct ProbedSlot {
  // The pattern: a rank or MPI_ANY_SOURCE, a tag or MPI_ANY_TAG.
  int source = 0;
  int tag = 0;
  bool matched = false;
  // Once matched: the envelope (its capacity reused by later receives) or
  // why the message was not one, and where it came from.
  std::string envelope;
  absl::Status error;
  int matched_source = 0;
  int matched_tag = 0;

  bool Matches(int from, int with_tag) const;

 private:
  friend class ProbedReceives;
  ProbedSlot* previous = nullptr;
  ProbedSlot* next = nullptr;
  bool listed = false;
};

class ProbedReceives {
 public:
  ProbedReceives() = default;
  ProbedReceives(const ProbedReceives&) = delete;
  ProbedReceives& operator=(const ProbedReceives&) = delete;

  // Whether any receive is pending (a cheap check for every other receive).
  bool any() const { return pending_.load(std::memory_order_acquire) > 0; }

  void Add(ProbedSlot& slot);
  // Takes a pending slot off the list: true when it was still pending,
  // false when it had been matched (or never listed).
  bool Remove(ProbedSlot& slot);

  // Gives a message another receive took from MPI (the envelope, or why it
  // was none: `error`) to the earliest pending slot it matches. False when
  // none does: the taker keeps it.
  bool Offer(absl::string_view envelope, const absl::Status& error, int source,
             int tag);

  // A probed irecv's own take: `take` runs under the mutex (so `slot`
  // cannot be matched meanwhile) and returns whether it took a message
  // from MPI into `envelope`, `error`, `source`, `tag`; that message goes
  // to the earliest pending slot it matches, which may be `slot` (which
  // matches whatever `take` probed for). Returns whether `slot` is matched
  // now, or the failure of `take`.
  template <typename Take>
  absl::StatusOr<bool> TakeFor(ProbedSlot& slot, Take take);

 private:
  bool OfferLocked(absl::string_view envelope, const absl::Status& error,
                   int source, int tag);
  void UnlinkLocked(ProbedSlot& slot);

  // std::mutex, not absl::Mutex: Debian's Abseil is built without NDEBUG,
  // so every absl::Mutex::Lock runs its deadlock detector (a graph lookup
  // under a process-wide lock: 200-300 instructions per lock and unlock,
  // std::mutex's are about 40; docs/benchmarks.md), and ThreadSanitizer
  // does not see it.
  std::mutex mutex_;
  // Guarded by mutex_ (and every slot's links and match).
  ProbedSlot* first_ = nullptr;
  ProbedSlot* last_ = nullptr;
  std::atomic<int> pending_{0};
};

template <typename Take>
absl::StatusOr<bool> ProbedReceives::TakeFor(ProbedSlot& slot, Take take) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (slot.matched) return true;
  // The taken message's bytes: a buffer of the thread, copied into the
  // slot it goes to.
  thread_local std::string envelope;
  absl::Status error;
  int source = 0;
  int tag = 0;
  absl::StatusOr<bool> took = take(envelope, error, source, tag);
  if (!took.ok()) return took.status();
  if (*took) OfferLocked(envelope, error, source, tag);
  return slot.matched;
}

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_PROBED_RECEIVES_H_
