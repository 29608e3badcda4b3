#include "pkl5/collectives/internal/nonblocking_engines.h"

#include <mpi.h>

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/collectives/internal/block.h"
#include "pkl5/collectives/internal/parts.h"
#include "pkl5/collectives/internal/receive_from_block.h"
#include "pkl5/comm/internal/comm_access.h"
#include "pkl5/transport/internal/large_count.h"

namespace pkl5::collectives_internal {
namespace {

using transport_internal::ByteLayout;

// Whether `request` (maybe null) completed; an MPI failure is returned.
absl::StatusOr<bool> TestOne(MPI_Request& request, MPI_Status* status) {
  int flag = 1;
  if (request != MPI_REQUEST_NULL) {
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Test(&request, &flag, status), "MPI_Test (pkl5 collective)"));
  }
  return flag != 0;
}

absl::StatusOr<bool> TestEvery(std::vector<MPI_Request>& requests) {
  int flag = 1;
  if (!requests.empty()) {
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Testall(static_cast<int>(requests.size()), requests.data(), &flag,
                    MPI_STATUSES_IGNORE),
        "MPI_Testall (pkl5 collective)"));
  }
  return flag != 0;
}

// The receive of one object: its block, and where its parts come from.
struct Lane {
  enum class From { kLocal, kRecv, kBcast };
  From from = From::kRecv;
  int peer = 0;  // the sender, or the root of a broadcast
  std::optional<ObjectAssembler> assembler;
  std::optional<LocalSource> local;
  // The part in flight, if any, and its layout (checked on arrival).
  MPI_Request request = MPI_REQUEST_NULL;
  std::optional<ByteLayout> layout;
  bool finished = false;
  // An MPI failure moving its parts.
  absl::Status transfer;
};

class ObjectCollective final : public PendingCollective {
 public:
  ObjectCollective(ObjectCall call, const Group& group, const Roles& roles)
      : call_(std::move(call)), group_(group) {
    switch (call_.kind) {
      case CollectiveKind::kBcast:
        sends_ = roles.root_side;
        receives_ = roles.member_side && !roles.root_side;
        break;
      case CollectiveKind::kGather:
        sends_ = roles.member_side;
        receives_ = roles.root_side;
        break;
      case CollectiveKind::kScatter:
        sends_ = roles.root_side;
        receives_ = roles.member_side;
        break;
      case CollectiveKind::kAllgather:
      case CollectiveKind::kAlltoall:
        sends_ = receives_ = true;
        break;
    }
    // On an intracommunicator a rank that sends and receives keeps its
    // own object (or its own share) in memory.
    to_self_ = !group_.inter && sends_ && receives_;
  }

  // Encodes what this rank sends and writes its blocks.
  void Prepare() {
    const size_t peers = static_cast<size_t>(group_.peers);
    if (sends_) {
      const bool each = call_.kind == CollectiveKind::kScatter ||
                        call_.kind == CollectiveKind::kAlltoall;
      out_ = each ? WriteBlocks(call_.encode_each(peers), peers, group_.decode)
                  : WriteBlock(call_.encode_one(), group_.decode);
    } else if (call_.kind == CollectiveKind::kBcast) {
      out_.blocks.assign(kBlockBytes, '\0');  // receives the root's block
    }
    if (receives_ && call_.kind != CollectiveKind::kBcast) {
      const size_t count = call_.kind == CollectiveKind::kScatter ? 1 : peers;
      recv_blocks_.assign(count * kBlockBytes, '\0');
    }
  }

