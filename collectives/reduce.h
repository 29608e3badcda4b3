// Reductions of objects: reduce, allreduce, scan and exscan for any type
// the serialization layer supports, with any binary op, and at MPI's own
// speed for arithmetic arrays with the standard ops; on intra- and
// intercommunicators (scans on intracommunicators only, as in MPI).
//
//   // Merge every rank's counters (a user op: any callable).
//   absl::StatusOr<Counts> total = pkl5::allreduce(comm, mine,
//       [](const Counts& a, const Counts& b) { return Merged(a, b); });
//   // Element-wise sum of a vector of any size, by MPI_Allreduce.
//   absl::Status status = pkl5::allreduce(comm, field, field, std::plus<>());
//   absl::StatusOr<Best> best = pkl5::reduce(comm, mine, pkl5::minimum<>(), 0);
//
// Ops: `op(a, b)` returns a T (or an absl::StatusOr<T>, whose error stops
// the reduction); it may also throw, which becomes kUnknown. The result
// combines the ranks' values in rank order (rank 0's on the left), so an
// op need not be commutative; wrap it in pkl5::commutative(op) to let a
// rooted reduce run its tree from the root. The standard ops std::plus,
// std::multiplies, std::logical_and, std::logical_or, std::bit_and,
// std::bit_or, std::bit_xor (of void or of the element type) and
// pkl5::minimum, pkl5::maximum are element-wise on a std::vector (every
// rank must pass the same length); with arithmetic elements or scalars
// (and integers for the logical and bitwise ops) MPI computes them, in
// chunks of at most TransportOptions::block_bytes.
//
// Any other reduction runs as a tree over pkl5's own point-to-point
// transfers (each value in a block, its large arrays zero copy after it),
// never as one MPI message of a whole object, so any size works: reduce is
// a binomial tree (log2(ranks) steps), allreduce a reduce to rank 0 and a
// broadcast, scan and exscan recursive doubling.
//
// Forms: each returns its result, or writes it into `out` (reusing its
// storage; `out` may be `value` itself: in place), where this rank gets one:
// reduce at the root (elsewhere the returned T is value-initialized and
// `out` is untouched), allreduce and scan everywhere, exscan everywhere
// but rank 0 (std::nullopt there; `out` untouched). On an
// intercommunicator, roots follow collectives.h (MPI_ROOT, MPI_PROC_NULL,
// the remote root's rank), and a group's result is the reduction of the
// other group's values.
//
// Errors: before anything travels every rank checks that all called the
// same reduction with the same type, op kind, root and (element-wise)
// length; if not, every rank returns kInvalidArgument (where MPI would
// hang or reduce garbage). A failure during the reduction (an op's error,
// a value over DecodeOptions::max_object_bytes) travels in place of the
// value, so every rank whose result depends on it returns it (on an
// intercommunicator, the other group's ranks), and the communicator stays
// usable for the next call.
#ifndef PKL5_COLLECTIVES_REDUCE_H_
#define PKL5_COLLECTIVES_REDUCE_H_

// clang-format off
#include "pkl5/base/config.h"  // first: the C++17 check
// clang-format on

#include <cstdint>
#include <exception>
#include <functional>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/collectives/collectives.h"
#include "pkl5/collectives/internal/native_reduce.h"
#include "pkl5/collectives/internal/reduce_engine.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/serialization/serialization.h"

