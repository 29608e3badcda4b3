// Nonblocking collectives of objects: ibcast, igather, iscatter,
// iallgather, ialltoall and iallreduce. Each starts the collective and
// returns a request at once; the rank computes meanwhile and collects the
// result with the request's wait or test (or Request::waitall, testall,
// waitany, ... with any other pkl5 requests).
//
//   absl::StatusOr<pkl5::Request> sent = pkl5::ibcast(comm, model, 0);
//   ... compute ...
//   absl::Status done = sent->wait();          // `model` is now everywhere
//
//   absl::StatusOr<pkl5::RecvRequest<std::vector<Stats>>> all =
//       pkl5::iallgather(comm, mine);
//   ... compute ...
//   absl::StatusOr<std::vector<Stats>> everyone = all->wait();
//
// Semantics are the blocking forms' (collectives.h, reduce.h): roots,
// intercommunicators, any type and size, zero copy for large arrays, a
// sender's failure reaching every rank that receives from it, a wrong
// type or an object over max_object_bytes rejected with the communicator
// still usable. The forms taking `out` deliver into the caller's storage
// and return a Request (null once complete); the others return a
// RecvRequest whose wait hands out the result.
//
// Borrowing: what a rank sends (the root's object of ibcast, `object` of
// igather and iallgather, `objects` of iscatter and ialltoall, `value` of
// iallreduce) is read in place while the request is pending, and what it
// receives into (`object` of ibcast, `out`) is written until completion:
// keep both alive and unchanged until then.
//
// Order: every rank must start collectives (blocking and nonblocking) on
// a communicator in the same order, as MPI requires; any number may be
// pending at once, mixed with point-to-point traffic, and they complete in
// any order. Calls come from one thread at a time per communicator.
//
// Progress: pkl5 moves a pending collective forward whenever it is called
// on the communicator: its test and wait, the test or wait of any other
// request, and every blocking call (send, recv, probe, barrier, blocking
// collectives). A rank computing without calling pkl5 makes none, as with
// MPI's own nonblocking collectives without a progress thread: call test
// now and then from long computations, or the others may wait for it once
// its share is needed (a root's parts, for instance, go as soon as
// posted). Destroying a pending request waits for the collective to
// complete (the other ranks take part in it): it cannot be cancelled.
//
// iallreduce combines values with the op in rank order, as allreduce
// does. The first reduction on an intercommunicator, blocking or not,
// makes a communicator per group (collective over both groups, so it
// blocks until both called it). Standard ops on arithmetic arrays run as
// MPI_Iallreduce in chunks; any other op first gathers every value to every
// rank (as iallgather), then each rank combines them itself when its wait or
// test sees them all: memory and traffic grow with the number of ranks, unlike
// the blocking allreduce's tree, and the op runs on the thread that completes
// the request.
#ifndef PKL5_COLLECTIVES_NONBLOCKING_H_
#define PKL5_COLLECTIVES_NONBLOCKING_H_

// clang-format off
#include "pkl5/base/config.h"  // first: the C++17 check
// clang-format on

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/collectives/collectives.h"
#include "pkl5/collectives/internal/nonblocking_engines.h"
#include "pkl5/collectives/reduce.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/internal/comm_access.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/comm/request.h"
#include "pkl5/serialization/serialization.h"