  void Advance(bool turn) override {
    if (done()) return;
    if (stage_ == Stage::kPost) {
      if (!turn) return;
      stage_ = Stage::kBlocks;
      if (absl::Status posted = PostBlocks(); !posted.ok()) {
        Drain(std::move(posted));
      } else if (!BcastPartsFollow()) {
        PostedCollectiveCalls();
      }
    }
    if (stage_ == Stage::kBlocks) {
      absl::StatusOr<bool> arrived = TestOne(block_request_, MPI_STATUS_IGNORE);
      if (!arrived.ok()) return Drain(arrived.status());
      if (!*arrived) return;
      MakeLanes();
      stage_ = Stage::kParts;
    }
    if (stage_ == Stage::kParts) {
      bool all = true;
      for (Lane& lane : lanes_) {
        // Landed may finish the lane (a part arrived truncated).
        if (!lane.finished && Landed(lane) && !lane.finished) Pump(lane, turn);
        all = all && lane.finished;
      }
      if (!all) return;
      PostedCollectiveCalls();
      stage_ = Stage::kSends;
    }
    if (stage_ == Stage::kSends) {
      absl::StatusOr<bool> sent = TestEvery(sends_in_flight_);
      if (!sent.ok()) return Drain(sent.status());
      if (*sent) Finish(Outcome());
      return;
    }
    if (stage_ == Stage::kDrain) {
      // After an MPI failure: nothing may go while MPI still uses it.
      bool all = TestOne(block_request_, MPI_STATUS_IGNORE).value_or(true) &&
                 TestEvery(sends_in_flight_).value_or(true);
      for (Lane& lane : lanes_) {
        all = TestOne(lane.request, MPI_STATUS_IGNORE).value_or(true) && all;
      }
      if (all) Finish(failure_);
    }
  }

 private:
  enum class Stage { kPost, kBlocks, kParts, kSends, kDrain };

  // Only the receivers of a broadcast on an intracommunicator post
  // collective calls after the blocks: one MPI_Ibcast per part (see
  // PostInterBcast for intercommunicators).
  bool BcastPartsFollow() const {
    return call_.kind == CollectiveKind::kBcast && !group_.inter && receives_;
  }

  void Drain(absl::Status failure) {
    failure_ = std::move(failure);
    stage_ = Stage::kDrain;
    PostedCollectiveCalls();  // it posts no more
    Advance(/*turn=*/false);
  }

