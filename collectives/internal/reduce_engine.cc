#include "pkl5/collectives/internal/reduce_engine.h"

#include <mpi.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/collectives/internal/block.h"
#include "pkl5/collectives/internal/context.h"
#include "pkl5/collectives/internal/engines.h"
#include "pkl5/collectives/internal/parts.h"
#include "pkl5/collectives/internal/receive_from_block.h"

namespace pkl5::collectives_internal {
namespace {

using Slot = Reduction::Slot;

const char* KindName(ReduceKind kind) {
  switch (kind) {
    case ReduceKind::kReduce:
      return "reduce";
    case ReduceKind::kAllreduce:
      return "allreduce";
    case ReduceKind::kScan:
      return "scan";
    case ReduceKind::kExscan:
      return "exscan";
  }
  return "reduction";
}

}  // namespace

Agreement AgreementOf(const ReduceCall& call, bool inter,
                      const absl::Status& own_error) {
  uint64_t mine[Agreement::kFields] = {};
  mine[Agreement::kBadRoot] = own_error.ok() ? 0 : 1;
  mine[Agreement::kKind] = static_cast<uint64_t>(call.kind);
  mine[Agreement::kSignature] = call.signature;
  mine[Agreement::kLength] = call.length;
  mine[Agreement::kCommutative] = call.commutative ? 1 : 0;
  // Roots differ by design between an intercommunicator's groups.
  mine[Agreement::kRoot] = inter ? 0 : static_cast<uint64_t>(call.root);
  Agreement agreement;
  for (int i = 0; i < Agreement::kFields; ++i) {
    agreement.values[i] = mine[i];
    agreement.values[Agreement::kFields + i] = ~mine[i];
  }
  return agreement;
}

absl::Status AgreementVerdict(const Agreement& agreement,
                              const ReduceCall& call,
                              const absl::Status& own_error) {
  using A = Agreement;
  const uint64_t* values = agreement.values;
  const auto least = [&](int field) { return ~values[A::kFields + field]; };
  const auto greatest = [&](int field) { return values[field]; };
  const auto differs = [&](int field) {
    return least(field) != greatest(field);
  };
  const std::string name = absl::StrCat("pkl5 ", KindName(call.kind));
  if (!own_error.ok()) return own_error;
  if (differs(A::kBadRoot)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": another rank passed an invalid root"));
  }
  if (differs(A::kKind)) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": the ranks called different reductions at the same point"));
  }
  if (differs(A::kSignature)) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": the ranks passed different types or ops (this rank: ",
        call.description, ")"));
  }
  if (differs(A::kLength)) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": an element-wise reduction of vectors of different lengths (",
        least(A::kLength), " to ", greatest(A::kLength),
        " elements); every rank must pass the same length"));
  }
  if (differs(A::kCommutative)) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": some ranks marked the op commutative and some did not"));
  }
  if (differs(A::kRoot)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": the ranks passed different roots (",
                     least(A::kRoot), " to ", greatest(A::kRoot), ")"));
  }
  return absl::OkStatus();
}

namespace {

// One MPI_Allreduce of the agreement (MPI_MAX of each field and of its
// complement, so the least and the greatest) tells every rank whether all
// called alike; if not, every rank returns kInvalidArgument and nothing
// else travels.
absl::Status CheckAgreement(MPI_Comm both, bool inter, const ReduceCall& call,
                            const absl::Status& own_error) {
  Agreement agreement = AgreementOf(call, inter, own_error);
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Allreduce(MPI_IN_PLACE, agreement.values, Agreement::kValues,
                    MPI_UINT64_T, MPI_MAX, both),
      "MPI_Allreduce (pkl5 reduction check)"));
  return AgreementVerdict(agreement, call, own_error);
}

// The block of `slot`'s value and the parts that follow it (WriteBlock);
// or, when `error` is not OK or the value is over the receivers'
// max_object_bytes (which then becomes `error`), the block of the error.
Outgoing WriteValueBlock(Reduction& reduction, Slot slot,
                         const DecodeOptions& decode, absl::Status& error) {
  Outgoing value = error.ok() ? WriteBlock(reduction.Encode(slot), decode)
                              : WriteBlocks(error, 1, decode);
  error = value.error;
  return value;
}