namespace pkl5 {

// The lesser of two values (the left one when neither is less), as
// MPI_MIN; element-wise on vectors.
template <typename T = void>
struct minimum {
  constexpr const T& operator()(const T& a, const T& b) const {
    return b < a ? b : a;
  }
};
template <>
struct minimum<void> {
  template <typename T>
  constexpr const T& operator()(const T& a, const T& b) const {
    return b < a ? b : a;
  }
};

// The greater of two values (the left one when neither is greater), as
// MPI_MAX; element-wise on vectors.
template <typename T = void>
struct maximum {
  constexpr const T& operator()(const T& a, const T& b) const {
    return a < b ? b : a;
  }
};
template <>
struct maximum<void> {
  template <typename T>
  constexpr const T& operator()(const T& a, const T& b) const {
    return a < b ? b : a;
  }
};

// `op`, marked commutative (op(a, b) == op(b, a)): a rooted reduce may
// then combine values in any order. The standard ops need no mark.
template <typename Op>
struct Commutative {
  Op op;
  template <typename T>
  decltype(auto) operator()(const T& a, const T& b) const {
    return op(a, b);
  }
};
template <typename Op>
Commutative<std::decay_t<Op>> commutative(Op&& op) {
  return {std::forward<Op>(op)};
}

namespace collectives_internal {

enum class StandardOp : uint64_t {
  kNone,
  kSum,
  kProd,
  kMin,
  kMax,
  kLand,
  kLor,
  kBand,
  kBor,
  kBxor
};

template <template <typename> class Std, typename Op, typename E>
inline constexpr bool kIsStd =
    std::is_same_v<Op, Std<void>> || std::is_same_v<Op, Std<E>>;

// Which standard op `Op` is on elements of type `E`.
template <typename Op, typename E>
constexpr StandardOp StandardOpOf() {
  if constexpr (kIsStd<std::plus, Op, E>) return StandardOp::kSum;
  if constexpr (kIsStd<std::multiplies, Op, E>) return StandardOp::kProd;
  if constexpr (kIsStd<minimum, Op, E>) return StandardOp::kMin;
  if constexpr (kIsStd<maximum, Op, E>) return StandardOp::kMax;
  if constexpr (kIsStd<std::logical_and, Op, E>) return StandardOp::kLand;
  if constexpr (kIsStd<std::logical_or, Op, E>) return StandardOp::kLor;
  if constexpr (kIsStd<std::bit_and, Op, E>) return StandardOp::kBand;
  if constexpr (kIsStd<std::bit_or, Op, E>) return StandardOp::kBor;
  if constexpr (kIsStd<std::bit_xor, Op, E>) return StandardOp::kBxor;
  return StandardOp::kNone;
}

inline const char* StandardOpName(StandardOp op) {
  constexpr const char* kNames[] = {
      "a user op",   "plus",       "multiplies", "minimum", "maximum",
      "logical_and", "logical_or", "bit_and",    "bit_or",  "bit_xor"};
  return kNames[static_cast<uint64_t>(op)];
}

inline MPI_Op NativeOp(StandardOp op) {
  switch (op) {
    case StandardOp::kSum:
      return MPI_SUM;
    case StandardOp::kProd:
      return MPI_PROD;
    case StandardOp::kMin:
      return MPI_MIN;
    case StandardOp::kMax:
      return MPI_MAX;
    case StandardOp::kLand:
      return MPI_LAND;
    case StandardOp::kLor:
      return MPI_LOR;
    case StandardOp::kBand:
      return MPI_BAND;
    case StandardOp::kBor:
      return MPI_BOR;
    case StandardOp::kBxor:
      return MPI_BXOR;
    case StandardOp::kNone:
      break;
  }
  return MPI_OP_NULL;
}

template <typename T>
struct VectorElement {
  using type = void;
};
template <typename E, typename A>
struct VectorElement<std::vector<E, A>> {
  using type = E;
};

template <typename Op>
struct UnwrapCommutative {
  using type = Op;
  static constexpr bool kMarked = false;
};
template <typename Op>
struct UnwrapCommutative<Commutative<Op>> {
  using type = Op;
  static constexpr bool kMarked = true;
};

template <typename R>
inline constexpr bool kIsStatusOr = false;
template <typename U>
inline constexpr bool kIsStatusOr<absl::StatusOr<U>> = true;

// How a reduction of T with Op runs.
template <typename T, typename Op>
struct Plan {
  using RawOp = typename UnwrapCommutative<Op>::type;
  using Element = typename VectorElement<T>::type;
  static constexpr bool kVector = !std::is_void_v<Element>;
  // What the standard op applies to: the elements of a vector, or T.
  using Operand = std::conditional_t<kVector, Element, T>;
  static constexpr StandardOp kStandard = StandardOpOf<RawOp, Operand>();
  static constexpr bool kElementWise =
      kVector && kStandard != StandardOp::kNone;
  static constexpr bool kBitwiseOrLogical =
      kStandard == StandardOp::kLand || kStandard == StandardOp::kLor ||
      kStandard == StandardOp::kBand || kStandard == StandardOp::kBor ||
      kStandard == StandardOp::kBxor;
  // MPI computes it: a standard op on arithmetic scalars or vectors of
  // them (logical and bitwise ops on integers only, as MPI defines them).
  static constexpr bool kNative =
      kStandard != StandardOp::kNone && std::is_arithmetic_v<Operand> &&
      !std::is_same_v<Operand, bool> &&
      (!kBitwiseOrLogical || std::is_integral_v<Operand>);
  static constexpr bool kCommutative =
      UnwrapCommutative<Op>::kMarked ||
      (kStandard != StandardOp::kNone && std::is_arithmetic_v<Operand>);
  static constexpr bool kCallable =
      kElementWise || std::is_invocable_v<const RawOp&, const T&, const T&>;

