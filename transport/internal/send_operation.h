// Sending one object: its envelope on the user's communicator and tag,
// then every piece that did not fit on the private channel.
//
// Everything is posted nonblocking at once and completes together, in every
// mode, so a receiver that matched the envelope with a matched probe never
// waits on a sender stuck in the middle of the pieces (mpi4py 3.1.0's
// synchronous send deadlocked that way). The one exception is the blocking
// send of an object of more than TransportOptions::part_window channel
// pieces: it keeps that many in flight and posts the next as each
// completes, because Open MPI's cost per message grows with the messages
// outstanding (100k parts at once: 31 s; in windows of 256: 0.3 s, raw
// MPI, measured). The sender is inside Send, waiting, the whole time, so
// it is never stuck elsewhere.
//
// - kStandard: MPI_Isend of everything.
// - kSynchronous: MPI_Issend of the envelope (completion means the receiver
//   has started receiving the object), MPI_Isend of the pieces.
// - kBuffered: the object is copied into memory the channel owns and sent
//   from there; the operation is complete at once and the object may change.
//   The copies count against TransportOptions::buffered_send_capacity and
//   are released as MPI completes them; an object that does not fit is
//   kResourceExhausted with nothing sent. pkl5 does not use MPI_Ibsend and
//   MPI_Buffer_attach: with Open MPI 4.1 an MPI_Ibsend that fails for lack
//   of buffer space loses the communicator's message order, and every later
//   message to that peer hangs (measured), so a too-small buffer could not
//   be a clean error.
#ifndef PKL5_TRANSPORT_INTERNAL_SEND_OPERATION_H_
#define PKL5_TRANSPORT_INTERNAL_SEND_OPERATION_H_

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "pkl5/transport/internal/channel.h"
#include "pkl5/transport/internal/envelope.h"
#include "pkl5/transport/transport.h"

namespace pkl5::transport_internal {

class SendOperation {
 public:
  // Posts the send of `pieces` to `destination` with `tag`. The pieces must
  // stay alive and unchanged until the operation completes (except in
  // buffered mode, where they are copied). MPI_PROC_NULL completes at once.
  // With `window` > 0 (not in buffered mode) at most that many channel
  // pieces are in flight; Test and Wait post the others, so the operation
  // progresses only while they are called.
  static absl::StatusOr<std::unique_ptr<SendOperation>> Start(
      Channel& channel, absl::Span<const ConstPiece> pieces, int destination,
      int tag, SendMode mode, size_t window = 0);

  // Destroying a pending operation waits for it: the envelope it owns and
  // the pieces it reads must outlive the MPI requests.
  ~SendOperation();
  SendOperation(const SendOperation&) = delete;
  SendOperation& operator=(const SendOperation&) = delete;

  // Returns whether everything was sent; never blocks.
  absl::StatusOr<bool> Test();
  // Blocks until everything was sent.
  absl::Status Wait();
  bool done() const { return requests_.empty(); }

 private:
  SendOperation() = default;

  absl::Status Post(Channel& channel, absl::Span<const ConstPiece> pieces,
                    int destination, int tag, SendMode mode, size_t window);
  // MPI_Isend of one channel piece.
  static absl::Status PostPart(Channel& channel, const ConstPiece& piece,
                               int destination, int channel_tag,
                               MPI_Request& request);
  // Posts the next unposted piece into the free slot `request`.
  absl::Status PostNext(MPI_Request& request);
  // Testsome/Waitsome of the windowed send: refills each completed slot.
  absl::StatusOr<bool> AdvanceWindow(bool block);
  absl::Status PostBuffered(Channel& channel,
                            absl::Span<const ConstPiece> channel_pieces,
                            int destination, int tag, int channel_tag);
  // Posts the envelope (MPI_Issend when `synchronous`, else MPI_Isend) and
  // each channel piece (MPI_Isend), appending the requests.
  static absl::Status PostAll(Channel& channel, absl::string_view envelope,
                              absl::Span<const ConstPiece> channel_pieces,
                              int destination, int tag, int channel_tag,
                              bool synchronous,
                              std::vector<MPI_Request>& requests);
  // Turns a failure of MPI_Testall/Waitall into the first failing request's
  // status.
  absl::Status Finish(int code, absl::string_view call);

  std::string envelope_;
  std::vector<uint64_t> size_table_;
  std::vector<MPI_Request> requests_;
  // A windowed send's pieces not posted yet, and where they go.
  std::vector<ConstPiece> unposted_;
  size_t next_unposted_ = 0;
  Channel* channel_ = nullptr;
  int destination_ = MPI_PROC_NULL;
  int channel_tag_ = 0;
};

// Sends and waits: the blocking send of each mode.
absl::Status Send(Channel& channel, absl::Span<const ConstPiece> pieces,
                  int destination, int tag, SendMode mode);

// Transport::SendContiguous: an object that fits its envelope is sent as
// one message from the caller's memory, the envelope's head written into
// the headroom before it; anything else (or pieces that are not back to
// back) goes through Send.
absl::Status SendContiguous(Channel& channel,
                            absl::Span<const ConstPiece> pieces,
                            int destination, int tag, SendMode mode);

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_SEND_OPERATION_H_