// The sends of one value: its block (the value's envelope, or an error)
// and the parts after it, posted as nonblocking sends so that two ranks
// may exchange values, then waited for.
class ValueSends {
 public:
  // Posts `slot`'s value to `dest`, or `error` instead (WriteValueBlock).
  absl::Status Post(Reduction& reduction, Slot slot, absl::Status& error,
                    const ReduceGroup& group, MPI_Comm comm, int dest) {
    value_ = WriteValueBlock(reduction, slot, group.decode, error);
    MPI_Request request = MPI_REQUEST_NULL;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Isend(value_.blocks.data(), static_cast<int>(kBlockBytes), MPI_BYTE,
                  dest, group.tag, comm, &request),
        "MPI_Isend (pkl5 reduction block)"));
    requests_.push_back(request);
    return IsendParts(value_.parts[0], comm, dest, group.tag, group.block_bytes,
                      requests_);
  }
  absl::Status Wait() {
    const int code = MPI_Waitall(static_cast<int>(requests_.size()),
                                 requests_.data(), MPI_STATUSES_IGNORE);
    requests_.clear();
    return base_internal::MpiCallStatus(code, "MPI_Waitall (pkl5 reduction)");
  }

 private:
  Outgoing value_;
  std::vector<MPI_Request> requests_;
};

// Receives a value from `source` into `slot`: its error if it sent one.
absl::Status ReceiveValue(Reduction& reduction, Slot slot,
                          const ReduceGroup& group, MPI_Comm comm, int source) {
  std::string block(kBlockBytes, '\0');
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Recv(block.data(), static_cast<int>(kBlockBytes), MPI_BYTE, source,
               group.tag, comm, MPI_STATUS_IGNORE),
      "MPI_Recv (pkl5 reduction block)"));
  RecvSource parts(comm, source, group.tag, group.block_bytes);
  return ReceiveFromBlock(block, reduction.Target(slot), group.decode, parts);
}

// Sends a value and waits for its sends.
absl::Status SendValue(Reduction& reduction, Slot slot, absl::Status& error,
                       const ReduceGroup& group, MPI_Comm comm, int dest) {
  ValueSends out;
  PKL5_RETURN_IF_ERROR(out.Post(reduction, slot, error, group, comm, dest));
  return out.Wait();
}

// Combines unless `error` is already set; the op's failure becomes it.
void CombineUnlessFailed(Reduction& reduction, Slot into, Slot left, Slot right,
                         absl::Status& error) {
  if (error.ok()) error = reduction.Combine(into, left, right);
}

// The binomial tree over `local` (`size` ranks) toward `target`: each rank
// receives the partial results of its subtrees, combines them into
// kResult and sends that to its parent. With target 0 every combination
// keeps rank order (the lower ranks' value on the left), so any op works;
// toward another target the order is rotated, which only a commutative op
// allows. Returns the MPI failure, if any; `error` is the value's.
absl::Status TreeReduce(Reduction& reduction, const ReduceGroup& group,
                        int target, absl::Status& error) {
  const int n = group.size;
  const int relative = (group.rank - target + n) % n;
  for (int mask = 1; mask < n; mask <<= 1) {
    if ((relative & mask) != 0) {
      const int parent = (relative - mask + target) % n;
      return SendValue(reduction, Reduction::kResult, error, group, group.local,
                       parent);
    }
    if (relative + mask < n) {
      const int child = (relative + mask + target) % n;
      const absl::Status received = ReceiveValue(
          reduction, Reduction::kIncoming, group, group.local, child);
      if (error.ok()) error = received;
      CombineUnlessFailed(reduction, Reduction::kResult, Reduction::kResult,
                          Reduction::kIncoming, error);
    }
  }
  return absl::OkStatus();
}

