#include "pkl5/transport/internal/probed_receives.h"

#include <mpi.h>

namespace pkl5::transport_internal {

bool ProbedSlot::Matches(int from, int with_tag) const {
  return (source == MPI_ANY_SOURCE || source == from) &&
         (tag == MPI_ANY_TAG || tag == with_tag);
}

void ProbedReceives::Add(ProbedSlot& slot) {
  std::lock_guard<std::mutex> lock(mutex_);
  slot.matched = false;
  slot.listed = true;
  slot.previous = last_;
  slot.next = nullptr;
  if (last_ != nullptr) {
    last_->next = &slot;
  } else {
    first_ = &slot;
  }
  last_ = &slot;
  pending_.fetch_add(1, std::memory_order_release);
}

bool ProbedReceives::Remove(ProbedSlot& slot) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!slot.listed) return false;
  UnlinkLocked(slot);
  return true;
}

bool ProbedReceives::Offer(absl::string_view envelope,
                           const absl::Status& error, int source, int tag) {
  std::lock_guard<std::mutex> lock(mutex_);
  return OfferLocked(envelope, error, source, tag);
}

bool ProbedReceives::OfferLocked(absl::string_view envelope,
                                 const absl::Status& error, int source,
                                 int tag) {
  for (ProbedSlot* slot = first_; slot != nullptr; slot = slot->next) {
    if (!slot->Matches(source, tag)) continue;
    slot->envelope.assign(envelope.data(), envelope.size());
    slot->error = error;
    slot->matched_source = source;
    slot->matched_tag = tag;
    UnlinkLocked(*slot);
    slot->matched = true;
    return true;
  }
  return false;
}

void ProbedReceives::UnlinkLocked(ProbedSlot& slot) {
  (slot.previous != nullptr ? slot.previous->next : first_) = slot.next;
  (slot.next != nullptr ? slot.next->previous : last_) = slot.previous;
  slot.previous = nullptr;
  slot.next = nullptr;
  slot.listed = false;
  pending_.fetch_sub(1, std::memory_order_release);
}

}  // namespace pkl5::transport_internal
