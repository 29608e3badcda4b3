// A pkl5 message whose envelope has arrived: its pieces, some inline in the
// envelope, the rest waiting on the private channel, received in order.
//
//   // header and in-band bytes first, to learn where the buffers go
//   PKL5_ASSIGN_OR_RETURN(std::string header, message.ReceiveNextAsString());
//   ...
//   if (rejected) return message.Drain();  // the channel stays in order
//   PKL5_RETURN_IF_ERROR(message.ReceiveNext({zone.data, zone.size}));
#ifndef PKL5_TRANSPORT_INTERNAL_INCOMING_MESSAGE_H_
#define PKL5_TRANSPORT_INTERNAL_INCOMING_MESSAGE_H_

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "pkl5/transport/internal/channel.h"
#include "pkl5/transport/internal/envelope.h"
#include "pkl5/transport/internal/large_count.h"
#include "pkl5/transport/transport.h"

namespace pkl5::transport_internal {

class IncomingMessage : public ReceivedObject {
 public:
  // The message announced by `envelope`, received from `source` with `tag`
  // (both resolved). kDataLoss for an envelope that is not pkl5's: a foreign
  // message, already consumed whole. When the size table did not fit the
  // envelope it is received here, from the channel.
  static absl::StatusOr<IncomingMessage> FromEnvelope(Channel& channel,
                                                      std::string envelope,
                                                      int source, int tag);

  // The empty message a receive from MPI_PROC_NULL yields: no pieces,
  // source MPI_PROC_NULL, tag MPI_ANY_TAG.
  static IncomingMessage Null();

  IncomingMessage(IncomingMessage&&) = default;
  IncomingMessage& operator=(IncomingMessage&&) = default;

  bool is_null() const override { return channel_ == nullptr; }
  int source() const override { return source_; }
  int tag() const override { return tag_; }
  const std::vector<uint64_t>& piece_sizes() const override { return sizes_; }
  uint64_t piece_size(size_t index) const { return sizes_[index]; }
  // The index of the next piece to receive.
  size_t next_piece() const override { return next_; }

  // Receives the next piece into `destination`, whose size must be the
  // piece's: copies it from the envelope, or receives it from the channel
  // (blocking). kInvalidArgument for a size mismatch (nothing consumed),
  // kDataLoss when the channel delivers another size.
  absl::Status ReceiveNext(MutablePiece destination) override;

  // Receives every remaining piece, each into its destination (one per
  // piece, sizes as announced): inline pieces are copied now, the others
  // complete through the returned operation.
  absl::StatusOr<std::unique_ptr<PendingOperation>> StartReceiveRest(
      absl::Span<const MutablePiece> destinations) override;

  // Blocking: posts at most TransportOptions::part_window receives at a
  // time, the next as each completes (see send_operation.h for why).
  absl::Status ReceiveRest(
      absl::Span<const MutablePiece> destinations) override;

  // The MPI level of StartReceiveRest: nonblocking receives appended to
  // `requests`, each to be checked with its layout's `CheckReceived`.
  absl::Status PostReceiveRest(absl::Span<const MutablePiece> destinations,
                               std::vector<MPI_Request>& requests,
                               std::vector<ByteLayout>& layouts);

  // Receives and throws away every remaining piece, so the sender completes
  // and later messages arrive in order. Memory stays bounded whatever the
  // sizes (see discard_buffer.h).
  absl::Status Drain() override;

 private:
  IncomingMessage() = default;

  // Receives one part into `data`, waiting at most `part_timeout_`. After
  // that the rest of the object is given up (it will not come either):
  // nothing is left to receive or drain.
  absl::Status ReceiveFromChannel(void* data, size_t size);
  // Posts the receive of the next channel part into `data`; its layout
  // checks the status.
  absl::StatusOr<ByteLayout> PostPart(void* data, size_t size,
                                      MPI_Request& request);

  Channel* channel_ = nullptr;
  int source_ = MPI_PROC_NULL;
  int tag_ = MPI_ANY_TAG;
  int channel_tag_ = 0;
  // The envelope; the next inline piece starts at `inline_offset_`.
  std::string envelope_;
  size_t inline_pieces_ = 0;
  size_t inline_offset_ = 0;
  std::vector<uint64_t> sizes_;
  size_t next_ = 0;
  absl::Duration part_timeout_ = absl::InfiniteDuration();
};

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_INCOMING_MESSAGE_H_
