// The output side of a codec: in-band bytes plus out-of-band buffer views.
//
// Codecs (`Codec<T>::Encode`) write scalars and lengths with `WriteScalar`
// and contiguous arrays with `WriteArray`, which decides by the out-of-band
// threshold whether the array is copied in-band or referenced as a buffer.
#ifndef PKL5_SERIALIZATION_ENCODER_H_
#define PKL5_SERIALIZATION_ENCODER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "pkl5/serialization/frame.h"
#include "pkl5/serialization/storage.h"

namespace pkl5 {

class Encoder {
 public:
  // Writes into `storage` and `buffers`, borrowed while the encoder lives
  // (their contents replaced, their capacity kept: encoding into the memory
  // of an earlier frame allocates nothing when it is large enough). The
  // in-band bytes start at `start`: what comes before is the caller's
  // (EncodeCompact's headers). `storage` may hold room past the bytes
  // written; TakeInband trims it. `expected_inband_size` sizes it first
  // (growth copies and zero-fills everything written so far).
  Encoder(uint64_t out_of_band_threshold, std::string& storage,
          std::vector<BufferView>& buffers, size_t expected_inband_size,
          size_t start = 0)
      : out_of_band_threshold_(out_of_band_threshold),
        inband_(storage),
        start_(start),
        size_(start),
        buffers_(buffers) {
    buffers_.clear();
    // `storage` holds the last object's bytes: an object of the same shape
    // fits without growing (or zero-filling) anything.
    if (start + expected_inband_size > inband_.size()) {
      Grow(expected_inband_size);
    }
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // Appends the bytes of a trivially copyable value, in host byte order.
  template <typename T>
  void WriteScalar(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    WriteBytes(&value, sizeof(T));
  }

  // Always inline, so that a scalar's copy has a constant size (a move,
  // not a call to memcpy): every scalar of every object takes it.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void WriteBytes(const void* data, size_t size) {
    if (ABSL_PREDICT_FALSE(inband_.size() - size_ < size)) Grow(size);
    if (size > 0) std::memcpy(&inband_[size_], data, size);
    size_ += size;
  }

  // Writes an array of `count` elements occupying `size` contiguous bytes:
  // a 64-bit word (count << 1 | out_of_band), then the bytes in-band, or a
  // view of them as the next buffer when `size` reaches the threshold.
  void WriteArray(const void* data, uint64_t count, size_t size) {
    const bool out_of_band =
        in_band_only_depth_ == 0 && size >= out_of_band_threshold_;
    WriteScalar<uint64_t>(count << 1 | (out_of_band ? 1u : 0u));
    if (out_of_band) {
      buffers_.push_back(BufferView{data, size});
    } else {
      WriteBytes(data, size);
    }
  }

  // While alive, every array is written in-band: for map keys and set
  // elements, which the decoder must see whole before inserting them.
  class InBandOnlyScope {
   public:
    explicit InBandOnlyScope(Encoder& encoder) : encoder_(encoder) {
      ++encoder_.in_band_only_depth_;
    }
    ~InBandOnlyScope() { --encoder_.in_band_only_depth_; }
    InBandOnlyScope(const InBandOnlyScope&) = delete;
    InBandOnlyScope& operator=(const InBandOnlyScope&) = delete;

   private:
    Encoder& encoder_;
  };

  // The in-band bytes written so far.
  size_t inband_size() const { return size_ - start_; }
  // Trims the storage to exactly the in-band bytes and moves them out.
  std::string TakeInband() && {
    inband_.resize(size_);
    inband_.erase(0, start_);
    return std::move(inband_);
  }
  std::vector<BufferView>& buffers() { return buffers_; }

 private:
  // Out of line: the common write stays a compare and a memcpy, without
  // std::string::append's per-call overhead (measured: 2x on many small
  // strings).
  //
  // Large buffers are fresh memory whose first touch is slow here; they are
  // advised for huge pages before the bytes so far are copied in.
  ABSL_ATTRIBUTE_NOINLINE void Grow(size_t size) {
    const size_t capacity =
        std::max({inband_.size() * 2, size_ + size, size_t{256}});
    if (capacity < kHugePageAdviceBytes) {
      inband_.resize(capacity);
      return;
    }
    std::string grown;
    grown.reserve(capacity);
    AdviseHugePages(grown.data(), capacity);
    grown.append(inband_.data(), size_);
    grown.resize(capacity);
    inband_.swap(grown);
  }

  const uint64_t out_of_band_threshold_;
  int in_band_only_depth_ = 0;
  // inband_[start_, size_) holds the bytes; the rest is room to grow.
  std::string& inband_;
  size_t start_;
  size_t size_;
  std::vector<BufferView>& buffers_;
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_ENCODER_H_
