// Receiving one object whose envelope has arrived: the frame header and the
// in-band bytes first, then the out-of-band buffers straight into the
// landing zones of the object being decoded. Shared by every receive of
// the comm layer (recv, Message::recv, irecv requests).
#ifndef PKL5_COMM_INTERNAL_RECEIVE_OBJECT_H_
#define PKL5_COMM_INTERNAL_RECEIVE_OBJECT_H_

#include <memory>
#include <new>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "pkl5/comm/internal/receive_progress.h"
#include "pkl5/comm/status.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/transport/transport.h"

namespace pkl5::comm_internal {

// The object a receive decodes into, with its type erased so the receive
// logic is compiled once.
class DecodeTarget {
 public:
  virtual ~DecodeTarget() = default;
  // OK when `header` holds this target's type.
  virtual absl::Status CheckType(const FrameHeader& header) const = 0;
  // Phase one of decoding (pkl5::BeginDecode).
  virtual absl::StatusOr<std::vector<LandingZone>> BeginDecode(
      const FrameHeader& header, absl::string_view inband,
      const DecodeOptions& options) = 0;
  // The whole decode of an object whose bytes are all at hand
  // (pkl5::DecodeInto).
  virtual absl::Status DecodeWhole(absl::string_view header,
                                   absl::string_view inband,
                                   absl::Span<const BufferView> buffers,
                                   const DecodeOptions& options) = 0;
};

// Sizes were checked against max_object_bytes; memory may still run out,
// and that is an error of this receive, not the end of the process.
absl::Status OutOfMemory();

template <typename T>
class ObjectTarget final : public DecodeTarget {
 public:
  explicit ObjectTarget(T& object) : object_(&object) {}
  T& object() const { return *object_; }
  absl::Status CheckType(const FrameHeader& header) const override {
    return CheckFrameType<T>(header);
  }
  absl::StatusOr<std::vector<LandingZone>> BeginDecode(
      const FrameHeader& header, absl::string_view inband,
      const DecodeOptions& options) override {
    try {
      return pkl5::BeginDecode(header, inband, *object_, options);
    } catch (const std::bad_alloc&) {
      return OutOfMemory();
    }
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE absl::Status DecodeWhole(
      absl::string_view header, absl::string_view inband,
      absl::Span<const BufferView> buffers,
      const DecodeOptions& options) override {
    try {
      return pkl5::DecodeInto(header, inband, buffers, *object_, options);
    } catch (const std::bad_alloc&) {
      return OutOfMemory();
    }
  }

 private:
  T* object_;
};

// Receives the header and in-band bytes of `object` (blocking: they were
// sent with the envelope), decodes them into `target`, and starts receiving
// the out-of-band buffers into place. Returns the pending buffer receives,
// or nullptr when nothing remains (all arrived, or `object` is from
// MPI_PROC_NULL and `target` was left alone).
//
// On any failure (not a pkl5 object, a type mismatch, a claim over
// `options.max_object_bytes`, corrupt bytes) the rest of `object` is
// drained, so its sender completes and the next object arrives intact.
absl::StatusOr<std::unique_ptr<PendingOperation>> StartReceiveObject(
    ReceivedObject& object, DecodeTarget& target, const DecodeOptions& options);

// StartReceiveObject, then waits for the buffers, advancing `progress`
// (or, with nothing to advance, receives them blocking: windowed, see
// TransportOptions::part_window).
absl::Status ReceiveObject(ReceivedObject& object, DecodeTarget& target,
                           const DecodeOptions& options,
                           ReceiveProgress& progress);

// A frame is its header, its in-band bytes, then one piece per buffer.
inline constexpr size_t kFixedPieces = 2;

// `status` of a whole object from `source` with `tag` that was discarded.
absl::Status Discarded(const absl::Status& status, int source, int tag);

// DecodeWhole of every object that is not a header and in-band bytes
// within the size cap (and of those too, with what is wrong with them).
absl::Status DecodeWholeInGeneral(const WholeObject& object,
                                  DecodeTarget& target,
                                  const DecodeOptions& options);

// Decodes an object that arrived whole into `target`. Nothing is left to
// drain whatever the outcome. Inline for every small object (a header and
// in-band bytes): with an ObjectTarget<T> (final) the decode is a direct
// call, no virtual one.
template <typename Target>
absl::Status DecodeWhole(const WholeObject& object, Target& target,
                         const DecodeOptions& options) {
  if (object.piece_count() == kFixedPieces &&
      object.bytes.size() <= options.max_object_bytes) {
    const uint64_t header_size = object.piece_size(0);
    if (header_size <= object.bytes.size() &&
        object.piece_size(1) == object.bytes.size() - header_size) {
      const size_t split = static_cast<size_t>(header_size);
      absl::Status status =
          target.DecodeWhole(object.bytes.substr(0, split),
                             object.bytes.substr(split), {}, options);
      if (ABSL_PREDICT_TRUE(status.ok())) return status;
      return Discarded(status, object.source, object.tag);
    }
  }
  return DecodeWholeInGeneral(object, target, options);
}

// The status of having received `object`.
Status StatusOf(const ReceivedObject& object);
inline Status StatusOf(const WholeObject& object) {
  Status status;
  status.source = object.source;
  status.tag = object.tag;
  status.count = object.bytes.size();
  return status;
}

}  // namespace pkl5::comm_internal

#endif  // PKL5_COMM_INTERNAL_RECEIVE_OBJECT_H_