namespace pkl5 {
namespace collectives_internal {

// Starts `collective`, whose callbacks use `holder`, as one request.
inline absl::StatusOr<std::unique_ptr<comm_internal::RequestState>> StartHeld(
    Comm& comm, std::unique_ptr<Holder> holder,
    absl::StatusOr<std::unique_ptr<PendingCollective>> collective) {
  PKL5_RETURN_IF_ERROR(collective.status());
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<CollectiveRequestState> request,
                        CollectiveRequestState::Start(comm, std::move(holder),
                                                      *std::move(collective)));
  return std::unique_ptr<comm_internal::RequestState>(std::move(request));
}
inline absl::StatusOr<Request> AsRequest(
    absl::StatusOr<std::unique_ptr<comm_internal::RequestState>> state) {
  PKL5_RETURN_IF_ERROR(state.status());
  return comm_internal::CommAccess::MakeRequest(*std::move(state));
}
template <typename R>
absl::StatusOr<RecvRequest<R>> AsRecvRequest(
    absl::StatusOr<std::unique_ptr<comm_internal::RequestState>> state) {
  PKL5_RETURN_IF_ERROR(state.status());
  return comm_internal::CommAccess::MakeRecvRequest<R>(*std::move(state));
}

// What a rank sends: an lvalue is borrowed, an rvalue moved into the
// request (kept alive by `kept`), as for Comm::isend.
template <typename V>
std::pair<const std::decay_t<V>*, std::shared_ptr<const void>> Keep(V&& value) {
  if constexpr (std::is_lvalue_reference_v<V>) {
    return {&value, nullptr};
  } else {
    auto owned = std::make_shared<const std::decay_t<V>>(std::move(value));
    const std::decay_t<V>* pointer = owned.get();
    return {pointer, std::move(owned)};
  }
}

// A holder's frames of what its rank sends.
struct SendingHolder : Holder {
  Frame frame;
  std::vector<Frame> frames;
};

// A call of `kind` from `root` that encodes, into `held`'s frames,
// `object` (one object) or else `objects` (one per rank).
template <typename T>
ObjectCall SendingCall(Comm& comm, CollectiveKind kind, int root,
                       SendingHolder* held, const T* object,
                       const std::vector<T>* objects) {
  const EncodeOptions encode = comm.options().encode;
  ObjectCall call;
  call.kind = kind;
  call.root = root;
  if (object != nullptr) {
    call.encode_one = [held, object, encode] {
      held->frame = Encode(*object, encode);
      return PiecesOf(held->frame);
    };
  } else {
    call.encode_each = [held, objects, encode](size_t count) {
      return EncodeAll(*objects, count, encode, held->frames);
    };
  }
  return call;
}

// One object received into `object` (the caller's or the holder's own).
template <typename T>
struct OneObject : SendingHolder {
  explicit OneObject(T* into) : target(into != nullptr ? *into : own) {}
  void* Result() override { return returns ? &own : nullptr; }
  bool returns = false;
  T own{};
  comm_internal::ObjectTarget<T> target;
};

// ibcast (of `object`, into it) and iscatter (of `objects`, into the
// holder's own, returned).
template <typename T>
absl::StatusOr<std::unique_ptr<comm_internal::RequestState>> StartOne(
    Comm& comm, CollectiveKind kind, int root, T* object,
    const std::vector<T>* objects, std::shared_ptr<const void> kept) {
  auto holder = std::make_unique<OneObject<T>>(object);
  OneObject<T>* held = holder.get();
  held->kept = std::move(kept);
  held->returns = object == nullptr;
  ObjectCall call = SendingCall<T>(comm, kind, root, held, object, objects);
  call.target = &held->target;
  absl::StatusOr<std::unique_ptr<PendingCollective>> collective =
      CreateObjectCollective(comm, std::move(call));
  return StartHeld(comm, std::move(holder), std::move(collective));
}

// One object per rank received into `Container` (the caller's, or the
// holder's own, handed out as a std::vector<T>).
template <typename T, typename Container>
struct ManyObjects : SendingHolder {
  explicit ManyObjects(Container* into)
      : targets(into != nullptr ? *into : own) {}
  absl::Status Finish() override {
    if (returns) result = ToVector(std::move(own));
    return absl::OkStatus();
  }
  void* Result() override { return returns ? &result : nullptr; }
  bool returns = false;
  Container own;
  Targets<T, Container> targets;
  std::vector<T> result;
};

template <typename T, typename Container>
absl::StatusOr<std::unique_ptr<comm_internal::RequestState>> StartMany(
    Comm& comm, CollectiveKind kind, int root, const T* object,
    const std::vector<T>* objects, Container* into,
    std::shared_ptr<const void> kept) {
  auto holder = std::make_unique<ManyObjects<T, Container>>(into);
  ManyObjects<T, Container>* held = holder.get();
  held->kept = std::move(kept);
  held->returns = into == nullptr;
  ObjectCall call = SendingCall<T>(comm, kind, root, held, object, objects);
  call.targets = [held](size_t count) { return held->targets.Make(count); };
  absl::StatusOr<std::unique_ptr<PendingCollective>> collective =
      CreateObjectCollective(comm, std::move(call));
  return StartHeld(comm, std::move(holder), std::move(collective));
}

// iallreduce by gathering every value: the holder combines them.
template <typename T, typename Combiner>
struct GatheredReduction : SendingHolder {
  GatheredReduction(Combiner op, int at_rank, T* into)
      : combiner(std::move(op)), rank(at_rank), out(into) {}
  absl::Status Finish() override {
    // On an intercommunicator every value is the other group's.
    if (values.empty()) return absl::OkStatus();
    T result = std::move(values.front());
    for (size_t i = 1; i < values.size(); ++i) {
      PKL5_ASSIGN_OR_RETURN(result, CallOp(combiner, result, values[i], rank));
    }
    *(out != nullptr ? out : &own) = std::move(result);
    return absl::OkStatus();
  }
  void* Result() override { return out == nullptr ? &own : nullptr; }
  Combiner combiner;
  const int rank;
  T* const out;
  T own{};
  Received<T> values;
  Targets<T, Received<T>> targets{values};
};

// iallreduce with MPI computing: the result lands in `out`, or in the
// holder's own (returned).
template <typename T>
struct NativeReduction : Holder {
  explicit NativeReduction(T* into) : out(into) {}
  void* Result() override { return out == nullptr ? &own : nullptr; }
  T* const out;
  T own{};
};

template <typename T, typename Op>
absl::StatusOr<std::unique_ptr<comm_internal::RequestState>> StartAllreduce(
    Comm& comm, const T& value, T* into, const Op& op,
    std::shared_ptr<const void> kept) {
  using P = Plan<T, Op>;
  const ReduceCall call = CallOf<T, Op>(ReduceKind::kAllreduce, value, 0);
  if constexpr (P::kNative) {
    auto holder = std::make_unique<NativeReduction<T>>(into);
    holder->kept = std::move(kept);
    const NativeArrays arrays = NativeArraysOf<T, Op>(
        value, into != nullptr ? *into : holder->own, /*receives=*/true);
    absl::StatusOr<std::unique_ptr<PendingCollective>> collective =
        CreateAllreduce(comm, call, &arrays, ObjectCall());
    return StartHeld(comm, std::move(holder), std::move(collective));
  } else {
    using Combiner = decltype(CombinerOf<T>(op));
    auto holder = std::make_unique<GatheredReduction<T, Combiner>>(
        CombinerOf<T>(op), comm.rank(), into);
    GatheredReduction<T, Combiner>* held = holder.get();
    held->kept = std::move(kept);
    ObjectCall gather = SendingCall<T>(comm, CollectiveKind::kAllgather, 0,
                                       held, &value, nullptr);
    gather.targets = [held](size_t count) { return held->targets.Make(count); };
    absl::StatusOr<std::unique_ptr<PendingCollective>> collective =
        CreateAllreduce(comm, call, nullptr, std::move(gather));
    return StartHeld(comm, std::move(holder), std::move(collective));
  }
}

}  // namespace collectives_internal