  // The one MPI collective of every block, then this rank's parts.
  absl::Status PostBlocks() {
    constexpr int kBlock = static_cast<int>(kBlockBytes);
    char* const send = sends_ || call_.kind == CollectiveKind::kBcast
                           ? out_.blocks.data()
                           : nullptr;
    char* const recv = receives_ ? recv_blocks_.data() : nullptr;
    const int root = call_.root;
    const MPI_Comm comm = group_.comm;
    int code = MPI_SUCCESS;
    switch (call_.kind) {
      case CollectiveKind::kBcast:
        if (group_.inter) return PostInterBcast();
        code = MPI_Ibcast(send, kBlock, MPI_BYTE, root, comm, &block_request_);
        break;
      case CollectiveKind::kGather:
        code = MPI_Igather(send, sends_ ? kBlock : 0, MPI_BYTE, recv, kBlock,
                           MPI_BYTE, root, comm, &block_request_);
        break;
      case CollectiveKind::kScatter:
        code =
            MPI_Iscatter(send, kBlock, MPI_BYTE, recv, receives_ ? kBlock : 0,
                         MPI_BYTE, root, comm, &block_request_);
        break;
      case CollectiveKind::kAllgather:
        code = MPI_Iallgather(send, kBlock, MPI_BYTE, recv, kBlock, MPI_BYTE,
                              comm, &block_request_);
        break;
      case CollectiveKind::kAlltoall:
        code = MPI_Ialltoall(send, kBlock, MPI_BYTE, recv, kBlock, MPI_BYTE,
                             comm, &block_request_);
        break;
    }
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        code, "nonblocking MPI collective (pkl5 blocks)"));
    if (!sends_ || !out_.error.ok()) return absl::OkStatus();
    switch (call_.kind) {
      case CollectiveKind::kBcast:
        return IbcastParts(out_.parts[0], comm, root, group_.block_bytes,
                           sends_in_flight_);
      case CollectiveKind::kGather:
        if (to_self_) return absl::OkStatus();
        return IsendParts(out_.parts[0], comm, root, group_.tag,
                          group_.block_bytes, sends_in_flight_);
      case CollectiveKind::kScatter:
      case CollectiveKind::kAllgather:
      case CollectiveKind::kAlltoall:
        for (int dest = 0; dest < group_.peers; ++dest) {
          if (!group_.inter && dest == group_.rank) continue;
          const size_t object =
              out_.parts.size() == 1 ? 0 : static_cast<size_t>(dest);
          PKL5_RETURN_IF_ERROR(IsendParts(out_.parts[object], comm, dest,
                                          group_.tag, group_.block_bytes,
                                          sends_in_flight_));
        }
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  // A broadcast on an intercommunicator goes point to point, block and
  // parts, on the call's tag (MPI's order keeps them in sequence): the
  // root's own group (MPI_PROC_NULL) never learns how many parts follow,
  // and nonblocking MPI collectives need every rank to make the same
  // calls (Open MPI numbers their tags by call count), while MPICH 4.0's
  // MPI_Ibcast on an intercommunicator of 2+2 or 2+3 ranks delivered
  // blocks of zeros or hung here.
  absl::Status PostInterBcast() {
    const MPI_Comm comm = group_.comm;
    if (receives_) {
      return base_internal::MpiCallStatus(
          MPI_Irecv(out_.blocks.data(), static_cast<int>(kBlockBytes), MPI_BYTE,
                    call_.root, group_.tag, comm, &block_request_),
          "MPI_Irecv (pkl5 block)");
    }
    if (!sends_) return absl::OkStatus();  // MPI_PROC_NULL
    for (int dest = 0; dest < group_.peers; ++dest) {
      MPI_Request request = MPI_REQUEST_NULL;
      PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
          MPI_Isend(out_.blocks.data(), static_cast<int>(kBlockBytes), MPI_BYTE,
                    dest, group_.tag, comm, &request),
          "MPI_Isend (pkl5 block)"));
      sends_in_flight_.push_back(request);
      if (out_.error.ok()) {
        PKL5_RETURN_IF_ERROR(IsendParts(out_.parts[0], comm, dest, group_.tag,
                                        group_.block_bytes, sends_in_flight_));
      }
    }
    return absl::OkStatus();
  }

  // One lane per object this rank receives, once the blocks are in.
  void MakeLanes() {
    if (!receives_) return;
    const auto add = [&](Lane::From from, int peer, absl::string_view block,
                         comm_internal::DecodeTarget& target) -> Lane& {
      Lane& lane = lanes_.emplace_back();
      lane.from = from;
      lane.peer = peer;
      lane.assembler.emplace(block, target, group_.decode);
      return lane;
    };
    if (call_.kind == CollectiveKind::kBcast) {
      add(group_.inter ? Lane::From::kRecv : Lane::From::kBcast, call_.root,
          out_.blocks, *call_.target);
    } else if (call_.kind == CollectiveKind::kScatter) {
      Lane& lane = add(to_self_ ? Lane::From::kLocal : Lane::From::kRecv,
                       call_.root, recv_blocks_, *call_.target);
      if (to_self_) {
        lane.local.emplace(out_.parts[static_cast<size_t>(group_.rank)]);
      }
    } else {
      const std::vector<comm_internal::DecodeTarget*> targets =
          call_.targets(static_cast<size_t>(group_.peers));
      for (int s = 0; s < group_.peers; ++s) {
        const bool own = to_self_ && s == group_.rank;
        Lane& lane =
            add(own ? Lane::From::kLocal : Lane::From::kRecv, s,
                absl::string_view(recv_blocks_)
                    .substr(static_cast<size_t>(s) * kBlockBytes, kBlockBytes),
                *targets[static_cast<size_t>(s)]);
        if (own) {
          lane.local.emplace(
              out_.parts[out_.parts.size() == 1
                             ? 0
                             : static_cast<size_t>(group_.rank)]);
        }
      }
    }
  }

  // Whether the lane's part in flight (if any) has landed.
  bool Landed(Lane& lane) {
    MPI_Status status;
    absl::StatusOr<bool> landed = TestOne(lane.request, &status);
    if (landed.ok() && !*landed) return false;
    absl::Status checked = landed.status();
    if (checked.ok() && lane.layout.has_value() &&
        lane.from == Lane::From::kRecv) {
      checked = lane.layout->CheckReceived(status);
    }
    lane.layout.reset();
    if (!checked.ok()) {
      lane.transfer = std::move(checked);
      lane.finished = true;
    }
    return true;
  }

  // Takes the lane's next parts: copies its own, posts the next receive
  // (a broadcast's only with the turn), or finishes the lane.
  void Pump(Lane& lane, bool turn) {
    if (lane.from == Lane::From::kBcast && !turn) return;
    while (std::optional<PartSlot> slot = lane.assembler->Next()) {
      if (lane.from == Lane::From::kLocal) {
        if (absl::Status copied = lane.local->Receive(slot->data, slot->size);
            !copied.ok()) {
          lane.transfer = std::move(copied);
          break;
        }
        continue;
      }
      absl::StatusOr<ByteLayout> layout =
          ByteLayout::Create(slot->size, group_.block_bytes);
      absl::Status posted = layout.status();
      if (posted.ok()) {
        posted = base_internal::MpiCallStatus(
            lane.from == Lane::From::kRecv
                ? MPI_Irecv(slot->data, layout->count(), layout->type(),
                            lane.peer, group_.tag, group_.comm, &lane.request)
                : MPI_Ibcast(slot->data, layout->count(), layout->type(),
                             lane.peer, group_.comm, &lane.request),
            "nonblocking receive (pkl5 part)");
      }
      if (!posted.ok()) {
        lane.transfer = std::move(posted);
        break;
      }
      lane.layout = *std::move(layout);
      return;
    }
    lane.finished = true;
  }

  // As the blocking forms: the first failed object in rank order (named
  // when there are several), else this rank's own failure as a sender.
  absl::Status Outcome() const {
    const bool several = lanes_.size() > 1 ||
                         call_.kind == CollectiveKind::kGather ||
                         call_.kind == CollectiveKind::kAllgather ||
                         call_.kind == CollectiveKind::kAlltoall;
    for (size_t s = 0; s < lanes_.size(); ++s) {
      const Lane& lane = lanes_[s];
      absl::Status status = lane.assembler->status();
      if (status.ok()) status = lane.transfer;
      if (!status.ok()) {
        return several ? FromRank(status, static_cast<int>(s)) : status;
      }
    }
    return out_.error;
  }

  ObjectCall call_;
  const Group group_;
  bool sends_ = false;
  bool receives_ = false;
  bool to_self_ = false;
  Stage stage_ = Stage::kPost;
  // What this rank sends; a broadcast's receivers get the block in it.
  Outgoing out_;
  std::string recv_blocks_;
  absl::Status failure_;
  MPI_Request block_request_ = MPI_REQUEST_NULL;
  std::vector<MPI_Request> sends_in_flight_;
  std::deque<Lane> lanes_;
};