// Broadcasts local rank 0's kResult (or its `error`) within the own group:
// the block with MPI_Bcast, the parts after it likewise. Returns what every
// rank holds: OK with the value in kResult, or the error.
absl::Status BcastResult(Reduction& reduction, const ReduceGroup& group,
                         absl::Status error) {
  Outgoing value;
  if (group.rank == 0) {
    value = WriteValueBlock(reduction, Reduction::kResult, group.decode, error);
  } else {
    value.blocks.assign(kBlockBytes, '\0');  // receives rank 0's block
  }
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Bcast(value.blocks.data(), static_cast<int>(kBlockBytes), MPI_BYTE, 0,
                group.local),
      "MPI_Bcast (pkl5 reduction block)"));
  if (group.rank == 0) {
    PKL5_RETURN_IF_ERROR(
        BcastParts(value.parts[0], group.local, 0, group.block_bytes));
    return error;
  }
  BcastSource source(group.local, 0, group.block_bytes);
  return ReceiveFromBlock(value.blocks, reduction.Target(Reduction::kResult),
                          group.decode, source);
}

// reduce on an intracommunicator: a tree toward the root (commutative), or
// toward rank 0 in rank order and then to the root.
absl::Status ReduceIntra(Reduction& reduction, const ReduceGroup& group,
                         const ReduceCall& call, absl::Status& error) {
  const int target = call.commutative ? call.root : 0;
  PKL5_RETURN_IF_ERROR(TreeReduce(reduction, group, target, error));
  if (target == call.root) return absl::OkStatus();
  if (group.rank == 0) {
    return SendValue(reduction, Reduction::kResult, error, group, group.local,
                     call.root);
  }
  if (group.rank == call.root) {
    error = ReceiveValue(reduction, Reduction::kResult, group, group.local, 0);
  }
  return absl::OkStatus();
}

// reduce on an intercommunicator: the members' group reduces to its rank
// 0, which sends the value to the root in the other group.
absl::Status ReduceInter(Reduction& reduction, const ReduceGroup& group,
                         const ReduceCall& call, absl::Status& error) {
  if (group.receives) {
    error = ReceiveValue(reduction, Reduction::kResult, group, group.comm, 0);
    return absl::OkStatus();
  }
  if (!group.sends) return absl::OkStatus();
  PKL5_RETURN_IF_ERROR(TreeReduce(reduction, group, 0, error));
  if (group.rank != 0) return absl::OkStatus();
  return SendValue(reduction, Reduction::kResult, error, group, group.comm,
                   call.root);
}

// allreduce: each group reduces to its rank 0 in rank order; on an
// intercommunicator the two ranks 0 swap their groups' values; rank 0
// broadcasts the result to its group.
absl::Status Allreduce(Reduction& reduction, const ReduceGroup& group,
                       absl::Status& error) {
  PKL5_RETURN_IF_ERROR(TreeReduce(reduction, group, 0, error));
  if (group.inter && group.rank == 0) {
    ValueSends out;
    absl::Status sent = error;
    PKL5_RETURN_IF_ERROR(
        out.Post(reduction, Reduction::kResult, sent, group, group.comm, 0));
    const absl::Status received =
        ReceiveValue(reduction, Reduction::kIncoming, group, group.comm, 0);
    PKL5_RETURN_IF_ERROR(out.Wait());
    // This group's failure went to the other group, whose result it is.
    error = received;
    if (error.ok()) reduction.Move(Reduction::kResult, Reduction::kIncoming);
  }
  error = BcastResult(reduction, group, error);
  return absl::OkStatus();
}

