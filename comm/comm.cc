#include "pkl5/comm/comm.h"

#include <vector>

namespace pkl5 {

std::shared_ptr<comm_internal::CommState> Comm::MakeState(
    std::shared_ptr<Transport> transport, MPI_Comm comm,
    const CommOptions& options, comm_internal::ThreadPolicy threads) {
  auto state = std::make_shared<comm_internal::CommState>();
  state->threads = threads;
  state->progress.SetConcurrent(threads.concurrent());
  state->transport = std::move(transport);
  state->comm = comm;
  state->options = options;
  return state;
}

absl::StatusOr<std::shared_ptr<comm_internal::CommState>> Comm::State() const {
  std::shared_ptr<comm_internal::CommState> state = Current();
  if (state != nullptr) {
    PKL5_RETURN_IF_ERROR(state->threads.CheckCallingThread());
    return state;
  }
  return NullCommunicatorError();
}

absl::Status Comm::NullCommunicatorError() {
  return absl::FailedPreconditionError(
      "null pkl5 communicator (default-constructed, moved from or freed)");
}

MPI_Comm Comm::mpi_comm() const {
  const std::shared_ptr<comm_internal::CommState> state = Current();
  return state == nullptr ? MPI_COMM_NULL : state->comm;
}
int Comm::rank() const {
  const std::shared_ptr<comm_internal::CommState> state = Current();
  return state == nullptr ? MPI_UNDEFINED : state->transport->rank();
}
int Comm::size() const {
  const std::shared_ptr<comm_internal::CommState> state = Current();
  return state == nullptr ? 0 : state->transport->size();
}
int Comm::peer_count() const {
  const std::shared_ptr<comm_internal::CommState> state = Current();
  return state == nullptr ? 0 : state->transport->peer_count();
}
bool Comm::is_inter() const {
  const std::shared_ptr<comm_internal::CommState> state = Current();
  return state != nullptr && state->transport->is_inter();
}
CommOptions Comm::options() const {
  const std::shared_ptr<comm_internal::CommState> state = Current();
  return state == nullptr ? CommOptions() : state->options;
}

absl::Status Comm::SendFrame(
    const std::shared_ptr<comm_internal::CommState>& state, Frame& frame,
    int dest, int tag, SendMode mode) {
  if (dest == MPI_PROC_NULL) {
    return state->transport->Send({}, dest, tag, mode);
  }
  if (state->progress.AnyBesides(nullptr)) {
    // A blocking MPI send could wait for a peer that waits for the parts of
    // one of this rank's posted receives: send nonblocking and advance them.
    PKL5_ASSIGN_OR_RETURN(
        std::unique_ptr<comm_internal::SendState> send,
        comm_internal::SendState::Start(state, nullptr, std::move(frame), dest,
                                        tag, mode));
    frame = Frame();
    return send->Wait();
  }
  const absl::Status sent = state->transport->Send(
      comm_internal::FramePieces(frame), dest, tag, mode);
  // The thread keeps a small frame's memory for its next send, not a large
  // one's, and never views into the object just sent.
  if (frame.inband.capacity() > kKeptSendBytes ||
      frame.header.capacity() > kKeptSendBytes || !frame.buffers.empty()) {
    frame = Frame();
  }
  return sent;
}

absl::StatusOr<std::unique_ptr<ReceivedObject>> Comm::ProbeAdvancing(
    comm_internal::CommState& state, int source, int tag) {
  std::unique_ptr<ReceivedObject> object;
  // Blocking in MPI_Mprobe could wait for a peer that waits for the parts
  // of one of this rank's posted receives: poll and advance them instead.
  while (object == nullptr && state.progress.AnyBesides(nullptr)) {
    PKL5_ASSIGN_OR_RETURN(object, state.transport->TryProbe(source, tag));
    if (object == nullptr) state.progress.Advance(nullptr);
  }
  if (object == nullptr) {
    PKL5_ASSIGN_OR_RETURN(object, state.transport->Probe(source, tag));
  }
  return object;
}

absl::Status Comm::ArriveAdvancing(comm_internal::CommState& state, int source,
                                   int tag, Arrival& arrival) {
  PKL5_ASSIGN_OR_RETURN(arrival.object, ProbeAdvancing(state, source, tag));
  return absl::OkStatus();
}

absl::Status Comm::ReceiveRest(comm_internal::CommState& state,
                               ReceivedObject& object,
                               comm_internal::DecodeTarget& target,
                               Status* status) {
  if (status != nullptr) *status = comm_internal::StatusOf(object);
  return comm_internal::ReceiveObject(object, target, state.options.decode,
                                      state.progress);
}

absl::StatusOr<Message> Comm::mprobe(int source, int tag, Status* status) {
  PKL5_ASSIGN_OR_RETURN(std::shared_ptr<comm_internal::CommState> state,
                        State());
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<ReceivedObject> object,
                        ProbeAdvancing(*state, source, tag));
  if (status != nullptr) *status = comm_internal::StatusOf(*object);
  return Message(std::move(state), std::move(object));
}

absl::StatusOr<std::optional<Message>> Comm::improbe(int source, int tag,
                                                     Status* status) {
  PKL5_ASSIGN_OR_RETURN(std::shared_ptr<comm_internal::CommState> state,
                        State());
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<ReceivedObject> object,
                        state->transport->TryProbe(source, tag));
  if (object == nullptr) return std::nullopt;
  if (status != nullptr) *status = comm_internal::StatusOf(*object);
  return std::optional<Message>(Message(std::move(state), std::move(object)));
}

absl::Status Comm::probe(int source, int tag, Status* status) {
  return PeekObject(source, tag, status, /*block=*/true).status();
}

absl::Status Comm::barrier() {
  PKL5_ASSIGN_OR_RETURN(std::shared_ptr<comm_internal::CommState> state,
                        State());
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<PendingOperation> barrier,
                        state->transport->StartBarrier());
  return comm_internal::WaitAdvancing(
      state->progress, /*self=*/nullptr, /*self_listed=*/false,
      [&] { return barrier->Test(); }, [&] { return barrier->Wait(); });
}

absl::StatusOr<bool> Comm::iprobe(int source, int tag, Status* status) {
  return PeekObject(source, tag, status, /*block=*/false);
}

absl::StatusOr<bool> Comm::PeekObject(int source, int tag, Status* status,
                                      bool block) {
  PKL5_ASSIGN_OR_RETURN(std::shared_ptr<comm_internal::CommState> state,
                        State());
  std::optional<ProbedEnvelope> found;
  while (block && state->progress.AnyBesides(nullptr)) {  // as in mprobe
    PKL5_ASSIGN_OR_RETURN(found,
                          state->transport->PeekEnvelope(source, tag, false));
    if (found.has_value()) break;
    state->progress.Advance(nullptr);
  }
  if (!found.has_value()) {
    PKL5_ASSIGN_OR_RETURN(found,
                          state->transport->PeekEnvelope(source, tag, block));
  }
  if (!found.has_value()) return false;
  if (status != nullptr) {
    *status = Status();
    status->source = found->source;
    status->tag = found->tag;
  }
  return true;
}

}  // namespace pkl5
