// Codecs of std::array<T, N> and C arrays T[N], both signed "array<T,N>" and
// interchangeable on the wire. Arrays of bulk elements are one array (and
// out-of-band when large); others are their N elements.
#ifndef PKL5_SERIALIZATION_STD_ARRAY_H_
#define PKL5_SERIALIZATION_STD_ARRAY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pkl5/serialization/codec.h"

namespace pkl5 {
namespace serialization_internal {

template <typename T, size_t N>
struct FixedArrayCodec {
  static constexpr size_t kMinInbandBytes =
      kIsBulk<T> ? sizeof(uint64_t) : N * kMinInbandBytesOf<T>;
  static void AppendSignature(SignatureBuilder& builder) {
    builder.Append("array<");
    builder.Add<T>();
    builder.Append(absl::StrCat(",", N, ">"));
  }
  static void Encode(Encoder& encoder, const T* values) {
    if constexpr (kIsBulk<T>) {
      EncodeBulkArray(encoder, values, N);
    } else {
      for (size_t i = 0; i < N; ++i) Codec<T>::Encode(encoder, values[i]);
    }
  }
  static absl::Status Decode(Decoder& decoder, T* values) {
    if constexpr (kIsBulk<T>) {
      return DecodeFixedBulkArray(decoder, values, N);
    } else {
      for (size_t i = 0; i < N; ++i) {
        PKL5_RETURN_IF_ERROR(Codec<T>::Decode(decoder, values[i]));
      }
      return absl::OkStatus();
    }
  }
};

}  // namespace serialization_internal

template <typename T, size_t N>
struct IsBulk<std::array<T, N>> : IsBulk<T> {};

template <typename T, size_t N>
struct IsBulk<T[N]> : IsBulk<T> {};

template <typename T, size_t N>
struct Codec<std::array<T, N>> {
  using Fixed = serialization_internal::FixedArrayCodec<T, N>;
  static constexpr size_t kMinInbandBytes = Fixed::kMinInbandBytes;
  static void AppendSignature(SignatureBuilder& builder) {
    Fixed::AppendSignature(builder);
  }
  static void Encode(Encoder& encoder, const std::array<T, N>& value) {
    Fixed::Encode(encoder, value.data());
  }
  static absl::Status Decode(Decoder& decoder, std::array<T, N>& value) {
    return Fixed::Decode(decoder, value.data());
  }
};

template <typename T, size_t N>
struct Codec<T[N]> {
  using Fixed = serialization_internal::FixedArrayCodec<T, N>;
  static constexpr size_t kMinInbandBytes = Fixed::kMinInbandBytes;
  static void AppendSignature(SignatureBuilder& builder) {
    Fixed::AppendSignature(builder);
  }
  static void Encode(Encoder& encoder, const T (&value)[N]) {
    Fixed::Encode(encoder, value);
  }
  static absl::Status Decode(Decoder& decoder, T (&value)[N]) {
    return Fixed::Decode(decoder, value);
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_ARRAY_H_
