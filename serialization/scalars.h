// Codecs of scalars: arithmetic types, bool, enums and std::complex.
//
// Scalars travel in host byte order (as in pkl5, sender and receiver must
// share it). Integers sign by size and signedness ("i32", "u64"), floating
// point by size ("f32", "f64"), enums by name and underlying type
// ("enum Color<i32>");
// enums need a fixed underlying type (`enum class`, or `enum E : int`).
#ifndef PKL5_SERIALIZATION_SCALARS_H_
#define PKL5_SERIALIZATION_SCALARS_H_

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pkl5/serialization/codec.h"

namespace pkl5 {
namespace serialization_internal {

template <typename T>
std::string ArithmeticName() {
  if constexpr (std::is_same_v<T, char>) {
    return "char";
  } else if constexpr (std::is_same_v<T, wchar_t>) {
    return "wchar";
  } else if constexpr (std::is_same_v<T, char16_t>) {
    return "char16";
  } else if constexpr (std::is_same_v<T, char32_t>) {
    return "char32";
  } else if constexpr (std::is_floating_point_v<T>) {
    if constexpr (std::is_same_v<T, long double>) return "f80";
    return absl::StrCat("f", sizeof(T) * 8);
  } else {
    return absl::StrCat(std::is_signed_v<T> ? "i" : "u", sizeof(T) * 8);
  }
}

// Only enums with a fixed underlying type can hold every value of it; in
// C++17 exactly those can be list-initialised from it.
template <typename E, typename = void>
struct HasFixedUnderlyingType : std::false_type {};
template <typename E>
struct HasFixedUnderlyingType<
    E, std::void_t<decltype(E{std::declval<std::underlying_type_t<E>>()})>>
    : std::true_type {};

}  // namespace serialization_internal

template <typename T>
struct Codec<
    T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>>> {
  static constexpr size_t kMinInbandBytes = sizeof(T);
  static void AppendSignature(SignatureBuilder& builder) {
    builder.Append(serialization_internal::ArithmeticName<T>());
  }
  static void Encode(Encoder& encoder, const T& value) {
    encoder.WriteScalar(value);
  }
  static absl::Status Decode(Decoder& decoder, T& value) {
    return decoder.ReadScalar(value);
  }
};

// One byte, 0 or 1; any other byte is corrupt (loading it as bool is UB).
template <>
struct Codec<bool> {
  static constexpr size_t kMinInbandBytes = 1;
  static void AppendSignature(SignatureBuilder& builder) {
    builder.Append("bool");
  }
  static void Encode(Encoder& encoder, const bool& value) {
    encoder.WriteScalar<uint8_t>(value ? 1 : 0);
  }
  static absl::Status Decode(Decoder& decoder, bool& value) {
    uint8_t byte = 0;
    PKL5_RETURN_IF_ERROR(decoder.ReadScalar(byte));
    if (byte > 1) {
      return decoder.Corrupt(absl::StrCat("bool byte ", byte));
    }
    value = byte == 1;
    return absl::OkStatus();
  }
};

// Received enum values are not checked against the enumerators, so the enum
// must be able to hold any value of its underlying type.
template <typename T>
struct Codec<T, std::enable_if_t<std::is_enum_v<T>>> {
  static_assert(serialization_internal::HasFixedUnderlyingType<T>::value,
                "pkl5 sends only enums with a fixed underlying type: declare "
                "it `enum class Name { ... }` or `enum Name : int { ... }`");
  using Underlying = std::underlying_type_t<T>;
  static constexpr size_t kMinInbandBytes = sizeof(T);
  // "enum Color<u16>": the enum's own name, so two enums of one
  // underlying type are told apart, and its underlying type.
  static void AppendSignature(SignatureBuilder& builder) {
    constexpr std::string_view name =
        serialization_internal::UnqualifiedTypeName<T>();
    builder.Append("enum ");
    builder.AddTemplate<Underlying>(
        absl::string_view(name.data(), name.size()));
  }
  static void Encode(Encoder& encoder, const T& value) {
    encoder.WriteScalar(value);
  }
  static absl::Status Decode(Decoder& decoder, T& value) {
    return decoder.ReadScalar(value);
  }
};

template <typename T>
struct IsBulk<std::complex<T>> : IsBulk<T> {};

template <typename T>
struct Codec<std::complex<T>> {
  static constexpr size_t kMinInbandBytes = sizeof(std::complex<T>);
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<T>("complex");
  }
  static void Encode(Encoder& encoder, const std::complex<T>& value) {
    encoder.WriteScalar(value);
  }
  static absl::Status Decode(Decoder& decoder, std::complex<T>& value) {
    return decoder.ReadScalar(value);
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_SCALARS_H_
