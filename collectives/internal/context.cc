#include "pkl5/collectives/internal/context.h"

#include <algorithm>
#include <memory>

#include "pkl5/base/mpi_comm.h"
#include "pkl5/base/mpi_comm_cache.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::collectives_internal {

absl::StatusOr<CollectiveContext*> CollectiveContext::Of(MPI_Comm comm) {
  using Cache = base_internal::CommCache<CollectiveContext>;
  PKL5_ASSIGN_OR_RETURN(CollectiveContext * found, Cache::Find(comm));
  if (found != nullptr) return found;
  PKL5_ASSIGN_OR_RETURN(MPI_Comm dup, base_internal::PrivateDuplicate(comm));
  return Cache::Store(
      comm, std::unique_ptr<CollectiveContext>(
                new CollectiveContext(dup, base_internal::TagUpperBound(dup))));
}

absl::StatusOr<CollectiveContext::Groups> CollectiveContext::GroupComms() {
  int inter = 0;
  MPI_Comm_test_inter(comm_, &inter);
  if (!inter) return Groups{comm_, comm_};
  if (groups_.both != MPI_COMM_NULL) return groups_;
  // Merging is collective on comm_: nonblocking collectives started
  // earlier post their collective calls first.
  AwaitCollectiveCalls();
  MPI_Comm both = MPI_COMM_NULL;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Intercomm_merge(comm_, /*high=*/0, &both),
      "MPI_Intercomm_merge (pkl5 reduction)"));
  MPI_Comm_set_errhandler(both, MPI_ERRORS_RETURN);
  // With one `high` everywhere MPI puts one group first; either way a
  // group's ranks are consecutive, so the merged rank less the local rank
  // tells the groups apart.
  int merged_rank = 0;
  int local_rank = 0;
  MPI_Comm_rank(both, &merged_rank);
  MPI_Comm_rank(comm_, &local_rank);
  MPI_Comm local = MPI_COMM_NULL;
  const int split = MPI_Comm_split(both, merged_rank == local_rank ? 0 : 1,
                                   local_rank, &local);
  if (split != MPI_SUCCESS) {
    MPI_Comm_free(&both);
    return base_internal::MpiCallStatus(split,
                                        "MPI_Comm_split (pkl5 reduction)");
  }
  MPI_Comm_set_errhandler(local, MPI_ERRORS_RETURN);
  groups_ = Groups{local, both};
  return groups_;
}

absl::StatusOr<CollectiveContext*> CollectiveContext::Of(const Comm& comm) {
  if (comm.is_null()) {
    return absl::FailedPreconditionError("null pkl5 communicator");
  }
  if (comm.mpi_comm() == MPI_COMM_NULL) {
    return absl::UnimplementedError(
        "pkl5 collectives need a communicator over MPI; this one runs over "
        "another transport");
  }
  return Of(comm.mpi_comm());
}

CollectiveContext::~CollectiveContext() {
  if (base_internal::MpiFinalized()) return;
  if (groups_.both != MPI_COMM_NULL) {
    MPI_Comm_free(&groups_.local);
    MPI_Comm_free(&groups_.both);
  }
  MPI_Comm_free(&comm_);
}

void CollectiveContext::Add(PendingCollective* collective) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back(collective);
}

void CollectiveContext::Remove(PendingCollective* collective) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.erase(std::remove(pending_.begin(), pending_.end(), collective),
                 pending_.end());
}

void CollectiveContext::AdvanceLocked() {
  bool turn = true;
  for (PendingCollective* collective : pending_) {
    collective->Advance(turn);
    turn = turn && collective->posted_collective_calls();
  }
  pending_.erase(
      std::remove_if(pending_.begin(), pending_.end(),
                     [](const PendingCollective* c) { return c->done(); }),
      pending_.end());
}

void CollectiveContext::Advance() {
  std::lock_guard<std::mutex> lock(mutex_);
  AdvanceLocked();
}

void CollectiveContext::TryAdvance() {
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (lock.owns_lock()) AdvanceLocked();
}

void CollectiveContext::AwaitCollectiveCalls() {
  std::lock_guard<std::mutex> lock(mutex_);
  while (std::any_of(pending_.begin(), pending_.end(),
                     [](const PendingCollective* c) {
                       return !c->posted_collective_calls();
                     })) {
    AdvanceLocked();
  }
}

int CollectiveContext::NextTag() {
  const int tag = next_tag_;
  next_tag_ = next_tag_ == tag_bound_ ? 0 : next_tag_ + 1;
  return tag;
}

}  // namespace pkl5::collectives_internal