  static uint64_t Signature() {
    return TypeHash<T>() ^
           (0x9e3779b97f4a7c15u * (static_cast<uint64_t>(kStandard) + 1));
  }
  static const std::string& Description() {
    static const std::string* const description = new std::string(
        absl::StrCat(TypeName<T>(), " with ", StandardOpName(kStandard)));
    return *description;
  }
};

// Calls `op(a, b)` with a failure of any kind (returned, thrown, memory)
// as a status naming the rank.
template <typename T, typename Op>
absl::StatusOr<T> CallOp(const Op& op, const T& a, const T& b, int rank) {
  const auto at_rank = [rank](absl::StatusCode code, absl::string_view why) {
    return absl::Status(
        code, absl::StrCat(why, " (the reduction op at rank ", rank, ")"));
  };
  try {
    using Result = std::invoke_result_t<const Op&, const T&, const T&>;
    if constexpr (kIsStatusOr<std::decay_t<Result>>) {
      absl::StatusOr<T> result = op(a, b);
      if (!result.ok()) {
        return at_rank(result.status().code(), result.status().message());
      }
      return result;
    } else {
      return T(op(a, b));
    }
  } catch (const std::bad_alloc&) {
    return at_rank(absl::StatusCode::kResourceExhausted, "out of memory");
  } catch (const std::exception& e) {
    return at_rank(absl::StatusCode::kUnknown,
                   absl::StrCat("the op threw: ", e.what()));
  } catch (...) {
    return at_rank(absl::StatusCode::kUnknown,
                   "the op threw an exception that is not a std::exception");
  }
}

// A standard op applied element by element (lengths were checked alike).
template <typename Op>
struct ElementWise {
  Op op;
  template <typename V>
  V operator()(const V& a, const V& b) const {
    V out(a.size());
    for (size_t i = 0; i < a.size(); ++i) out[i] = op(a[i], b[i]);
    return out;
  }
};

// The slots of a tree reduction. A slot starts as a view of the input
// (nothing is copied until a value is combined or received there), so the
// input's large arrays are sent zero copy.
template <typename T, typename Op>
class ObjectReduction final : public Reduction {
 public:
  ObjectReduction(const T& input, Op op, int rank, const EncodeOptions& encode)
      : op_(std::move(op)), rank_(rank), encode_(encode) {
    for (const T*& current : current_) current = &input;
  }

  std::vector<ConstPiece> Encode(Slot slot) override {
    frames_[slot] = pkl5::Encode(*current_[slot], encode_);
    return PiecesOf(frames_[slot]);
  }
  comm_internal::DecodeTarget& Target(Slot slot) override {
    current_[slot] = &values_[slot];
    return targets_[slot].emplace(values_[slot]);
  }
  absl::Status Combine(Slot into, Slot left, Slot right) override {
    absl::StatusOr<T> combined =
        CallOp(op_, *current_[left], *current_[right], rank_);
    PKL5_RETURN_IF_ERROR(combined.status());
    values_[into] = *std::move(combined);
    current_[into] = &values_[into];
    return absl::OkStatus();
  }
  void Move(Slot to, Slot from) override {
    if (current_[from] == &values_[from]) {
      values_[to] = std::move(values_[from]);
    } else {
      values_[to] = *current_[from];
    }
    current_[to] = &values_[to];
  }
  // Writes the result (kResult) into `out`.
  void Deliver(T& out) {
    if (current_[kResult] == &out) return;
    if (current_[kResult] == &values_[kResult]) {
      out = std::move(values_[kResult]);
    } else {
      out = *current_[kResult];
    }
  }