// scan and exscan by recursive doubling (MPICH's algorithm): at step k each
// rank swaps its partial reduction with rank ^ 2^k; the higher of the two
// puts the lower's on the left of both its partial and its result, the
// lower puts the higher's on the right of its partial only. A failure
// reaches the partials and results it would have been part of.
absl::Status Scan(Reduction& reduction, const ReduceGroup& group,
                  bool exclusive, absl::Status& error) {
  absl::Status partial_error = error;
  // exscan: whether kResult holds a value from below yet.
  bool has_result = !exclusive;
  for (int mask = 1; mask < group.size; mask <<= 1) {
    const int partner = group.rank ^ mask;
    if (partner >= group.size) continue;
    ValueSends out;
    absl::Status sent = partial_error;
    PKL5_RETURN_IF_ERROR(out.Post(reduction, Reduction::kPartial, sent, group,
                                  group.local, partner));
    absl::Status received = ReceiveValue(reduction, Reduction::kIncoming, group,
                                         group.local, partner);
    PKL5_RETURN_IF_ERROR(out.Wait());
    if (partial_error.ok()) partial_error = sent;
    if (group.rank < partner) {
      if (partial_error.ok()) partial_error = received;
      CombineUnlessFailed(reduction, Reduction::kPartial, Reduction::kPartial,
                          Reduction::kIncoming, partial_error);
      continue;
    }
    if (!exclusive || has_result) {
      if (error.ok()) error = received;
      CombineUnlessFailed(reduction, Reduction::kResult, Reduction::kIncoming,
                          Reduction::kResult, error);
    }
    if (partial_error.ok()) partial_error = received;
    CombineUnlessFailed(reduction, Reduction::kPartial, Reduction::kIncoming,
                        Reduction::kPartial, partial_error);
    if (exclusive && !has_result) {
      // The first value from below is the result so far.
      if (error.ok()) error = received;
      if (error.ok()) reduction.Move(Reduction::kResult, Reduction::kIncoming);
      has_result = true;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReduceGroup> ReduceGroupOf(Comm& comm, const ReduceCall& call,
                                          bool blocking) {
  PKL5_ASSIGN_OR_RETURN(CollectiveContext * context,
                        CollectiveContext::Of(comm));
  // Nonblocking collectives started earlier post their collective calls
  // first, as they do on every other rank.
  if (blocking) context->AwaitCollectiveCalls();
  if (comm.is_inter() &&
      (call.kind == ReduceKind::kScan || call.kind == ReduceKind::kExscan)) {
    return absl::InvalidArgumentError(
        absl::StrCat("pkl5 ", KindName(call.kind),
                     ": MPI defines scans on intracommunicators only"));
  }
  PKL5_ASSIGN_OR_RETURN(const CollectiveContext::Groups groups,
                        context->GroupComms());
  ReduceGroup group;
  group.context = context;
  group.comm = context->comm();
  group.local = groups.local;
  group.both = groups.both;
  group.tag = context->NextTag();
  group.rank = comm.rank();
  group.size = comm.size();
  group.inter = comm.is_inter();
  const CommOptions options = comm.options();  // a copy: take it once
  group.block_bytes = options.transport.block_bytes;
  group.encode = options.encode;
  group.decode = options.decode;
  group.sends = true;
  switch (call.kind) {
    case ReduceKind::kReduce:
      group.receives =
          group.inter ? call.root == MPI_ROOT : group.rank == call.root;
      group.sends = !group.inter || call.root >= 0;
      break;
    case ReduceKind::kAllreduce:
    case ReduceKind::kScan:
      group.receives = true;
      break;
    case ReduceKind::kExscan:
      group.receives = group.rank != 0;
      break;
  }
  group.own_error = call.kind == ReduceKind::kReduce
                        ? CheckRoot(comm, call.root)
                        : absl::OkStatus();
  return group;
}

absl::StatusOr<ReduceGroup> StartReduction(Comm& comm, const ReduceCall& call) {
  PKL5_ASSIGN_OR_RETURN(ReduceGroup group,
                        ReduceGroupOf(comm, call, /*blocking=*/true));
  PKL5_RETURN_IF_ERROR(
      CheckAgreement(group.both, group.inter, call, group.own_error));
  return group;
}

absl::Status ReduceObjects(const ReduceGroup& group, const ReduceCall& call,
                           Reduction& reduction) {
  absl::Status error;
  switch (call.kind) {
    case ReduceKind::kReduce:
      PKL5_RETURN_IF_ERROR(group.inter
                               ? ReduceInter(reduction, group, call, error)
                               : ReduceIntra(reduction, group, call, error));
      break;
    case ReduceKind::kAllreduce:
      PKL5_RETURN_IF_ERROR(Allreduce(reduction, group, error));
      break;
    case ReduceKind::kScan:
    case ReduceKind::kExscan:
      PKL5_RETURN_IF_ERROR(
          Scan(reduction, group, call.kind == ReduceKind::kExscan, error));
      break;
  }
  return error;
}

}  // namespace pkl5::collectives_internal