// What a rank sends below (`object`, `objects`, `value`) is borrowed when
// passed as an lvalue and moved into the request when an rvalue; see the
// header comment.

// Starts broadcasting `object` from `root` into `object` on every
// receiving rank (reusing its storage, as bcast does).
template <typename T>
absl::StatusOr<Request> ibcast(Comm& comm, T& object, int root = 0) {
  return collectives_internal::AsRequest(collectives_internal::StartOne<T>(
      comm, collectives_internal::CollectiveKind::kBcast, root, &object,
      nullptr, nullptr));
}

// Starts gathering every rank's `object` at `root`; its wait returns them
// in rank order there, an empty vector elsewhere.
template <typename V, typename T = std::decay_t<V>>
absl::StatusOr<RecvRequest<std::vector<T>>> igather(Comm& comm, V&& object,
                                                    int root = 0) {
  auto [sent, kept] = collectives_internal::Keep(std::forward<V>(object));
  return collectives_internal::AsRecvRequest<std::vector<T>>(
      collectives_internal::StartMany<T, collectives_internal::Received<T>>(
          comm, collectives_internal::CollectiveKind::kGather, root, sent,
          nullptr, nullptr, std::move(kept)));
}
// The same into `out` at the root, reusing its elements' storage.
template <typename V, typename Container, typename T = std::decay_t<V>>
absl::StatusOr<Request> igather(Comm& comm, V&& object, int root,
                                Container& out) {
  auto [sent, kept] = collectives_internal::Keep(std::forward<V>(object));
  return collectives_internal::AsRequest(
      collectives_internal::StartMany<T, Container>(
          comm, collectives_internal::CollectiveKind::kGather, root, sent,
          nullptr, &out, std::move(kept)));
}