 private:
  Op op_;
  const int rank_;
  const EncodeOptions encode_;
  const T* current_[3];
  T values_[3]{};
  Frame frames_[3];
  std::optional<comm_internal::ObjectTarget<T>> targets_[3];
};

// The checks of a reduction of T with Op, and what every rank must agree
// on.
template <typename T, typename Op>
ReduceCall CallOf(ReduceKind kind, const T& value, int root) {
  using P = Plan<T, Op>;
  static_assert(P::kCallable,
                "pkl5 reductions take op(const T&, const T&) returning T or "
                "absl::StatusOr<T>, or a standard op (std::plus<>, "
                "pkl5::minimum<>, ...; element-wise on std::vector)");
  ReduceCall call;
  call.kind = kind;
  call.root = root;
  call.commutative = P::kCommutative;
  call.signature = P::Signature();
  if constexpr (P::kElementWise) call.length = value.size();
  call.description = P::Description();
  return call;
}

// The arrays MPI reduces: `value`'s, into `out` where this rank receives a
// result (`out` resized to match).
template <typename T, typename Op>
NativeArrays NativeArraysOf(const T& value, T& out, bool receives) {
  using P = Plan<T, Op>;
  NativeArrays arrays;
  arrays.element_bytes = sizeof(typename P::Operand);
  arrays.type = NativeType<typename P::Operand>();
  arrays.op = NativeOp(P::kStandard);
  if constexpr (P::kVector) {
    arrays.input = value.data();
    arrays.count = value.size();
    if (receives) {
      if (&out != &value) out.resize(value.size());
      arrays.output = out.data();
    }
  } else {
    arrays.input = &value;
    arrays.count = 1;
    if (receives) arrays.output = &out;
  }
  return arrays;
}

// What combines two values: the op itself, or a standard op applied
// element by element.
template <typename T, typename Op>
auto CombinerOf(const Op& op) {
  using P = Plan<T, Op>;
  using RawOp = typename P::RawOp;
  const RawOp& raw = [&]() -> const RawOp& {
    if constexpr (UnwrapCommutative<Op>::kMarked) {
      return op.op;
    } else {
      return op;
    }
  }();
  if constexpr (P::kElementWise) {
    return ElementWise<RawOp>{raw};
  } else {
    return RawOp(raw);
  }
}

// Every reduction: the agreement check, then MPI or the tree.
template <typename T, typename Op>
absl::Status Reduce(Comm& comm, ReduceKind kind, const T& value, T& out,
                    const Op& op, int root) {
  using P = Plan<T, Op>;
  const ReduceCall call = CallOf<T, Op>(kind, value, root);
  PKL5_ASSIGN_OR_RETURN(const ReduceGroup group, StartReduction(comm, call));
  if constexpr (P::kNative) {
    return ReduceNative(group, call,
                        NativeArraysOf<T, Op>(value, out, group.receives));
  } else {
    ObjectReduction<T, decltype(CombinerOf<T>(op))> reduction(
        value, CombinerOf<T>(op), group.rank, group.encode);
    PKL5_RETURN_IF_ERROR(ReduceObjects(group, call, reduction));
    if (group.receives) reduction.Deliver(out);
    return absl::OkStatus();
  }
}

}  // namespace collectives_internal

// The reduction of every rank's `value` into `out` at `root`; `out` is
// untouched elsewhere.
template <typename T, typename Op>
absl::Status reduce(Comm& comm, const T& value, T& out, Op op, int root = 0) {
  return collectives_internal::Reduce(
      comm, collectives_internal::ReduceKind::kReduce, value, out, op, root);
}
// The same, returned at the root; a value-initialized T elsewhere.
template <typename T, typename Op>
absl::StatusOr<T> reduce(Comm& comm, const T& value, Op op, int root = 0) {
  T out{};
  PKL5_RETURN_IF_ERROR(reduce(comm, value, out, op, root));
  return out;
}

// The reduction of every rank's `value` (of the other group's on an
// intercommunicator), on every rank.
template <typename T, typename Op>
absl::Status allreduce(Comm& comm, const T& value, T& out, Op op) {
  return collectives_internal::Reduce(
      comm, collectives_internal::ReduceKind::kAllreduce, value, out, op, 0);
}
template <typename T, typename Op>
absl::StatusOr<T> allreduce(Comm& comm, const T& value, Op op) {
  T out{};
  PKL5_RETURN_IF_ERROR(allreduce(comm, value, out, op));
  return out;
}

// The inclusive prefix reduction: the values of ranks 0..rank.
template <typename T, typename Op>
absl::Status scan(Comm& comm, const T& value, T& out, Op op) {
  return collectives_internal::Reduce(
      comm, collectives_internal::ReduceKind::kScan, value, out, op, 0);
}
template <typename T, typename Op>
absl::StatusOr<T> scan(Comm& comm, const T& value, Op op) {
  T out{};
  PKL5_RETURN_IF_ERROR(scan(comm, value, out, op));
  return out;
}

// The exclusive prefix reduction: the values of ranks 0..rank-1, into
// `out` on every rank but 0 (untouched there).
template <typename T, typename Op>
absl::Status exscan(Comm& comm, const T& value, T& out, Op op) {
  return collectives_internal::Reduce(
      comm, collectives_internal::ReduceKind::kExscan, value, out, op, 0);
}
// The same, returned; std::nullopt at rank 0.
template <typename T, typename Op>
absl::StatusOr<std::optional<T>> exscan(Comm& comm, const T& value, Op op) {
  T out{};
  PKL5_RETURN_IF_ERROR(exscan(comm, value, out, op));
  if (comm.rank() == 0) return std::optional<T>();
  return std::optional<T>(std::move(out));
}

}  // namespace pkl5

#endif  // PKL5_COLLECTIVES_REDUCE_H_
