// Codec of std::string: its characters are one array, out-of-band when long.
#ifndef PKL5_SERIALIZATION_STD_STRING_H_
#define PKL5_SERIALIZATION_STD_STRING_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "pkl5/serialization/codec.h"

namespace pkl5 {

template <>
struct Codec<std::string> {
  static constexpr size_t kMinInbandBytes = sizeof(uint64_t);
  static void AppendSignature(SignatureBuilder& builder) {
    builder.Append("string");
  }
  static void Encode(Encoder& encoder, const std::string& value) {
    EncodeBulkArray(encoder, value.data(), value.size());
  }
  static absl::Status Decode(Decoder& decoder, std::string& value) {
    Decoder::ArrayHeader header;
    PKL5_RETURN_IF_ERROR(decoder.ReadArrayHeader(1, header));
    const auto size = static_cast<size_t>(header.count);
    if (!header.out_of_band) {
      // One copy, no zero-fill: many strings are short and in-band.
      value.assign(decoder.SkipInBand(size), size);
      return absl::OkStatus();
    }
    ResizeForOverwrite(value, size);
    return decoder.FillArray(header, value.data(), size);
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_STRING_H_
