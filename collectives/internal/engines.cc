#include "pkl5/collectives/internal/engines.h"

#include <mpi.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/collectives/internal/block.h"
#include "pkl5/collectives/internal/context.h"
#include "pkl5/collectives/internal/parts.h"
#include "pkl5/collectives/internal/receive_from_block.h"
#include "pkl5/comm/comm.h"

namespace pkl5::collectives_internal {
namespace {

absl::Status WaitAll(std::vector<MPI_Request>& requests) {
  return base_internal::MpiCallStatus(
      MPI_Waitall(static_cast<int>(requests.size()), requests.data(),
                  MPI_STATUSES_IGNORE),
      "MPI_Waitall (pkl5 collective)");
}

// Receives object `s` of `blocks` into `target`: from this rank's own
// parts when `s` is this rank, else from rank `s` on the group's tag.
absl::Status ReceiveObject(const Group& group, const char* blocks, int s,
                           bool own, absl::Span<const ConstPiece> own_parts,
                           comm_internal::DecodeTarget& target) {
  const absl::string_view block(blocks + static_cast<size_t>(s) * kBlockBytes,
                                kBlockBytes);
  absl::Status status;
  if (own) {
    LocalSource source(own_parts);
    status = ReceiveFromBlock(block, target, group.decode, source);
  } else {
    RecvSource source(group.comm, s, group.tag, group.block_bytes);
    status = ReceiveFromBlock(block, target, group.decode, source);
  }
  return status.ok() ? status : FromRank(status, s);
}

// Receives the object of every rank in rank order, each straight into its
// target (rank `own_rank`'s, if any, from `own_parts` in memory), then
// waits for this rank's own sends. The first failure in rank order reads
// the same on every rank that received it; a sender that failed itself
// says why (`own_error`).
absl::Status ReceiveEveryRank(
    const Group& group, const std::string& blocks,
    const std::vector<comm_internal::DecodeTarget*>& targets, int own_rank,
    absl::Span<const ConstPiece> own_parts, std::vector<MPI_Request>& requests,
    const absl::Status& own_error) {
  absl::Status first;
  for (int s = 0; s < group.peers; ++s) {
    const bool own = s == own_rank;
    absl::Status status =
        ReceiveObject(group, blocks.data(), s, own,
                      own ? own_parts : absl::Span<const ConstPiece>(),
                      *targets[static_cast<size_t>(s)]);
    if (first.ok()) first = status;
  }
  PKL5_RETURN_IF_ERROR(WaitAll(requests));
  PKL5_RETURN_IF_ERROR(first);
  return own_error;
}

}  // namespace

absl::StatusOr<Group> GroupOf(Comm& comm, bool blocking) {
  PKL5_ASSIGN_OR_RETURN(CollectiveContext * context,
                        CollectiveContext::Of(comm));
  // Nonblocking collectives started earlier post their collective calls
  // first, as they do on every other rank.
  if (blocking) context->AwaitCollectiveCalls();
  Group group;
  group.context = context;
  group.comm = context->comm();
  group.tag = context->NextTag();
  group.rank = comm.rank();
  group.inter = comm.is_inter();
  group.peers = comm.peer_count();
  const CommOptions options = comm.options();  // a copy: take it once
  group.block_bytes = options.transport.block_bytes;
  group.decode = options.decode;
  return group;
}

absl::StatusOr<Roles> RolesOf(const Comm& comm, int root) {
  PKL5_RETURN_IF_ERROR(CheckRoot(comm, root));
  Roles roles;
  if (!comm.is_inter()) {
    roles.root_side = comm.rank() == root;
    roles.member_side = true;
  } else {
    roles.root_side = root == MPI_ROOT;
    roles.member_side = root >= 0;
  }
  return roles;
}

Outgoing WriteBlocks(
    const absl::StatusOr<std::vector<std::vector<ConstPiece>>>& objects,
    size_t count, const DecodeOptions& decode) {
  Outgoing out;
  out.error = objects.status();
  for (size_t i = 0; out.error.ok() && i < objects->size(); ++i) {
    out.error = CheckObjectSize((*objects)[i], decode);
  }
  out.blocks.assign(count * kBlockBytes, '\0');
  out.tables.resize(count);
  out.parts.resize(count);
  for (size_t i = 0; i < count; ++i) {
    char* const block = out.blocks.data() + i * kBlockBytes;
    if (out.error.ok()) {
      out.parts[i] = WriteObjectBlock((*objects)[i], block, out.tables[i]);
    } else {
      WriteErrorBlock(out.error, block);
    }
  }
  return out;
}

Outgoing WriteBlock(std::vector<ConstPiece> pieces,
                    const DecodeOptions& decode) {
  std::vector<std::vector<ConstPiece>> objects;
  objects.push_back(std::move(pieces));
  return WriteBlocks(objects, 1, decode);
}

absl::Status FromRank(const absl::Status& status, int rank) {
  return absl::Status(
      status.code(),
      absl::StrCat(status.message(), " (object of rank ", rank, ")"));
}

absl::Status CheckRoot(const Comm& comm, int root) {
  if (!comm.is_inter()) {
    if (root >= 0 && root < comm.size()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("invalid root ", root,
                                                   ": the communicator has ",
                                                   comm.size(), " ranks"));
  }
  const int peers = comm.peer_count();
  if (root == MPI_ROOT || root == MPI_PROC_NULL ||
      (root >= 0 && root < peers)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid root ", root,
      " on an intercommunicator: pass MPI_ROOT at the root, MPI_PROC_NULL "
      "at the other ranks of its group, and the root's rank in its group "
      "(0..",
      peers - 1, ") at the ranks of the other group"));
}

