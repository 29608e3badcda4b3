// The collectives with the object type erased: what collectives.h's
// templates call. Each encodes only where it sends (through `encode`) and
// decodes into targets made only where it receives (through `targets`).
#ifndef PKL5_COLLECTIVES_INTERNAL_ENGINES_H_
#define PKL5_COLLECTIVES_INTERNAL_ENGINES_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/transport/internal/envelope.h"

namespace pkl5::collectives_internal {

// Encodes this rank's object; returns its pieces.
using EncodeOne = std::function<std::vector<ConstPiece>()>;
// Encodes one object per rank of a group of `count`: kInvalidArgument when
// the caller passed another number of objects.
using EncodeEach =
    std::function<absl::StatusOr<std::vector<std::vector<ConstPiece>>>(
        size_t count)>;
// Makes `count` objects to receive into; returns their targets.
using MakeTargets =
    std::function<std::vector<comm_internal::DecodeTarget*>(size_t count)>;
// The one object this rank receives into.
using TargetOne = comm_internal::DecodeTarget;

// kInvalidArgument unless `root` is a valid root argument of a rooted
// collective on `comm` (collectives.h: as MPI takes it).
absl::Status CheckRoot(const Comm& comm, int root);

absl::Status Bcast(Comm& comm, int root, const EncodeOne& encode,
                   TargetOne& target);
absl::Status Gather(Comm& comm, int root, const EncodeOne& encode,
                    const MakeTargets& targets);
absl::Status Scatter(Comm& comm, int root, const EncodeEach& encode,
                     TargetOne& target);
absl::Status Allgather(Comm& comm, const EncodeOne& encode,
                       const MakeTargets& targets);
absl::Status Alltoall(Comm& comm, const EncodeEach& encode,
                      const MakeTargets& targets);

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_ENGINES_H_
