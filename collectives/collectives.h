// Collectives of objects: bcast, gather, scatter, allgather and alltoall
// (mpi4py.util.pkl5's, as free functions in the manner of Boost.MPI's
// `broadcast(comm, value, root)`), on intra- and intercommunicators, for
// any object the serialization layer supports and of any size.
//
//   absl::Status status = pkl5::bcast(comm, grid, /*root=*/0);   // in place
//   absl::StatusOr<std::vector<Stats>> all = pkl5::gather(comm, mine, 0);
//   absl::StatusOr<Task> task = pkl5::scatter(comm, tasks, 0);
//   absl::StatusOr<std::vector<Stats>> everyone = pkl5::allgather(comm, mine);
//   absl::StatusOr<std::vector<Chunk>> mine = pkl5::alltoall(comm, chunks);
//
// How: each object opens with a fixed-size block (its envelope, which holds
// the whole object when small, or an error), so one native MPI collective
// (MPI_Bcast, MPI_Gather, ...) moves every block at once; larger parts
// follow zero-copy, by MPI_Bcast for bcast and point to point for the
// others, straight into the receivers' objects. Collectives run on a
// private duplicate of the communicator made by the first collective.
//
// Roots follow MPI: on an intracommunicator 0 <= root < size; on an
// intercommunicator MPI_ROOT at the root, MPI_PROC_NULL at the other ranks
// of its group, and the root's rank in its group at the ranks of the other
// group. Ranks that neither send nor receive return at once (OK, empty).
//
// Errors: an invalid root is kInvalidArgument on every rank (each checks
// its own argument; MPI requires them to agree). A sender's failure (a
// wrong number of objects for scatter or alltoall, an object over
// DecodeOptions::max_object_bytes) travels in its block, so every rank that
// receives from it returns the same error instead of waiting. A receiver's
// own failure (another type than it asked for) is reported by that
// receiver, after it received and dropped the parts, so the communicator
// stays usable for the next collective. On an intercommunicator a sender's
// error reaches the other group (its receivers), not its own group.
//
// Every rank must call collectives in the same order, from one thread at a
// time per communicator, as with MPI.
#ifndef PKL5_COLLECTIVES_COLLECTIVES_H_
#define PKL5_COLLECTIVES_COLLECTIVES_H_

// clang-format off
#include "pkl5/base/config.h"  // first: the C++17 check
// clang-format on

#include <deque>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/collectives/internal/engines.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/comm/internal/request_state.h"
#include "pkl5/serialization/serialization.h"

namespace pkl5 {
namespace collectives_internal {

// Decode targets over the elements of `objects`, resized to `count`
// (elements already there keep their storage for reuse).
template <typename T, typename Container>
class Targets {
 public:
  explicit Targets(Container& objects) : objects_(objects) {}
  std::vector<comm_internal::DecodeTarget*> Make(size_t count) {
    objects_.resize(count);
    targets_.clear();
    targets_.reserve(count);
    std::vector<comm_internal::DecodeTarget*> pointers;
    for (T& object : objects_) {
      targets_.emplace_back(object);
      pointers.push_back(&targets_.back());
    }
    return pointers;
  }

 private:
  Container& objects_;
  std::vector<comm_internal::ObjectTarget<T>> targets_;
};

// What the returning forms receive into: a vector, or a deque for bool
// (whose vector hands out no bool&), converted at the end.
template <typename T>
using Received =
    std::conditional_t<std::is_same_v<T, bool>, std::deque<T>, std::vector<T>>;
template <typename T>
std::vector<T> ToVector(std::vector<T> objects) {
  return objects;
}
template <typename T>
std::vector<T> ToVector(std::deque<T> objects) {
  return std::vector<T>(objects.begin(), objects.end());
}

// Encodes one object per rank of a group of `count`.
// The pieces of `frame` as the collectives keep them.
inline std::vector<ConstPiece> PiecesOf(const Frame& frame) {
  const comm_internal::FramePieceList pieces =
      comm_internal::FramePieces(frame);
  return std::vector<ConstPiece>(pieces.begin(), pieces.end());
}

template <typename T>
absl::StatusOr<std::vector<std::vector<ConstPiece>>> EncodeAll(
    const std::vector<T>& objects, size_t count, const EncodeOptions& options,
    std::vector<Frame>& frames) {
  if (objects.size() != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("expecting ", count, " objects (one per rank of the ",
                     "receiving group), got ", objects.size()));
  }
  std::vector<std::vector<ConstPiece>> pieces;
  frames.reserve(count);
  for (const T& object : objects) {
    frames.push_back(Encode(object, options));
    pieces.push_back(collectives_internal::PiecesOf(frames.back()));
  }
  return pieces;
}

}  // namespace collectives_internal

