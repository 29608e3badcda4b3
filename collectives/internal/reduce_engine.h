// The reductions with the object type erased: what reduce.h's templates
// call. A call is first checked (every rank must have called the same
// reduction with the same type, op, root and length, or none goes on), then
// runs either as native MPI reductions of arithmetic arrays in chunks
// (native_reduce.h) or as a tree of pkl5 objects sent point to point in
// blocks and parts, so any object of any size can be reduced.
#ifndef PKL5_COLLECTIVES_INTERNAL_REDUCE_ENGINE_H_
#define PKL5_COLLECTIVES_INTERNAL_REDUCE_ENGINE_H_

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/serialization/options.h"
#include "pkl5/transport/internal/envelope.h"

namespace pkl5::collectives_internal {

enum class ReduceKind : uint64_t { kReduce, kAllreduce, kScan, kExscan };

// What every rank must agree on before a reduction moves anything.
struct ReduceCall {
  ReduceKind kind = ReduceKind::kReduce;
  int root = 0;
  // Reordering allowed: a rooted reduction may run its tree from the root.
  bool commutative = false;
  // The type and the op (a standard op's name, or "a user op").
  uint64_t signature = 0;
  // Element-wise reductions: the number of elements; else 0.
  uint64_t length = 0;
  // The type and op in words, for the error when ranks disagree.
  absl::string_view description;
};

class CollectiveContext;

// Where a reduction runs, once every rank agreed to it.
struct ReduceGroup {
  CollectiveContext* context = nullptr;
  MPI_Comm comm = MPI_COMM_NULL;   // the private duplicate
  MPI_Comm local = MPI_COMM_NULL;  // own group (comm when intra)
  MPI_Comm both = MPI_COMM_NULL;   // both groups (comm when intra)
  int tag = 0;
  int rank = 0;  // in the own group
  int size = 0;  // of the own group
  bool inter = false;
  // This rank gets a result: the root of reduce (not the other ranks),
  // every rank of allreduce and scan, every rank but 0 of exscan.
  bool receives = false;
  // This rank's value is part of a result: all but the root's group of a
  // reduce on an intercommunicator.
  bool sends = false;
  size_t block_bytes = 0;
  EncodeOptions encode;
  DecodeOptions decode;
  // This rank's own argument error (an invalid root), which the agreement
  // check reports to every rank.
  absl::Status own_error;
};

// What the agreement check reduces: each field and its complement, under
// MPI_MAX (so every rank learns the least and the greatest of each).
struct Agreement {
  enum Field {
    kBadRoot,
    kKind,
    kSignature,
    kLength,
    kCommutative,
    kRoot,
    kFields
  };
  static constexpr int kValues = 2 * kFields;
  uint64_t values[kValues] = {};
};
// This rank's side of the check.
Agreement AgreementOf(const ReduceCall& call, bool inter,
                      const absl::Status& own_error);
// After the MPI_MAX reduction over `both`: kInvalidArgument, saying what
// differs, unless every rank called alike.
absl::Status AgreementVerdict(const Agreement& agreement,
                              const ReduceCall& call,
                              const absl::Status& own_error);

// The group of `call` on `comm`, without the check (a nonblocking
// reduction posts it itself). Takes the call's tag; `blocking` as for
// GroupOf (engines.h).
absl::StatusOr<ReduceGroup> ReduceGroupOf(Comm& comm, const ReduceCall& call,
                                          bool blocking);

// Checks `call`'s arguments and that every rank (both groups of an
// intercommunicator) called alike: kInvalidArgument on every rank if not,
// with nothing sent. Takes the call's tag.
absl::StatusOr<ReduceGroup> StartReduction(Comm& comm, const ReduceCall& call);

// The values a tree reduction works on, in slots of the object's type.
class Reduction {
 public:
  enum Slot { kResult = 0, kPartial = 1, kIncoming = 2 };
  virtual ~Reduction() = default;
  // The pieces of a slot's value, valid until the slot next changes.
  virtual std::vector<ConstPiece> Encode(Slot slot) = 0;
  // Where a received value decodes into (the slot's storage is reused).
  virtual comm_internal::DecodeTarget& Target(Slot slot) = 0;
  // into = op(left, right); the op's error (returned or thrown) leaves
  // `into` as it was.
  virtual absl::Status Combine(Slot into, Slot left, Slot right) = 0;
  // to = from, leaving `from` unspecified.
  virtual void Move(Slot to, Slot from) = 0;
};

// Reduces every rank's kResult and kPartial (both start as its input)
// with `call`'s kind. On OK, the ranks with `group.receives` (the root of
// reduce, every rank of allreduce and scan, every rank but 0 of exscan)
// hold the result in kResult. A failure (an op's error, a value over
// max_object_bytes) travels instead of the value, so it reaches every rank
// whose result depends on it, and the communicator stays usable.
absl::Status ReduceObjects(const ReduceGroup& group, const ReduceCall& call,
                           Reduction& reduction);

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_REDUCE_ENGINE_H_
