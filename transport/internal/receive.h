// Receiving objects: the envelope first, by matched probe or by a posted
// receive, then its pieces through `IncomingMessage`.
//
// - `ReceiveMessage` / `ProbeMessage`: MPI_Mprobe of the envelope, then
//   MPI_Mrecv of exactly its size (a message too large to be an envelope is
//   consumed whole and rejected with kDataLoss).
// - `TryProbeMessage`: the same with MPI_Improbe; never blocks (mpi4py's
//   improbe can, waiting for the pieces).
// - `EnvelopeReceive`: MPI_Irecv of one envelope-sized buffer posted at call
//   time, so a nonblocking receive keeps MPI's matching order and can be
//   cancelled until it matches. This is what makes pkl5's irecv possible.
// - `ProbedReceive`: an irecv pkl5 matches itself by MPI_Improbe, in MPI's
//   order (probed_receives.h), cancelled without MPI_Cancel. Every receive
//   above hands a message it took to the earliest pending one it matches.
//
// MPI_PROC_NULL as source completes at once with an empty message
// (`IncomingMessage::is_null`); MPI_ANY_SOURCE and MPI_ANY_TAG resolve to
// the envelope's source and tag, which the pieces are then received from.
#ifndef PKL5_TRANSPORT_INTERNAL_RECEIVE_H_
#define PKL5_TRANSPORT_INTERNAL_RECEIVE_H_

#include <mpi.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pkl5/base/recycled.h"
#include "pkl5/transport/internal/channel.h"
#include "pkl5/transport/internal/incoming_message.h"
#include "pkl5/transport/internal/probed_receives.h"
#include "pkl5/transport/internal/sink_followed.h"

namespace pkl5::transport_internal {

// Blocks until an envelope from `source` with `tag` can be received, and
// receives it.
absl::StatusOr<IncomingMessage> ProbeMessage(Channel& channel, int source,
                                             int tag);

// Receives an envelope if one is waiting; std::nullopt otherwise.
// ProbeMessage for Transport::Receive: an object that arrived whole is a
// view of a buffer of the calling thread.
absl::Status ReceiveArrival(Channel& channel, int source, int tag,
                            Arrival& arrival);

absl::StatusOr<std::optional<IncomingMessage>> TryProbeMessage(Channel& channel,
                                                               int source,
                                                               int tag);

// The memory of a posted envelope receive and the datatype MPI receives
// into it with (receive.cc), reused by later receives: bytes a sink
// follows (sink_followed.h) or, where none can be had, bytes of its own
// with a canary after them.
struct PostedBuffer {
  PostedBuffer() = default;
  // Frees the datatype, unless MPI is already finalized, and returns the
  // bytes a sink follows for reuse.
  ~PostedBuffer();
  PostedBuffer(const PostedBuffer&) = delete;
  PostedBuffer& operator=(const PostedBuffer&) = delete;

  // The first `bytes` received.
  absl::string_view view(size_t bytes) const {
    return absl::string_view(envelope, bytes);
  }
  // Whether the sink follows envelope + envelope_bytes (else the canary).
  bool sink_follows() const { return sink_followed.data != nullptr; }

  // Where MPI receives the envelope: sink_followed.data, or own's bytes.
  char* envelope = nullptr;
  size_t envelope_bytes = 0;
  MPI_Datatype type = MPI_DATATYPE_NULL;
  SinkFollowedBytes sink_followed;
  // The bytes and canary of a buffer no sink follows.
  std::string own;
};

// The posted receive of one object's envelope; the MPI transport's
// PendingReceive.
class EnvelopeReceive final : public PendingReceive,
                              public base_internal::Recycled {
 public:
  static absl::StatusOr<std::unique_ptr<EnvelopeReceive>> Start(
      Channel& channel, int source, int tag);

  // Destroying a pending receive cancels it; if it had matched already, the
  // object is received and drained so later messages stay in order.
  ~EnvelopeReceive() override;
  EnvelopeReceive(const EnvelopeReceive&) = delete;
  EnvelopeReceive& operator=(const EnvelopeReceive&) = delete;

  // Returns whether the envelope has arrived; never blocks.
  absl::StatusOr<bool> Test() override;
  // Blocks until the envelope has arrived.
  absl::Status Wait() override;
  // Tries to cancel: true when cancelled before anything matched; false when
  // the envelope had matched already, in which case the object must still
  // be received (Wait, then TakeMessage).
  absl::StatusOr<bool> Cancel() override;

  bool done() const { return done_; }
  bool cancelled() const { return cancelled_; }

  // After completion: the message. kDataLoss when a foreign message matched
  // (it has been consumed); kFailedPrecondition before completion, after a
  // cancel, or the second time.
  absl::StatusOr<IncomingMessage> TakeMessage();
  // TakeMessage, except that an object that arrived whole is returned as a
  // view of this receive's buffer (Transport's Arrival).
  absl::Status TakeArrival(Arrival& arrival) override;
  // TakeMessage as the transport's ReceivedObject.
  absl::StatusOr<std::unique_ptr<ReceivedObject>> TakeObject() override;

 private:
  EnvelopeReceive(Channel& channel) : channel_(&channel) {}
  absl::Status Complete(int code, absl::string_view call);
  // Whether MPI wrote into the envelope buffer (zero when posted).
  bool BufferWritten() const;

  Channel* channel_;
  std::unique_ptr<PostedBuffer> buffer_;
  MPI_Request request_ = MPI_REQUEST_NULL;
  MPI_Status status_{};
  absl::Status error_;
  bool proc_null_ = false;
  bool done_ = false;
  bool cancelled_ = false;
  bool taken_ = false;
  // MPI wrote past the buffer (Complete checks the canary).
  bool overrun_ = false;
  // The envelope's length once complete: from the status, or, for a
  // message taken by a receive MPI called cancelled (whose status has
  // none), from the envelope itself.
  size_t received_bytes_ = 0;
};

// An irecv pkl5 matches itself (IrecvMatching::kProbed, probed_receives.h):
// the MPI transport's PendingReceive when the channel probes irecvs.
class ProbedReceive final : public PendingReceive,
                            public base_internal::Recycled {
 public:
  static absl::StatusOr<std::unique_ptr<ProbedReceive>> Start(Channel& channel,
                                                              int source,
                                                              int tag);

  // A pending receive leaves the list; a matched one's object is drained
  // so the channel stays in order.
  ~ProbedReceive() override;
  ProbedReceive(const ProbedReceive&) = delete;
  ProbedReceive& operator=(const ProbedReceive&) = delete;

  // Takes the envelope if one is waiting (MPI_Improbe); never blocks.
  absl::StatusOr<bool> Test() override;
  // Tests until the envelope is here.
  absl::Status Wait() override;
  // True when it was still pending (no MPI call); false when matched.
  absl::StatusOr<bool> Cancel() override;
  absl::Status TakeArrival(Arrival& arrival) override;
  absl::StatusOr<std::unique_ptr<ReceivedObject>> TakeObject() override;

 private:
  explicit ProbedReceive(Channel& channel) : channel_(&channel) {}
  // kFailedPrecondition unless matched and not yet taken; marks it taken.
  absl::Status Take();

  Channel* channel_;
  ProbedSlot slot_;
  bool proc_null_ = false;
  bool done_ = false;
  bool cancelled_ = false;
  bool taken_ = false;
};

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_RECEIVE_H_