class AllreduceCollective final : public PendingCollective {
 public:
  AllreduceCollective(const ReduceGroup& group, const ReduceCall& call,
                      const NativeArrays* native,
                      std::unique_ptr<PendingCollective> gather)
      : group_(group), call_(call), gather_(std::move(gather)) {
    if (native != nullptr) native_ = *native;
  }

  void Advance(bool turn) override {
    if (done()) return;
    if (stage_ == Stage::kPost) {
      if (!turn) return;
      agreement_ = AgreementOf(call_, group_.inter, group_.own_error);
      absl::Status posted = base_internal::MpiCallStatus(
          MPI_Iallreduce(MPI_IN_PLACE, agreement_.values, Agreement::kValues,
                         MPI_UINT64_T, MPI_MAX, group_.both, &check_),
          "MPI_Iallreduce (pkl5 reduction check)");
      if (!posted.ok()) return Finish(posted);
      stage_ = Stage::kCheck;
    }
    if (stage_ == Stage::kCheck) {
      absl::StatusOr<bool> checked = TestOne(check_, MPI_STATUS_IGNORE);
      if (!checked.ok()) return Finish(checked.status());
      if (!*checked) return;
      absl::Status verdict =
          AgreementVerdict(agreement_, call_, group_.own_error);
      if (!verdict.ok()) return Finish(verdict);
      stage_ = Stage::kRun;
      if (native_.has_value()) {
        failure_ = StartNativeAllreduce(group_, *native_, scratch_, chunks_);
        PostedCollectiveCalls();
      }
    }
    if (native_.has_value()) {
      // After a failure, what was posted still completes first.
      absl::StatusOr<bool> reduced = TestEvery(chunks_);
      if (!reduced.ok() && failure_.ok()) failure_ = reduced.status();
      if (!reduced.ok() || *reduced) Finish(failure_);
      return;
    }
    gather_->Advance(turn);
    if (gather_->posted_collective_calls()) PostedCollectiveCalls();
    if (gather_->done()) Finish(gather_->status());
  }

 private:
  enum class Stage { kPost, kCheck, kRun };