absl::Status Bcast(Comm& comm, int root, const EncodeOne& encode,
                   TargetOne& target) {
  PKL5_ASSIGN_OR_RETURN(Group group, GroupOf(comm, /*blocking=*/true));
  PKL5_ASSIGN_OR_RETURN(const Roles roles, RolesOf(comm, root));
  Outgoing out;
  if (roles.root_side) {
    out = WriteBlock(encode(), group.decode);
  } else {
    out.blocks.assign(kBlockBytes, '\0');  // receives the root's block
  }
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Bcast(out.blocks.data(), static_cast<int>(kBlockBytes), MPI_BYTE,
                root, group.comm),
      "MPI_Bcast (pkl5 block)"));
  // MPI_PROC_NULL on an intercommunicator: the call is all there is.
  if (!roles.root_side && !roles.member_side) return absl::OkStatus();
  if (roles.root_side) {
    PKL5_RETURN_IF_ERROR(out.error);
    return BcastParts(out.parts[0], group.comm, root, group.block_bytes);
  }
  BcastSource source(group.comm, root, group.block_bytes);
  return ReceiveFromBlock(out.blocks, target, group.decode, source);
}

absl::Status Gather(Comm& comm, int root, const EncodeOne& encode,
                    const MakeTargets& targets) {
  PKL5_ASSIGN_OR_RETURN(Group group, GroupOf(comm, /*blocking=*/true));
  PKL5_ASSIGN_OR_RETURN(const Roles roles, RolesOf(comm, root));
  // Members send; the root receives (on an intracommunicator it is both).
  const bool sends = roles.member_side;
  const bool receives = roles.root_side;
  const Outgoing out = sends ? WriteBlock(encode(), group.decode) : Outgoing();
  const absl::Span<const ConstPiece> parts =
      sends ? absl::Span<const ConstPiece>(out.parts[0])
            : absl::Span<const ConstPiece>();
  std::string blocks(
      receives ? static_cast<size_t>(group.peers) * kBlockBytes : 0, '\0');
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Gather(sends ? out.blocks.data() : nullptr,
                 sends ? static_cast<int>(kBlockBytes) : 0, MPI_BYTE,
                 receives ? blocks.data() : nullptr,
                 static_cast<int>(kBlockBytes), MPI_BYTE, root, group.comm),
      "MPI_Gather (pkl5 blocks)"));
  std::vector<MPI_Request> requests;
  const bool to_self = !group.inter && receives;
  if (sends && out.error.ok() && !to_self) {
    PKL5_RETURN_IF_ERROR(IsendParts(parts, group.comm, root, group.tag,
                                    group.block_bytes, requests));
  }
  if (!receives) {
    PKL5_RETURN_IF_ERROR(WaitAll(requests));
    return out.error;
  }
  return ReceiveEveryRank(
      group, blocks, targets(static_cast<size_t>(group.peers)),
      to_self ? group.rank : -1, parts, requests, out.error);
}

