// PKL5_FIELDS: the one-line opt-in of a user struct.
//
//   struct Particle {
//     std::string name;
//     std::vector<double> position;
//     int charge = 0;
//     PKL5_FIELDS(Particle, name, position, charge);
//   };
//
// The fields are encoded in the order listed; the struct signs by the name
// given ("Particle") and hashes with its fields' signatures, so a receiver
// whose Particle has other fields is told so. The struct must be default
// constructible. List every field that carries state: unlisted fields are
// neither sent nor touched on receipt.
//
// A struct whose listed fields are all bulk (arithmetic, enums, arrays of
// them, other such structs), cover it entirely (no padding) and that is
// trivially copyable is itself bulk: a std::vector<Particle3> of them travels
// as one block, out-of-band when large.
//
// For a type you cannot edit, specialize pkl5::Codec<T> (see codec.h).
#ifndef PKL5_SERIALIZATION_FIELDS_H_
#define PKL5_SERIALIZATION_FIELDS_H_

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "pkl5/serialization/codec.h"

// Inside a struct's definition: names the struct and lists its fields.
#define PKL5_FIELDS(Type, ...)                                  \
  static constexpr const char* Pkl5TypeName() { return #Type; } \
  auto Pkl5Fields() { return ::std::tie(__VA_ARGS__); }         \
  auto Pkl5Fields() const { return ::std::tie(__VA_ARGS__); }   \
  static_assert(true, "PKL5_FIELDS wants a semicolon after it")

namespace pkl5 {
namespace serialization_internal {

template <typename T, typename = void>
struct HasFields : std::false_type {};
template <typename T>
struct HasFields<T, std::void_t<decltype(std::declval<const T&>().Pkl5Fields()),
                                decltype(T::Pkl5TypeName())>> : std::true_type {
};

// Like std::remove_cvref_t (C++20); std::decay_t would turn a C array field
// into a pointer.
template <typename T>
using RemoveCvRef = std::remove_cv_t<std::remove_reference_t<T>>;

// std::tuple<const A&, const B&> -> facts about A and B.
template <typename Tie>
struct FieldList;
template <typename... Refs>
struct FieldList<std::tuple<Refs...>> {
  static constexpr bool kAllBulk = (kIsBulk<RemoveCvRef<Refs>> && ...);
  static constexpr size_t kTotalSize =
      (size_t{0} + ... + sizeof(RemoveCvRef<Refs>));
  static constexpr size_t kMinInbandBytes =
      (size_t{0} + ... + kMinInbandBytesOf<RemoveCvRef<Refs>>);
  static void AppendSignatures(SignatureBuilder& builder) {
    bool first = true;
    ((builder.Append(first ? "" : ","), first = false,
      builder.Add<RemoveCvRef<Refs>>()),
     ...);
  }
};

template <typename T>
using FieldsOf = FieldList<decltype(std::declval<const T&>().Pkl5Fields())>;

template <typename T>
constexpr bool FieldsAreBulk() {
  if constexpr (HasFields<T>::value) {
    return std::is_trivially_copyable_v<T> && FieldsOf<T>::kAllBulk &&
           FieldsOf<T>::kTotalSize == sizeof(T);
  } else {
    return false;
  }
}

}  // namespace serialization_internal

template <typename T>
struct IsBulk<T, std::enable_if_t<serialization_internal::HasFields<T>::value>>
    : std::bool_constant<serialization_internal::FieldsAreBulk<T>()> {};

template <typename T>
struct Codec<T, std::enable_if_t<serialization_internal::HasFields<T>::value>> {
  using Fields = serialization_internal::FieldsOf<T>;

  static constexpr size_t kMinInbandBytes =
      kIsBulk<T> ? sizeof(T) : Fields::kMinInbandBytes;

  static void AppendSignature(SignatureBuilder& builder) {
    if (builder.BeginUserType(T::Pkl5TypeName())) {
      builder.Append("{");
      Fields::AppendSignatures(builder);
      builder.Append("}");
      builder.EndUserType();
    }
  }
  static void Encode(Encoder& encoder, const T& value) {
    if constexpr (kIsBulk<T>) {
      encoder.WriteScalar(value);
    } else {
      std::apply(
          [&encoder](const auto&... fields) { EncodeEach(encoder, fields...); },
          value.Pkl5Fields());
    }
  }
  static absl::Status Decode(Decoder& decoder, T& value) {
    if constexpr (kIsBulk<T>) {
      return decoder.ReadScalar(value);
    } else {
      return std::apply(
          [&decoder](auto&... fields) {
            return DecodeEach(decoder, fields...);
          },
          value.Pkl5Fields());
    }
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_FIELDS_H_