  const ReduceGroup group_;
  const ReduceCall call_;
  // The arrays MPI reduces; else the values are gathered (gather_).
  std::optional<NativeArrays> native_;
  std::unique_ptr<PendingCollective> gather_;
  Stage stage_ = Stage::kPost;
  Agreement agreement_;
  MPI_Request check_ = MPI_REQUEST_NULL;
  std::vector<char> scratch_;
  std::vector<MPI_Request> chunks_;
  absl::Status failure_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PendingCollective>> CreateObjectCollective(
    Comm& comm, ObjectCall call) {
  PKL5_ASSIGN_OR_RETURN(const Group group, GroupOf(comm, /*blocking=*/false));
  Roles roles{true, true};
  if (call.kind != CollectiveKind::kAllgather &&
      call.kind != CollectiveKind::kAlltoall) {
    PKL5_ASSIGN_OR_RETURN(roles, RolesOf(comm, call.root));
  }
  auto collective =
      std::make_unique<ObjectCollective>(std::move(call), group, roles);
  collective->Prepare();
  return collective;
}

absl::StatusOr<std::unique_ptr<PendingCollective>> CreateAllreduce(
    Comm& comm, const ReduceCall& call, const NativeArrays* native,
    ObjectCall gather) {
  PKL5_ASSIGN_OR_RETURN(const ReduceGroup group,
                        ReduceGroupOf(comm, call, /*blocking=*/false));
  std::unique_ptr<PendingCollective> gathering;
  if (native == nullptr) {
    PKL5_ASSIGN_OR_RETURN(gathering,
                          CreateObjectCollective(comm, std::move(gather)));
  } else {
    // The gather's tag, taken all the same: ranks that called with other
    // ops (which the check then reports) keep their tags in step.
    group.context->NextTag();
  }
  return std::make_unique<AllreduceCollective>(group, call, native,
                                               std::move(gathering));
}

CollectiveRequestState::CollectiveRequestState(
    std::shared_ptr<comm_internal::CommState> comm, CollectiveContext* context,
    std::unique_ptr<Holder> holder,
    std::unique_ptr<PendingCollective> collective)
    : context_(context),
      holder_(std::move(holder)),
      collective_(std::move(collective)) {
  comm_ = std::move(comm);
}

absl::StatusOr<std::unique_ptr<CollectiveRequestState>>
CollectiveRequestState::Start(Comm& comm, std::unique_ptr<Holder> holder,
                              std::unique_ptr<PendingCollective> collective) {
  PKL5_ASSIGN_OR_RETURN(std::shared_ptr<comm_internal::CommState> state,
                        comm_internal::CommAccess::State(comm));
  PKL5_ASSIGN_OR_RETURN(CollectiveContext * context,
                        CollectiveContext::Of(comm));
  std::unique_ptr<CollectiveRequestState> request(new CollectiveRequestState(
      state, context, std::move(holder), std::move(collective)));
  context->Add(request->collective_.get());
  context->Advance();  // posts at once when it is its turn
  state->progress.Add(request.get());
  return request;
}

CollectiveRequestState::~CollectiveRequestState() {
  // After MPI_Finalize the context went with MPI's attributes, and no MPI
  // call may be made: nothing is in flight any more that MPI could touch.
  comm_->progress.Remove(this);
  if (base_internal::MpiFinalized()) return;
  while (!collective_->done()) context_->Advance();
  context_->Remove(collective_.get());
}

absl::StatusOr<bool> CollectiveRequestState::Test() {
  if (!finished_) {
    context_->Advance();
    if (!collective_->done()) return false;
    finished_ = true;
    error_ = collective_->status();
    if (error_.ok()) error_ = holder_->Finish();
    holds_object_ = error_.ok() && holder_->Result() != nullptr;
  }
  PKL5_RETURN_IF_ERROR(error_);
  return true;
}

absl::Status CollectiveRequestState::Wait() {
  while (true) {
    PKL5_ASSIGN_OR_RETURN(const bool done, Test());
    if (done) return absl::OkStatus();
    // This rank's posted receives, and other pending calls, meanwhile.
    comm_->progress.Advance(this);
  }
}

bool CollectiveRequestState::TryAdvance() {
  context_->TryAdvance();
  return !collective_->done();
}

}  // namespace pkl5::collectives_internal
