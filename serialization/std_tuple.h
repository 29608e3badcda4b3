// Codecs of std::pair and std::tuple: their elements in order, signatures
// "pair<A,B>" and "tuple<A,B,C>".
#ifndef PKL5_SERIALIZATION_STD_TUPLE_H_
#define PKL5_SERIALIZATION_STD_TUPLE_H_

#include <cstddef>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "pkl5/serialization/codec.h"

namespace pkl5 {

template <typename A, typename B>
struct Codec<std::pair<A, B>> {
  static constexpr size_t kMinInbandBytes =
      kMinInbandBytesOf<A> + kMinInbandBytesOf<B>;
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<A, B>("pair");
  }
  static void Encode(Encoder& encoder, const std::pair<A, B>& value) {
    EncodeEach(encoder, value.first, value.second);
  }
  static absl::Status Decode(Decoder& decoder, std::pair<A, B>& value) {
    return DecodeEach(decoder, value.first, value.second);
  }
};

template <typename... Ts>
struct Codec<std::tuple<Ts...>> {
  static constexpr size_t kMinInbandBytes =
      (size_t{0} + ... + kMinInbandBytesOf<Ts>);
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<Ts...>("tuple");
  }
  static void Encode(Encoder& encoder, const std::tuple<Ts...>& value) {
    std::apply(
        [&encoder](const Ts&... elements) { EncodeEach(encoder, elements...); },
        value);
  }
  static absl::Status Decode(Decoder& decoder, std::tuple<Ts...>& value) {
    return std::apply(
        [&decoder](Ts&... elements) {
          return DecodeEach(decoder, elements...);
        },
        value);
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_TUPLE_H_