// Broadcasts `object` from `root` into `object` on every receiving rank,
// reusing its storage where sizes allow (a vector of the same length is
// overwritten in place). The root's object is only read.
template <typename T>
absl::Status bcast(Comm& comm, T& object, int root = 0) {
  Frame frame;
  comm_internal::ObjectTarget<T> target(object);
  return collectives_internal::Bcast(
      comm, root,
      [&] {
        frame = Encode(object, comm.options().encode);
        return collectives_internal::PiecesOf(frame);
      },
      target);
}

// The objects of every rank of the sending group, in rank order, at the
// root; an empty vector elsewhere.
template <typename T>
absl::StatusOr<std::vector<T>> gather(Comm& comm, const T& object,
                                      int root = 0) {
  collectives_internal::Received<T> received;
  PKL5_RETURN_IF_ERROR(gather(comm, object, root, received));
  return collectives_internal::ToVector(std::move(received));
}
// The same into `out` at the root, reusing its elements' storage.
template <typename T, typename Container>
absl::Status gather(Comm& comm, const T& object, int root, Container& out) {
  Frame frame;
  collectives_internal::Targets<T, Container> targets(out);
  return collectives_internal::Gather(
      comm, root,
      [&] {
        frame = Encode(object, comm.options().encode);
        return collectives_internal::PiecesOf(frame);
      },
      [&](size_t count) { return targets.Make(count); });
}

// Object i of the root's `objects` to rank i of the receiving group (the
// root passes one per rank; other ranks pass nothing); returns this rank's.
// A value-initialized T where nothing is received.
template <typename T>
absl::StatusOr<T> scatter(Comm& comm, const std::vector<T>& objects,
                          int root = 0) {
  std::vector<Frame> frames;
  T object{};
  comm_internal::ObjectTarget<T> target(object);
  PKL5_RETURN_IF_ERROR(collectives_internal::Scatter(
      comm, root,
      [&](size_t count) {
        return collectives_internal::EncodeAll(objects, count,
                                               comm.options().encode, frames);
      },
      target));
  return object;
}

// Every rank's object, in rank order (on an intercommunicator, the remote
// group's).
template <typename T>
absl::StatusOr<std::vector<T>> allgather(Comm& comm, const T& object) {
  collectives_internal::Received<T> received;
  PKL5_RETURN_IF_ERROR(allgather(comm, object, received));
  return collectives_internal::ToVector(std::move(received));
}
// The same into `out`, reusing its elements' storage: repeated allgathers
// of same-sized objects allocate nothing.
template <typename T, typename Container>
absl::Status allgather(Comm& comm, const T& object, Container& out) {
  Frame frame;
  collectives_internal::Targets<T, Container> targets(out);
  return collectives_internal::Allgather(
      comm,
      [&] {
        frame = Encode(object, comm.options().encode);
        return collectives_internal::PiecesOf(frame);
      },
      [&](size_t count) { return targets.Make(count); });
}

// Object i of `objects` to rank i (one per rank of the remote group on an
// intercommunicator); returns what every rank sent this one, in rank order.
template <typename T>
absl::StatusOr<std::vector<T>> alltoall(Comm& comm,
                                        const std::vector<T>& objects) {
  collectives_internal::Received<T> received;
  PKL5_RETURN_IF_ERROR(alltoall(comm, objects, received));
  return collectives_internal::ToVector(std::move(received));
}
// The same into `out`, reusing its elements' storage.
template <typename T, typename Container>
absl::Status alltoall(Comm& comm, const std::vector<T>& objects,
                      Container& out) {
  std::vector<Frame> frames;
  collectives_internal::Targets<T, Container> targets(out);
  return collectives_internal::Alltoall(
      comm,
      [&](size_t count) {
        return collectives_internal::EncodeAll(objects, count,
                                               comm.options().encode, frames);
      },
      [&](size_t count) { return targets.Make(count); });
}

}  // namespace pkl5

#endif  // PKL5_COLLECTIVES_COLLECTIVES_H_
