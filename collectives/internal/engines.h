// The collectives with the object type erased: what collectives.h's
// templates call. Each encodes only where it sends (through `encode`) and
// decodes into targets made only where it receives (through `targets`).
#ifndef PKL5_COLLECTIVES_INTERNAL_ENGINES_H_
#define PKL5_COLLECTIVES_INTERNAL_ENGINES_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/serialization/options.h"
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

class CollectiveContext;

// What every collective needs to know about the communicator.
struct Group {
  CollectiveContext* context = nullptr;
  MPI_Comm comm = MPI_COMM_NULL;  // the private duplicate
  int tag = 0;
  int rank = 0;
  bool inter = false;
  // The ranks objects come from or go to: the size, or the remote size.
  int peers = 0;
  size_t block_bytes = 0;
  DecodeOptions decode;
};
// The group of a collective call on `comm`: takes the call's tag. A
// `blocking` call first lets pending nonblocking collectives post their
// collective calls (a nonblocking one waits for its turn instead).
absl::StatusOr<Group> GroupOf(Comm& comm, bool blocking);

// A rooted collective's roles for this rank (MPI 3.1 §5.2.2 for
// intercommunicators: MPI_ROOT at the root, MPI_PROC_NULL at the rest of
// its group, the root's remote rank in the other group).
struct Roles {
  bool root_side = false;    // the root (or, intra, also itself a member)
  bool member_side = false;  // a member receiving from / sending to it
};
// kInvalidArgument for an invalid root (see CheckRoot).
absl::StatusOr<Roles> RolesOf(const Comm& comm, int root);

// What a rank sends in a collective: the block of each of its objects,
// back to back, and the parts that follow each.
struct Outgoing {
  std::string blocks;
  std::vector<std::vector<uint64_t>> tables;  // the size tables' bytes
  std::vector<std::vector<ConstPiece>> parts;
  // Why every block carries an error instead of its object (a wrong number
  // of objects, one over max_object_bytes): then no parts follow.
  absl::Status error;
};
// Writes the `count` blocks of `objects` (each one's pieces), every object
// checked against `decode.max_object_bytes` (CheckObjectSize); error
// blocks when `objects` is an error or an object is too large.
Outgoing WriteBlocks(
    const absl::StatusOr<std::vector<std::vector<ConstPiece>>>& objects,
    size_t count, const DecodeOptions& decode);
// The same for the one object of `pieces`.
Outgoing WriteBlock(std::vector<ConstPiece> pieces,
                    const DecodeOptions& decode);

// `status` naming the rank whose object failed.
absl::Status FromRank(const absl::Status& status, int rank);

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
