// The input side of a codec: bounds-checked in-band bytes, and the landing
// zones of out-of-band buffers.
//
// Every read is checked against the bytes that remain and every claimed
// count against them and against `DecodeOptions::max_object_bytes` before
// anything is allocated, so corrupt or hostile input yields kDataLoss or
// kResourceExhausted, never a crash or an absurd allocation.
#ifndef PKL5_SERIALIZATION_DECODER_H_
#define PKL5_SERIALIZATION_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/serialization/frame.h"
#include "pkl5/serialization/options.h"

namespace pkl5 {

class Decoder {
 public:
  Decoder(absl::string_view inband, absl::Span<const uint64_t> buffer_sizes,
          const DecodeOptions& options)
      : inband_(inband),
        position_(0),
        buffer_sizes_(buffer_sizes),
        options_(options) {}

  // Reads a trivially copyable value written by `Encoder::WriteScalar`.
  template <typename T>
  absl::Status ReadScalar(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    return ReadBytes(&value, sizeof(T));
  }

  // Always inline, as Encoder::WriteBytes: a scalar's copy has a constant
  // size.
  ABSL_ATTRIBUTE_ALWAYS_INLINE absl::Status ReadBytes(void* out, size_t size) {
    if (ABSL_PREDICT_FALSE(size > remaining())) return Truncated(size);
    if (size > 0) std::memcpy(out, inband_.data() + position_, size);
    position_ += size;
    return absl::OkStatus();
  }

  // Reads an element count of a container whose elements take at least
  // `min_inband_bytes` in-band and `element_memory` bytes once decoded.
  absl::StatusOr<uint64_t> ReadCount(size_t min_inband_bytes,
                                     size_t element_memory);

  // The 64-bit word that starts an array (see `Encoder::WriteArray`).
  struct ArrayHeader {
    uint64_t count = 0;
    bool out_of_band = false;
  };

  // Reads an array's header for elements of `element_size` bytes and checks
  // that its bytes exist: in-band, or as the next buffer of exactly that
  // size. Inline for the common case, a small in-band array.
  absl::Status ReadArrayHeader(size_t element_size, ArrayHeader& header) {
    uint64_t word = 0;
    PKL5_RETURN_IF_ERROR(ReadScalar(word));
    header.count = word >> 1;
    header.out_of_band = (word & 1) != 0;
    if (ABSL_PREDICT_TRUE(!header.out_of_band &&
                          header.count <= remaining() / element_size)) {
      return absl::OkStatus();
    }
    return CheckUnusualArray(element_size, header);
  }

  // Returns the next `size` in-band bytes, known to exist (an in-band
  // array's bytes after `ReadArrayHeader`), and moves past them.
  const char* SkipInBand(size_t size) {
    const char* bytes = inband_.data() + position_;
    position_ += size;
    return bytes;
  }

  // Completes an array whose header was just read, into `data` of
  // `count * element_size` bytes: copies the in-band bytes, or records
  // `data` as the landing zone of the next buffer.
  absl::Status FillArray(const ArrayHeader& header, void* data, size_t size) {
    if (!header.out_of_band) return ReadBytes(data, size);
    zones_.push_back(LandingZone{data, size});
    return absl::OkStatus();
  }

  // Returns kDataLoss unless every in-band byte and every buffer was used.
  absl::Status Finish() const {
    if (ABSL_PREDICT_TRUE(remaining() == 0 &&
                          next_buffer_ == buffer_sizes_.size())) {
      return absl::OkStatus();
    }
    return FinishOutOfLine();
  }

  // Returns the landing zones, one per buffer, in order.
  std::vector<LandingZone> TakeLandingZones() && { return std::move(zones_); }

  // While alive, an out-of-band array is corrupt input: map keys and set
  // elements are always encoded in-band (see `Encoder::InBandOnlyScope`).
  class InBandOnlyScope {
   public:
    explicit InBandOnlyScope(Decoder& decoder) : decoder_(decoder) {
      ++decoder_.in_band_only_depth_;
    }
    ~InBandOnlyScope() { --decoder_.in_band_only_depth_; }
    InBandOnlyScope(const InBandOnlyScope&) = delete;
    InBandOnlyScope& operator=(const InBandOnlyScope&) = delete;

   private:
    Decoder& decoder_;
  };

  size_t remaining() const { return inband_.size() - position_; }
  // Finish's errors.
  absl::Status FinishOutOfLine() const;

  // Returns kDataLoss naming `what` and the current position.
  absl::Status Corrupt(absl::string_view what) const;

 private:
  absl::Status Truncated(size_t wanted) const;
  // The rest of `ReadArrayHeader`: out-of-band arrays and errors.
  absl::Status CheckUnusualArray(size_t element_size, ArrayHeader& header);

  absl::string_view inband_;
  size_t position_;
  absl::Span<const uint64_t> buffer_sizes_;
  size_t next_buffer_ = 0;
  const DecodeOptions& options_;
  int in_band_only_depth_ = 0;
  std::vector<LandingZone> zones_;
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_DECODER_H_
