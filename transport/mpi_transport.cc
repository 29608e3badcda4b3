#include "pkl5/transport/mpi_transport.h"

#include <optional>
#include <utility>

#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/transport/internal/incoming_message.h"
#include "pkl5/transport/internal/receive.h"
#include "pkl5/transport/internal/send_operation.h"

namespace pkl5 {
namespace {

using transport_internal::Channel;
using transport_internal::EnvelopeReceive;
using transport_internal::IncomingMessage;
using transport_internal::SendOperation;

class MpiPendingSend : public PendingOperation {
 public:
  explicit MpiPendingSend(std::unique_ptr<SendOperation> send)
      : send_(std::move(send)) {}
  absl::StatusOr<bool> Test() override { return send_->Test(); }
  absl::Status Wait() override { return send_->Wait(); }

 private:
  std::unique_ptr<SendOperation> send_;
};

// A barrier posted with MPI_Ibarrier on the private communicator.
class MpiBarrier : public PendingOperation {
 public:
  explicit MpiBarrier(MPI_Request request) : request_(request) {}
  ~MpiBarrier() override {
    // Only a failed barrier is left unfinished; MPI cannot cancel it.
    if (request_ != MPI_REQUEST_NULL && !base_internal::MpiFinalized()) {
      MPI_Request_free(&request_);
    }
  }
  absl::StatusOr<bool> Test() override {
    int done = 0;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Test(&request_, &done, MPI_STATUS_IGNORE), "MPI_Test (barrier)"));
    return done != 0;
  }
  absl::Status Wait() override {
    return base_internal::MpiCallStatus(MPI_Wait(&request_, MPI_STATUS_IGNORE),
                                        "MPI_Wait (barrier)");
  }

 private:
  MPI_Request request_;
};

std::unique_ptr<ReceivedObject> Wrap(IncomingMessage message) {
  return std::make_unique<IncomingMessage>(std::move(message));
}

class MpiTransport : public Transport {
 public:
  explicit MpiTransport(std::unique_ptr<Channel> channel)
      : channel_(std::move(channel)) {}

  int rank() const override { return channel_->rank(); }
  int size() const override { return channel_->size(); }
  int peer_count() const override { return channel_->peer_count(); }
  bool is_inter() const override { return channel_->is_inter(); }
  absl::Status Send(absl::Span<const ConstPiece> pieces, int destination,
                    int tag, SendMode mode) override;
  absl::Status SendContiguous(absl::Span<const ConstPiece> pieces,
                              int destination, int tag,
                              SendMode mode) override {
    return transport_internal::SendContiguous(*channel_, pieces, destination,
                                              tag, mode);
  }
  absl::StatusOr<std::unique_ptr<PendingOperation>> StartSend(
      absl::Span<const ConstPiece> pieces, int destination, int tag,
      SendMode mode) override;
  absl::StatusOr<std::unique_ptr<ReceivedObject>> Probe(int source,
                                                        int tag) override;
  absl::Status Receive(int source, int tag, Arrival& arrival) override {
    return transport_internal::ReceiveArrival(*channel_, source, tag, arrival);
  }
  absl::StatusOr<std::unique_ptr<ReceivedObject>> TryProbe(int source,
                                                           int tag) override;
  absl::StatusOr<std::unique_ptr<PendingReceive>> StartReceive(
      int source, int tag) override;
  absl::StatusOr<std::optional<ProbedEnvelope>> PeekEnvelope(
      int source, int tag, bool block) override;
  absl::StatusOr<std::unique_ptr<PendingOperation>> StartBarrier() override;

 private:
  std::unique_ptr<Channel> channel_;
};

absl::Status MpiTransport::Send(absl::Span<const ConstPiece> pieces,
                                int destination, int tag, SendMode mode) {
  return transport_internal::Send(*channel_, pieces, destination, tag, mode);
}

absl::StatusOr<std::unique_ptr<PendingOperation>> MpiTransport::StartSend(
    absl::Span<const ConstPiece> pieces, int destination, int tag,
    SendMode mode) {
  PKL5_ASSIGN_OR_RETURN(
      std::unique_ptr<SendOperation> send,
      SendOperation::Start(*channel_, pieces, destination, tag, mode));
  return std::unique_ptr<PendingOperation>(new MpiPendingSend(std::move(send)));
}

absl::StatusOr<std::unique_ptr<ReceivedObject>> MpiTransport::Probe(int source,
                                                                    int tag) {
  PKL5_ASSIGN_OR_RETURN(
      IncomingMessage message,
      transport_internal::ProbeMessage(*channel_, source, tag));
  return Wrap(std::move(message));
}

absl::StatusOr<std::unique_ptr<ReceivedObject>> MpiTransport::TryProbe(
    int source, int tag) {
  PKL5_ASSIGN_OR_RETURN(
      std::optional<IncomingMessage> message,
      transport_internal::TryProbeMessage(*channel_, source, tag));
  if (!message.has_value()) return std::unique_ptr<ReceivedObject>();
  return Wrap(*std::move(message));
}

absl::StatusOr<std::unique_ptr<PendingReceive>> MpiTransport::StartReceive(
    int source, int tag) {
  if (channel_->probes_irecvs()) {
    PKL5_ASSIGN_OR_RETURN(
        std::unique_ptr<transport_internal::ProbedReceive> receive,
        transport_internal::ProbedReceive::Start(*channel_, source, tag));
    return std::unique_ptr<PendingReceive>(std::move(receive));
  }
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<EnvelopeReceive> receive,
                        EnvelopeReceive::Start(*channel_, source, tag));
  return std::unique_ptr<PendingReceive>(std::move(receive));
}

absl::StatusOr<std::optional<ProbedEnvelope>> MpiTransport::PeekEnvelope(
    int source, int tag, bool block) {
  PKL5_RETURN_IF_ERROR(channel_->addresses().CheckReceive(source, tag));
  MPI_Status status;
  int found = 1;
  if (block) {
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Probe(source, tag, channel_->comm(), &status), "MPI_Probe"));
  } else {
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Iprobe(source, tag, channel_->comm(), &found, &status),
        "MPI_Iprobe"));
  }
  if (!found) return std::nullopt;
  return ProbedEnvelope{status.MPI_SOURCE, status.MPI_TAG};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Transport>> CreateMpiTransport(
    MPI_Comm comm, const TransportOptions& options) {
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<Channel> channel,
                        Channel::Create(comm, options));
  return std::make_unique<MpiTransport>(std::move(channel));
}

absl::StatusOr<std::unique_ptr<PendingOperation>> MpiTransport::StartBarrier() {
  MPI_Request request = MPI_REQUEST_NULL;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Ibarrier(channel_->private_comm(), &request), "MPI_Ibarrier"));
  return std::unique_ptr<PendingOperation>(new MpiBarrier(request));
}

}  // namespace pkl5
