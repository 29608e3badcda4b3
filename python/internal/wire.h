// mpi4py.util.pkl5's wire, in C++: one object is 2+K MPI messages on the
// user's communicator, destination and tag: a header of K+1 int64 as
// MPI_LONG_LONG ([stream bytes, buffer 1 bytes, ...]), the pickle stream,
// then the K out-of-band buffers, each as one message of bytes (a derived
// datatype past block_bytes: MPI matches type signatures by their
// sequence of bytes, so Python's BigMPI type receives it).
//
// The wire has no magic number, so a receiver cannot tell a header from
// any other message whose size is a multiple of 8 bytes. What it checks:
// the header's size, its lengths (non-negative, at most max_pieces pieces,
// at most max_object_bytes in all), and that each piece it matches has the
// length the header announced; it waits for pieces at most part_timeout.
// Anything else is drained (received and dropped) and reported.
#ifndef PKL5_PYTHON_INTERNAL_WIRE_H_
#define PKL5_PYTHON_INTERNAL_WIRE_H_

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "pkl5/python/internal/binder.h"
#include "pkl5/python/internal/pickle_writer.h"

namespace pkl5::python_internal {

struct WireLimits {
  uint64_t max_object_bytes;
  size_t max_pieces;
  absl::Duration part_timeout;
  size_t block_bytes;
};

// One lock for sending and one for matching per MPI communicator, shared
// by every wrapper of it (an attribute, base/mpi_comm_cache.h), as
// mpi4py keeps one per communicator: the 2+K messages of one object stay
// together although other threads send and receive on the same tag.
struct CommLocks {
  std::mutex send;
  std::mutex match;
};
absl::StatusOr<std::shared_ptr<CommLocks>> LocksOf(MPI_Comm comm);

// A datatype describing `segments` (absolute addresses: the buffer is
// MPI_BOTTOM for more than one) as one message of their bytes.
class SegmentsType {
 public:
  static absl::StatusOr<SegmentsType> Create(absl::Span<const Segment> segments,
                                             size_t block_bytes);
  SegmentsType(SegmentsType&& other) noexcept;
  SegmentsType& operator=(SegmentsType&&) = delete;
  ~SegmentsType();
  void* buffer() const { return buffer_; }
  int count() const { return count_; }
  MPI_Datatype type() const { return type_; }

 private:
  SegmentsType() = default;
  void* buffer_ = nullptr;
  int count_ = 0;
  MPI_Datatype type_ = MPI_BYTE;
};

// Where buffers land, as the segments a datatype describes.
Segments AsSegments(absl::Span<const MutableSegment> segments);

enum class SendMode { kStandard, kSynchronous };

// What travels for one object: the header, then the stream and buffers.
struct Outgoing {
  std::vector<long long> header;  // MPI_LONG_LONG
  std::string stream;
  std::vector<Segments> buffers;
  // Bytes some buffers view (pickle.h's Pickled::kept).
  std::deque<std::string> kept;
};
// Posts the 2+K nonblocking sends of `outgoing` (under `locks.send`) and
// appends their requests. On failure the requests already posted are
// waited for first.
absl::Status PostSends(MPI_Comm comm, CommLocks& locks,
                       const Outgoing& outgoing, int dest, int tag,
                       SendMode mode, size_t block_bytes,
                       std::vector<MPI_Request>& requests);

// An object whose header was received and whose other 1+K messages are
// matched (MPI_Mprobe), to be received in order.
struct MatchedObject {
  int source = MPI_PROC_NULL;
  int tag = MPI_ANY_TAG;
  // Stream bytes, then each buffer's.
  std::vector<uint64_t> sizes;
  std::vector<MPI_Message> pieces;
  // The next piece to receive.
  size_t next = 0;
  uint64_t total_bytes() const;
};

// Matches the next object from `source` with `tag` (blocking, or with
// `block` false std::nullopt when none is waiting). MPI_PROC_NULL gives an
// object of no pieces.
absl::StatusOr<std::optional<MatchedObject>> MatchObject(
    MPI_Comm comm, CommLocks& locks, int source, int tag, bool block,
    const WireLimits& limits);

// Receives the stream (the next piece).
absl::StatusOr<std::string> ReceiveStream(MatchedObject& object,
                                          size_t block_bytes);
// Receives the buffers into `destinations` (one per buffer; an empty one
// is drained), blocking, or posted into `requests` when given.
absl::Status ReceiveBuffers(MatchedObject& object,
                            const std::vector<MutableSegments>& destinations,
                            size_t block_bytes,
                            std::vector<MPI_Request>* requests);
// Receives and drops every piece not received yet, keeping `error`.
absl::Status Drain(MatchedObject& object, absl::Status error);

// Waits for `requests` unless MPI was finalized (destructors).
void WaitUnlessFinalized(std::vector<MPI_Request>& requests);

}  // namespace pkl5::python_internal

#endif  // PKL5_PYTHON_INTERNAL_WIRE_H_
