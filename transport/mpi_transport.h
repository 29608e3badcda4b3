// The transport over MPI: the Transport interface on a Channel.
#ifndef PKL5_TRANSPORT_MPI_TRANSPORT_H_
#define PKL5_TRANSPORT_MPI_TRANSPORT_H_

#include <mpi.h>

#include <memory>

#include "absl/status/statusor.h"
#include "transport/channel.h"
#include "transport/options.h"
#include "transport/transport.h"

namespace pkl5 {

class MpiTransport : public Transport {
 public:
  // Collective over `comm`, like Channel::Create.
  static absl::StatusOr<std::unique_ptr<MpiTransport>> Create(
      MPI_Comm comm, const TransportOptions& options = {});

  Channel& channel() { return *channel_; }

  int rank() const override { return channel_->rank(); }
  int size() const override { return channel_->size(); }
  int peer_count() const override { return channel_->peer_count(); }
  bool is_inter() const override { return channel_->is_inter(); }
  absl::Status Send(absl::Span<const ConstPiece> pieces, int destination,
                    int tag, SendMode mode) override;
  absl::StatusOr<std::unique_ptr<PendingOperation>> StartSend(
      absl::Span<const ConstPiece> pieces, int destination, int tag,
      SendMode mode) override;
  absl::StatusOr<std::unique_ptr<ReceivedObject>> Probe(int source,
                                                        int tag) override;
  absl::StatusOr<std::unique_ptr<ReceivedObject>> TryProbe(int source,
                                                           int tag) override;
  absl::StatusOr<std::unique_ptr<PendingReceive>> StartReceive(
      int source, int tag) override;
  absl::StatusOr<std::optional<ProbedEnvelope>> PeekEnvelope(
      int source, int tag, bool block) override;

 private:
  explicit MpiTransport(std::unique_ptr<Channel> channel)
      : channel_(std::move(channel)) {}

  std::unique_ptr<Channel> channel_;
};

}  // namespace pkl5

#endif  // PKL5_TRANSPORT_MPI_TRANSPORT_H_
