// The private context of a communicator's collectives: a duplicate of the
// user's communicator, so collective traffic never meets point-to-point
// traffic, and a tag per collective call for the parts sent point to
// point. It is cached on the user's MPI_Comm as an MPI attribute (MPI 3.1
// §6.7, the mechanism meant for layered libraries), created by the first
// collective (which is therefore collective over the communicator, as every
// collective is) and freed with the communicator.
#ifndef PKL5_COLLECTIVES_INTERNAL_CONTEXT_H_
#define PKL5_COLLECTIVES_INTERNAL_CONTEXT_H_

#include <mpi.h>

#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "pkl5/collectives/internal/pending.h"
#include "pkl5/comm/comm.h"

namespace pkl5::collectives_internal {

class CollectiveContext {
 public:
  // The context of `comm`, created on first use.
  static absl::StatusOr<CollectiveContext*> Of(MPI_Comm comm);
  // The same for a pkl5 communicator: kFailedPrecondition when it is null,
  // kUnimplemented when it runs over another transport than MPI.
  static absl::StatusOr<CollectiveContext*> Of(const Comm& comm);

  MPI_Comm comm() const { return comm_; }
  // The tag of the next collective call. Every rank calls collectives in
  // the same order (MPI requires it), so every rank gets the same tag.
  int NextTag();

  // The intracommunicators a reduction on an intercommunicator needs:
  // `local` over this rank's own group (in its rank order), to reduce it
  // to one value and to broadcast a result within it; `both` over both
  // groups, where every rank checks that all called alike. On an
  // intracommunicator both are comm(). Made by the first reduction
  // (MPI_Intercomm_merge and MPI_Comm_split, so collective over both
  // groups, as a reduction on an intercommunicator is) and kept.
  struct Groups {
    MPI_Comm local = MPI_COMM_NULL;
    MPI_Comm both = MPI_COMM_NULL;
  };
  absl::StatusOr<Groups> GroupComms();

  // Nonblocking collectives started and not yet complete, in the order
  // they were started (the order of the collective calls on every rank).
  // Each is advanced in that order, with its turn (pending.h) once every
  // one before it posted all its collective calls; complete ones leave.
  void Add(PendingCollective* collective);
  // Drops one that is complete or that will never be advanced again.
  void Remove(PendingCollective* collective);
  // One pass over every pending collective, without blocking.
  void Advance();
  // The same unless another thread is in a pass (progress from other
  // pkl5 calls, which must not wait for one another).
  void TryAdvance();
  // Blocks, advancing them, until every pending collective has posted all
  // its collective calls: a blocking collective calls it before posting
  // its own, so every rank posts them in the order it called collectives.
  // At once when none is pending.
  void AwaitCollectiveCalls();

  ~CollectiveContext();

 private:
  CollectiveContext(MPI_Comm comm, int tag_bound)
      : comm_(comm), tag_bound_(tag_bound) {}
  void AdvanceLocked();

  MPI_Comm comm_;
  // Made by GroupComms on an intercommunicator, else MPI_COMM_NULL.
  Groups groups_;
  const int tag_bound_;
  int next_tag_ = 0;
  // Guards pending_ and every pass over it.
  std::mutex mutex_;
  std::vector<PendingCollective*> pending_;
};

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_CONTEXT_H_