// Starts scattering the root's `objects` (one per rank of the receiving
// group; nothing elsewhere); its wait returns this rank's.
template <typename V, typename T = typename std::decay_t<V>::value_type>
absl::StatusOr<RecvRequest<T>> iscatter(Comm& comm, V&& objects, int root = 0) {
  auto [sent, kept] = collectives_internal::Keep(std::forward<V>(objects));
  return collectives_internal::AsRecvRequest<T>(
      collectives_internal::StartOne<T>(
          comm, collectives_internal::CollectiveKind::kScatter, root, nullptr,
          sent, std::move(kept)));
}

// Starts gathering every rank's `object` at every rank (the remote
// group's on an intercommunicator).
template <typename V, typename T = std::decay_t<V>>
absl::StatusOr<RecvRequest<std::vector<T>>> iallgather(Comm& comm, V&& object) {
  auto [sent, kept] = collectives_internal::Keep(std::forward<V>(object));
  return collectives_internal::AsRecvRequest<std::vector<T>>(
      collectives_internal::StartMany<T, collectives_internal::Received<T>>(
          comm, collectives_internal::CollectiveKind::kAllgather, 0, sent,
          nullptr, nullptr, std::move(kept)));
}
// The same into `out`, reusing its elements' storage.
template <typename V, typename Container, typename T = std::decay_t<V>>
absl::StatusOr<Request> iallgather(Comm& comm, V&& object, Container& out) {
  auto [sent, kept] = collectives_internal::Keep(std::forward<V>(object));
  return collectives_internal::AsRequest(
      collectives_internal::StartMany<T, Container>(
          comm, collectives_internal::CollectiveKind::kAllgather, 0, sent,
          nullptr, &out, std::move(kept)));
}

// Starts sending object i of `objects` to rank i (one per rank of the
// remote group on an intercommunicator); its wait returns what every rank
// sent this one, in rank order.
template <typename V, typename T = typename std::decay_t<V>::value_type>
absl::StatusOr<RecvRequest<std::vector<T>>> ialltoall(Comm& comm, V&& objects) {
  auto [sent, kept] = collectives_internal::Keep(std::forward<V>(objects));
  return collectives_internal::AsRecvRequest<std::vector<T>>(
      collectives_internal::StartMany<T, collectives_internal::Received<T>>(
          comm, collectives_internal::CollectiveKind::kAlltoall, 0, nullptr,
          sent, nullptr, std::move(kept)));
}
// The same into `out`, reusing its elements' storage.
template <typename V, typename Container,
          typename T = typename std::decay_t<V>::value_type>
absl::StatusOr<Request> ialltoall(Comm& comm, V&& objects, Container& out) {
  auto [sent, kept] = collectives_internal::Keep(std::forward<V>(objects));
  return collectives_internal::AsRequest(
      collectives_internal::StartMany<T, Container>(
          comm, collectives_internal::CollectiveKind::kAlltoall, 0, nullptr,
          sent, &out, std::move(kept)));
}

// Starts the reduction of every rank's `value` with `op` (reduce.h), on
// every rank; its wait returns the result.
template <typename V, typename Op, typename T = std::decay_t<V>>
absl::StatusOr<RecvRequest<T>> iallreduce(Comm& comm, V&& value, Op op) {
  auto [sent, kept] = collectives_internal::Keep(std::forward<V>(value));
  return collectives_internal::AsRecvRequest<T>(
      collectives_internal::StartAllreduce(
          comm, *sent, static_cast<T*>(nullptr), op, std::move(kept)));
}
// The same into `out` (which may be `value`: in place).
template <typename V, typename Op, typename T = std::decay_t<V>>
absl::StatusOr<Request> iallreduce(Comm& comm, V&& value, T& out, Op op) {
  auto [sent, kept] = collectives_internal::Keep(std::forward<V>(value));
  return collectives_internal::AsRequest(collectives_internal::StartAllreduce(
      comm, *sent, &out, op, std::move(kept)));
}

}  // namespace pkl5

#endif  // PKL5_COLLECTIVES_NONBLOCKING_H_
