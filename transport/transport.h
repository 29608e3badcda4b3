// The transport interface: what comm and collectives use to move objects,
// implemented over MPI (CreateMpiTransport) and in process (LoopbackWorld),
// with one conformance suite for both (testing/transport_conformance.h).
//
// An object is a sequence of byte pieces. A sender posts them with
// `StartSend`; a receiver gets a `ReceivedObject` from a matched probe or a
// posted receive, reads the first pieces (frame header, in-band bytes) to
// learn where the rest must land, then receives the rest into place or
// drains it.
#ifndef PKL5_TRANSPORT_TRANSPORT_H_
#define PKL5_TRANSPORT_TRANSPORT_H_

// clang-format off
#include "pkl5/base/config.h"  // first: the C++17 check
// clang-format on

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace pkl5 {

// A read-only piece of an outgoing object.
struct ConstPiece {
  const void* data = nullptr;
  size_t size = 0;
};

// Where one received piece must be written.
struct MutablePiece {
  void* data = nullptr;
  size_t size = 0;
};

// How a send completes (see send_operation.h).
enum class SendMode { kStandard, kBuffered, kSynchronous };

// Something in flight that completes later: a send, or pieces being
// received into their destinations.
class PendingOperation {
 public:
  virtual ~PendingOperation() = default;
  // Returns whether it completed; never blocks.
  virtual absl::StatusOr<bool> Test() = 0;
  // Blocks until it completed.
  virtual absl::Status Wait() = 0;
};

// An object whose envelope has arrived (see IncomingMessage).
class ReceivedObject {
 public:
  virtual ~ReceivedObject() = default;

  // From MPI_PROC_NULL: no pieces, source MPI_PROC_NULL, tag MPI_ANY_TAG.
  virtual bool is_null() const = 0;
  virtual int source() const = 0;
  virtual int tag() const = 0;
  virtual const std::vector<uint64_t>& piece_sizes() const = 0;
  virtual size_t next_piece() const = 0;

  // Receives the next piece into `destination`, of exactly its size.
  virtual absl::Status ReceiveNext(MutablePiece destination) = 0;
  // Receives every remaining piece into its destination, nonblocking.
  virtual absl::StatusOr<std::unique_ptr<PendingOperation>> StartReceiveRest(
      absl::Span<const MutablePiece> destinations) = 0;
  // The same, blocking: returns when every piece has arrived. A transport
  // may post the pieces a window at a time (the MPI transport does, see
  // TransportOptions::part_window); by default StartReceiveRest, then Wait.
  virtual absl::Status ReceiveRest(absl::Span<const MutablePiece> destinations);
  // Receives and discards every remaining piece.
  virtual absl::Status Drain() = 0;

  size_t piece_count() const { return piece_sizes().size(); }
  bool complete() const { return next_piece() == piece_count(); }
  uint64_t total_bytes() const;
  absl::StatusOr<std::string> ReceiveNextAsString();

 protected:
  // kInvalidArgument unless `destinations` has one entry per remaining
  // piece, each of that piece's size: the precondition of StartReceiveRest.
  absl::Status CheckRestDestinations(
      absl::Span<const MutablePiece> destinations) const;
};

// Entry `index` of a size table as envelopes carry it: uint64s in host
// byte order, not necessarily aligned.
inline uint64_t SizeTableEntry(absl::string_view table, size_t index) {
  uint64_t size = 0;
  std::memcpy(&size, table.data() + index * sizeof(uint64_t), sizeof(size));
  return size;
}

// An object that arrived whole in its envelope (every object of at most
// TransportOptions::envelope_bytes does), seen where it was received:
// nothing copied, nothing allocated. From Transport::Receive it is valid
// until the calling thread's next Receive through any transport; from
// PendingReceive::TakeArrival, while that receive lives.
struct WholeObject {
  int source = 0;
  int tag = 0;
  // The pieces, back to back.
  absl::string_view bytes;
  // One uint64 per piece, in host byte order, not necessarily aligned.
  absl::string_view size_table;

  size_t piece_count() const { return size_table.size() / sizeof(uint64_t); }
  uint64_t piece_size(size_t index) const {
    return SizeTableEntry(size_table, index);
  }
};

// What a receive took: an object whose pieces are still to be received
// (`object`), or, when `object` is null, one that arrived `whole`.
struct Arrival {
  std::unique_ptr<ReceivedObject> object;
  WholeObject whole;
};

// A posted receive of one object (see EnvelopeReceive).
class PendingReceive {
 public:
  virtual ~PendingReceive() = default;
  virtual absl::StatusOr<bool> Test() = 0;
  virtual absl::Status Wait() = 0;
  // True when cancelled before matching; false when it had matched, and
  // the object must still be taken.
  virtual absl::StatusOr<bool> Cancel() = 0;
  // After completion, once.
  virtual absl::StatusOr<std::unique_ptr<ReceivedObject>> TakeObject() = 0;
  // TakeObject, except that an object that arrived whole is returned as
  // `arrival.whole`, viewing this receive's buffer, with nothing allocated.
  // By default TakeObject.
  virtual absl::Status TakeArrival(Arrival& arrival);
};

// Where a waiting object's envelope came from (a non-matching probe).
struct ProbedEnvelope {
  int source = 0;
  int tag = 0;
};

// Writable bytes SendContiguous needs in front of its pieces: room for the
// MPI transport's envelope prefix and the size table of two pieces.
inline constexpr size_t kSendHeadroomBytes = 48;

class Transport {
 public:
  virtual ~Transport() = default;

  virtual int rank() const = 0;
  // The size of the local group.
  virtual int size() const = 0;
  // Ranks a send may address (the remote group on an intercommunicator).
  virtual int peer_count() const = 0;
  virtual bool is_inter() const = 0;

  // Sends `pieces` and returns once they may be reused (a blocking send).
  // The default posts them and waits; implementations may do better.
  virtual absl::Status Send(absl::Span<const ConstPiece> pieces,
                            int destination, int tag, SendMode mode);

  // Send of `pieces` that lie back to back in memory, the first preceded by
  // kSendHeadroomBytes the transport may overwrite: it may write its own
  // header there and send everything as one message, copying nothing (the
  // blocking send of a small object). By default Send.
  virtual absl::Status SendContiguous(absl::Span<const ConstPiece> pieces,
                                      int destination, int tag, SendMode mode) {
    return Send(pieces, destination, tag, mode);
  }

  // Posts the send of `pieces`, which must outlive the operation (but for
  // kBuffered, which copies them).
  virtual absl::StatusOr<std::unique_ptr<PendingOperation>> StartSend(
      absl::Span<const ConstPiece> pieces, int destination, int tag,
      SendMode mode) = 0;
  // Blocks until an object from `source` with `tag` is there and takes it.
  virtual absl::StatusOr<std::unique_ptr<ReceivedObject>> Probe(int source,
                                                                int tag) = 0;
  // Probe, except that an object that arrived whole is returned as
  // `arrival.whole` (a view of a buffer of the calling thread) with nothing
  // allocated: the blocking receive of a small object. By default Probe.
  virtual absl::Status Receive(int source, int tag, Arrival& arrival);
  // Takes such an object if one is there; nullptr otherwise. Never blocks.
  virtual absl::StatusOr<std::unique_ptr<ReceivedObject>> TryProbe(int source,
                                                                   int tag) = 0;
  // Posts a receive that matches in order with other receives.
  virtual absl::StatusOr<std::unique_ptr<PendingReceive>> StartReceive(
      int source, int tag) = 0;
  // Reports where the next object from `source` with `tag` comes from
  // without taking it (MPI_Probe / MPI_Iprobe); std::nullopt when `block`
  // is false and none is waiting. From MPI_PROC_NULL: at once, source
  // MPI_PROC_NULL and tag MPI_ANY_TAG.
  virtual absl::StatusOr<std::optional<ProbedEnvelope>> PeekEnvelope(
      int source, int tag, bool block) = 0;
  // Arrives at a barrier of every rank (both groups of an
  // intercommunicator); the operation completes when all have arrived
  // (MPI_Ibarrier).
  virtual absl::StatusOr<std::unique_ptr<PendingOperation>> StartBarrier() = 0;
};

}  // namespace pkl5

#endif  // PKL5_TRANSPORT_TRANSPORT_H_
