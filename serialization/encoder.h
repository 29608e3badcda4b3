// The output side of a codec: in-band bytes plus out-of-band buffer views.
//
// Codecs (`Codec<T>::Encode`) write scalars and lengths with `WriteScalar`
// and contiguous arrays with `WriteArray`, which decides by the out-of-band
// threshold whether the array is copied in-band or referenced as a buffer.
#ifndef PKL5_SERIALIZATION_ENCODER_H_
#define PKL5_SERIALIZATION_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "serialization/frame.h"

namespace pkl5 {

class Encoder {
 public:
  explicit Encoder(uint64_t out_of_band_threshold)
      : out_of_band_threshold_(out_of_band_threshold) {}

  // Appends the bytes of a trivially copyable value, in host byte order.
  template <typename T>
  void WriteScalar(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    WriteBytes(&value, sizeof(T));
  }

  void WriteBytes(const void* data, size_t size) {
    inband_.append(static_cast<const char*>(data), size);
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

  std::string& inband() { return inband_; }
  std::vector<BufferView>& buffers() { return buffers_; }

 private:
  const uint64_t out_of_band_threshold_;
  int in_band_only_depth_ = 0;
  std::string inband_;
  std::vector<BufferView> buffers_;
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_ENCODER_H_
