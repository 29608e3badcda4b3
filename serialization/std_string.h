// Codec of std::string: its characters are one array, out-of-band when long.
#ifndef PKL5_SERIALIZATION_STD_STRING_H_
#define PKL5_SERIALIZATION_STD_STRING_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "serialization/codec.h"

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
    return DecodeBulkArray(decoder, value);
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_STRING_H_
