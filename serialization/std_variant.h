// Codecs of std::variant<Ts...> (a 32-bit alternative index, then the
// alternative; signature "variant<A,B>") and of std::monostate (nothing;
// signature "none").
#ifndef PKL5_SERIALIZATION_STD_VARIANT_H_
#define PKL5_SERIALIZATION_STD_VARIANT_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pkl5/serialization/codec.h"

namespace pkl5 {

template <>
struct Codec<std::monostate> {
  static constexpr size_t kMinInbandBytes = 0;
  static void AppendSignature(SignatureBuilder& builder) {
    builder.Append("none");
  }
  static void Encode(Encoder&, const std::monostate&) {}
  static absl::Status Decode(Decoder&, std::monostate&) {
    return absl::OkStatus();
  }
};

template <typename... Ts>
struct Codec<std::variant<Ts...>> {
  using Variant = std::variant<Ts...>;
  static constexpr size_t kMinInbandBytes = sizeof(uint32_t);

  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<Ts...>("variant");
  }
  static void Encode(Encoder& encoder, const Variant& value) {
    encoder.WriteScalar<uint32_t>(static_cast<uint32_t>(value.index()));
    std::visit(
        [&encoder](const auto& alternative) {
          using Alternative = std::decay_t<decltype(alternative)>;
          Codec<Alternative>::Encode(encoder, alternative);
        },
        value);
  }
  static absl::Status Decode(Decoder& decoder, Variant& value) {
    uint32_t index = 0;
    PKL5_RETURN_IF_ERROR(decoder.ReadScalar(index));
    if (index >= sizeof...(Ts)) {
      return decoder.Corrupt(
          absl::StrCat("variant alternative ", index, " of ", sizeof...(Ts)));
    }
    // Keep the held alternative (and its storage) when it is the one sent.
    if (value.index() != index) {
      EmplaceAlternative(value, index, std::index_sequence_for<Ts...>());
    }
    return std::visit(
        [&decoder](auto& alternative) {
          using Alternative = std::decay_t<decltype(alternative)>;
          return Codec<Alternative>::Decode(decoder, alternative);
        },
        value);
  }

 private:
  template <size_t... Is>
  static void EmplaceAlternative(Variant& value, size_t index,
                                 std::index_sequence<Is...>) {
    ((index == Is ? (void)value.template emplace<Is>() : (void)0), ...);
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_VARIANT_H_
