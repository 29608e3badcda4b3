// Codec of std::optional<T>: a presence byte, then the value, decoded into
// the optional's existing value when it has one. Signature "optional<T>".
#ifndef PKL5_SERIALIZATION_STD_OPTIONAL_H_
#define PKL5_SERIALIZATION_STD_OPTIONAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pkl5/serialization/codec.h"

namespace pkl5 {

template <typename T>
struct Codec<std::optional<T>> {
  static constexpr size_t kMinInbandBytes = 1;
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<T>("optional");
  }
  static void Encode(Encoder& encoder, const std::optional<T>& value) {
    encoder.WriteScalar<uint8_t>(value.has_value() ? 1 : 0);
    if (value.has_value()) Codec<T>::Encode(encoder, *value);
  }
  static absl::Status Decode(Decoder& decoder, std::optional<T>& value) {
    uint8_t present = 0;
    PKL5_RETURN_IF_ERROR(decoder.ReadScalar(present));
    if (present > 1) {
      return decoder.Corrupt(absl::StrCat("optional presence byte ", present));
    }
    if (present == 0) {
      value.reset();
      return absl::OkStatus();
    }
    if (!value.has_value()) value.emplace();
    return Codec<T>::Decode(decoder, *value);
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_OPTIONAL_H_
