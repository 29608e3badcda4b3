// The nonblocking collectives with the object type erased: what
// nonblocking.h's templates start. Each is a PendingCollective (pending.h)
// that its communicator's collective context advances: the blocks of all
// objects in one nonblocking MPI collective (MPI_Ibcast, MPI_Igather, ...)
// as the blocking forms do, then the parts that follow, each posted as
// soon as the part before it from the same sender landed (its size and
// place are known only then): by MPI_Ibcast for a broadcast, point to point
// on the call's tag for the others. The request (CollectiveRequestState)
// owns the collective and the objects it reads and writes.
#ifndef PKL5_COLLECTIVES_INTERNAL_NONBLOCKING_ENGINES_H_
#define PKL5_COLLECTIVES_INTERNAL_NONBLOCKING_ENGINES_H_

#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/collectives/internal/context.h"
#include "pkl5/collectives/internal/engines.h"
#include "pkl5/collectives/internal/native_reduce.h"
#include "pkl5/collectives/internal/pending.h"
#include "pkl5/collectives/internal/reduce_engine.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/internal/comm_state.h"
#include "pkl5/comm/internal/receive_progress.h"
#include "pkl5/comm/internal/request_state.h"

namespace pkl5::collectives_internal {

enum class CollectiveKind { kBcast, kGather, kScatter, kAllgather, kAlltoall };

// One call, as engines.h's functions take it.
struct ObjectCall {
  CollectiveKind kind = CollectiveKind::kBcast;
  int root = 0;                 // the rooted kinds
  EncodeOne encode_one;         // bcast, gather, allgather
  EncodeEach encode_each;       // scatter, alltoall
  TargetOne* target = nullptr;  // bcast, scatter
  MakeTargets targets;          // gather, allgather, alltoall
};

// Takes the call's tag (so call it in the order of collective calls),
// checks the root (kInvalidArgument, nothing started), encodes what this
// rank sends; posts nothing before its turn.
absl::StatusOr<std::unique_ptr<PendingCollective>> CreateObjectCollective(
    Comm& comm, ObjectCall call);

// A nonblocking allreduce: the agreement check (reduce_engine.h) by
// MPI_Iallreduce, then `native` by MPI_Iallreduce in chunks, or without
// `native` an allgather of every value (`gather`, of kind kAllgather),
// which the request then combines in rank order (the other group's values
// on an intercommunicator).
absl::StatusOr<std::unique_ptr<PendingCollective>> CreateAllreduce(
    Comm& comm, const ReduceCall& call, const NativeArrays* native,
    ObjectCall gather);

// What a request keeps for its collective: the encoded frames it sends
// and the objects it receives into.
class Holder {
 public:
  virtual ~Holder() = default;
  // Runs once, on the request owner's thread, when the collective
  // completed: final conversions and a reduction's ops.
  virtual absl::Status Finish() { return absl::OkStatus(); }
  // The object RecvRequest<R>::wait hands out (an R), or nullptr when the
  // result went into the caller's storage.
  virtual void* Result() { return nullptr; }
  // What this rank sends when the caller moved it in (else it is borrowed).
  std::shared_ptr<const void> kept;
};

// The request of one nonblocking collective.
class CollectiveRequestState final : public comm_internal::RequestState,
                                     public comm_internal::Progressable {
 public:
  // Starts `collective` (made from `holder`'s storage) on `comm`: it joins
  // the context's pending collectives and `comm`'s progress (so blocking
  // pkl5 calls on `comm` advance it).
  static absl::StatusOr<std::unique_ptr<CollectiveRequestState>> Start(
      Comm& comm, std::unique_ptr<Holder> holder,
      std::unique_ptr<PendingCollective> collective);
  // Waits for completion (a collective cannot be cancelled: the other
  // ranks take part in it), unless MPI was finalized.
  ~CollectiveRequestState() override;

  absl::StatusOr<bool> Test() override;
  absl::Status Wait() override;
  // Collectives are never cancelled. Returns false.
  absl::StatusOr<bool> Cancel() override { return false; }
  bool HoldsObject() const override { return holds_object_; }
  void* HeldObject() override { return holder_->Result(); }
  bool TryAdvance() override;

 private:
  CollectiveRequestState(std::shared_ptr<comm_internal::CommState> comm,
                         CollectiveContext* context,
                         std::unique_ptr<Holder> holder,
                         std::unique_ptr<PendingCollective> collective);

  CollectiveContext* const context_;
  // Declared first: goes last, after the collective that uses it.
  std::unique_ptr<Holder> holder_;
  std::unique_ptr<PendingCollective> collective_;
  bool finished_ = false;
  absl::Status error_;
  bool holds_object_ = false;
};

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_NONBLOCKING_ENGINES_H_