absl::Status Scatter(Comm& comm, int root, const EncodeEach& encode,
                     TargetOne& target) {
  PKL5_ASSIGN_OR_RETURN(Group group, GroupOf(comm, /*blocking=*/true));
  PKL5_ASSIGN_OR_RETURN(const Roles roles, RolesOf(comm, root));
  const bool sends = roles.root_side;
  const bool receives = roles.member_side;
  const size_t peers = static_cast<size_t>(group.peers);
  const Outgoing out =
      sends ? WriteBlocks(encode(peers), peers, group.decode) : Outgoing();
  std::string block(kBlockBytes, '\0');
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Scatter(sends ? out.blocks.data() : nullptr,
                  static_cast<int>(kBlockBytes), MPI_BYTE,
                  receives ? block.data() : nullptr,
                  receives ? static_cast<int>(kBlockBytes) : 0, MPI_BYTE, root,
                  group.comm),
      "MPI_Scatter (pkl5 blocks)"));
  std::vector<MPI_Request> requests;
  const bool to_self = !group.inter && sends;
  if (sends && out.error.ok()) {
    for (int dest = 0; dest < group.peers; ++dest) {
      if (to_self && dest == group.rank) continue;
      PKL5_RETURN_IF_ERROR(IsendParts(out.parts[static_cast<size_t>(dest)],
                                      group.comm, dest, group.tag,
                                      group.block_bytes, requests));
    }
  }
  absl::Status received;
  if (receives) {
    if (to_self) {
      LocalSource source(out.parts[static_cast<size_t>(group.rank)]);
      received = ReceiveFromBlock(block, target, group.decode, source);
    } else {
      RecvSource source(group.comm, root, group.tag, group.block_bytes);
      received = ReceiveFromBlock(block, target, group.decode, source);
    }
  }
  PKL5_RETURN_IF_ERROR(WaitAll(requests));
  PKL5_RETURN_IF_ERROR(received);
  return out.error;
}

absl::Status Allgather(Comm& comm, const EncodeOne& encode,
                       const MakeTargets& targets) {
  PKL5_ASSIGN_OR_RETURN(Group group, GroupOf(comm, /*blocking=*/true));
  const Outgoing out = WriteBlock(encode(), group.decode);
  const std::vector<ConstPiece>& parts = out.parts[0];
  std::string blocks(static_cast<size_t>(group.peers) * kBlockBytes, '\0');
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Allgather(out.blocks.data(), static_cast<int>(kBlockBytes), MPI_BYTE,
                    blocks.data(), static_cast<int>(kBlockBytes), MPI_BYTE,
                    group.comm),
      "MPI_Allgather (pkl5 blocks)"));
  // Every part goes out at once; then the objects are received in rank
  // order, each straight into its place.
  std::vector<MPI_Request> requests;
  if (out.error.ok()) {
    for (int dest = 0; dest < group.peers; ++dest) {
      if (!group.inter && dest == group.rank) continue;
      PKL5_RETURN_IF_ERROR(IsendParts(parts, group.comm, dest, group.tag,
                                      group.block_bytes, requests));
    }
  }
  return ReceiveEveryRank(
      group, blocks, targets(static_cast<size_t>(group.peers)),
      group.inter ? -1 : group.rank, parts, requests, out.error);
}

absl::Status Alltoall(Comm& comm, const EncodeEach& encode,
                      const MakeTargets& targets) {
  PKL5_ASSIGN_OR_RETURN(Group group, GroupOf(comm, /*blocking=*/true));
  const size_t peers = static_cast<size_t>(group.peers);
  const Outgoing out = WriteBlocks(encode(peers), peers, group.decode);
  const std::vector<std::vector<ConstPiece>>& parts = out.parts;
  std::string blocks(peers * kBlockBytes, '\0');
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Alltoall(out.blocks.data(), static_cast<int>(kBlockBytes), MPI_BYTE,
                   blocks.data(), static_cast<int>(kBlockBytes), MPI_BYTE,
                   group.comm),
      "MPI_Alltoall (pkl5 blocks)"));
  std::vector<MPI_Request> requests;
  if (out.error.ok()) {
    for (int dest = 0; dest < group.peers; ++dest) {
      if (!group.inter && dest == group.rank) continue;
      PKL5_RETURN_IF_ERROR(IsendParts(parts[static_cast<size_t>(dest)],
                                      group.comm, dest, group.tag,
                                      group.block_bytes, requests));
    }
  }
  const int own_rank = group.inter ? -1 : group.rank;
  return ReceiveEveryRank(
      group, blocks, targets(peers), own_rank,
      own_rank < 0
          ? absl::Span<const ConstPiece>()
          : absl::Span<const ConstPiece>(parts[static_cast<size_t>(own_rank)]),
      requests, out.error);
}

}  // namespace pkl5::collectives_internal
