// Codec<T>: how a C++ type is encoded into a frame and decoded back.
//
// Every supported type has a specialization with four members:
//
//   struct Codec<T> {
//     // Fewest in-band bytes an encoded T takes (bounds claimed counts).
//     static constexpr size_t kMinInbandBytes = ...;
//     // Appends the type's signature ("vector<f64>"; see type_signature.h).
//     static void AppendSignature(SignatureBuilder& builder);
//     static void Encode(Encoder& encoder, const T& value);
//     // Decodes into an existing value, reusing its storage where it can.
//     static absl::Status Decode(Decoder& decoder, T& value);
//   };
//
// The library's own codecs live in one header per family (scalars.h,
// std_vector.h, std_map.h, ...; serialization.h includes them all). User
// structs opt in with one line, PKL5_FIELDS (fields.h); any other type can
// get a specialization of its own, written like the ones here.
//
// Decoding works in place and in two phases: arrays that travelled
// out-of-band are allocated in their final place and registered as landing
// zones (`Decoder::FillArray`), filled later by the transport. A codec must
// therefore never move a value after decoding into it (decode map values
// inside their node, reserve hash maps before inserting), and must decode
// map keys and set elements inside a `Decoder::InBandOnlyScope`.
#ifndef PKL5_SERIALIZATION_CODEC_H_
#define PKL5_SERIALIZATION_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/serialization/decoder.h"
#include "pkl5/serialization/encoder.h"
#include "pkl5/serialization/storage.h"
#include "pkl5/serialization/type_signature.h"

namespace pkl5 {

template <typename T>
inline constexpr bool kDependentFalse = false;

// The primary template: reached only by types without a codec.
template <typename T, typename Enable>
struct Codec {
  static_assert(kDependentFalse<T>,
                "pkl5 cannot serialize this type (see Codec<T> in the "
                "'required from' lines for its name). Opt a struct in with "
                "PKL5_FIELDS(TypeName, field1, field2, ...) inside its "
                "definition (serialization/fields.h), or specialize "
                "pkl5::Codec<T> (serialization/codec.h). Pointers and "
                "references are never serializable.");
};

// Whether the bytes of a T are its value, so arrays of T are copied (or sent
// out-of-band) in one block: arithmetic types but bool, enums, and what is
// built only from them without padding (std::complex, std::array, C arrays,
// PKL5_FIELDS structs that qualify).
template <typename T, typename Enable = void>
struct IsBulk : std::bool_constant<(std::is_arithmetic_v<T> &&
                                    !std::is_same_v<T, bool>) ||
                                   std::is_enum_v<T>> {};

template <typename T>
inline constexpr bool kIsBulk = IsBulk<T>::value;

template <typename T>
inline constexpr size_t kMinInbandBytesOf = Codec<T>::kMinInbandBytes;

// Encodes `count` bulk elements at `data` as one array.
template <typename T>
void EncodeBulkArray(Encoder& encoder, const T* data, size_t count) {
  static_assert(kIsBulk<T>);
  encoder.WriteArray(data, count, count * sizeof(T));
}

// Decodes a bulk array into a resizable contiguous container, reusing its
// storage when the size matches.
template <typename Container>
absl::Status DecodeBulkArray(Decoder& decoder, Container& container) {
  using Value = typename Container::value_type;
  static_assert(kIsBulk<Value>);
  Decoder::ArrayHeader header;
  PKL5_RETURN_IF_ERROR(decoder.ReadArrayHeader(sizeof(Value), header));
  ResizeForOverwrite(container, static_cast<size_t>(header.count));
  return decoder.FillArray(header, container.data(),
                           container.size() * sizeof(Value));
}

// Decodes a bulk array of exactly `count` elements into `data`.
template <typename T>
absl::Status DecodeFixedBulkArray(Decoder& decoder, T* data, size_t count) {
  static_assert(kIsBulk<T>);
  Decoder::ArrayHeader header;
  PKL5_RETURN_IF_ERROR(decoder.ReadArrayHeader(sizeof(T), header));
  if (header.count != count) {
    return decoder.Corrupt(absl::StrCat("an array of ", header.count,
                                        " elements where ", count,
                                        " are expected"));
  }
  return decoder.FillArray(header, data, count * sizeof(T));
}

// Encodes a range as a count followed by its elements.
template <typename Range>
void EncodeSequence(Encoder& encoder, const Range& range) {
  using Value = typename Range::value_type;
  encoder.WriteScalar<uint64_t>(static_cast<uint64_t>(range.size()));
  for (const Value& value : range) Codec<Value>::Encode(encoder, value);
}

template <typename Container, typename = void>
struct IsContiguous : std::false_type {};
template <typename Container>
struct IsContiguous<
    Container, std::void_t<decltype(std::declval<Container&>().data()),
                           decltype(std::declval<Container&>().capacity())>>
    : std::true_type {};

// Decodes what `EncodeSequence` wrote into a container with `resize`,
// decoding each element in place (reusing nested storage).
template <typename Container>
absl::Status DecodeSequence(Decoder& decoder, Container& container) {
  using Value = typename Container::value_type;
  PKL5_ASSIGN_OR_RETURN(
      const uint64_t count,
      decoder.ReadCount(kMinInbandBytesOf<Value>, sizeof(Value)));
  if constexpr (IsContiguous<Container>::value) {
    ResizeForOverwrite(container, static_cast<size_t>(count));
  } else {
    container.resize(static_cast<size_t>(count));
  }
  for (Value& value : container) {
    PKL5_RETURN_IF_ERROR(Codec<Value>::Decode(decoder, value));
  }
  return absl::OkStatus();
}

// The codec of a container that is a count and its elements; derived
// codecs add `AppendSignature`.
template <typename Container>
struct SequenceCodec {
  static constexpr size_t kMinInbandBytes = sizeof(uint64_t);
  static void Encode(Encoder& encoder, const Container& value) {
    EncodeSequence(encoder, value);
  }
  static absl::Status Decode(Decoder& decoder, Container& value) {
    return DecodeSequence(decoder, value);
  }
};

// Encodes each argument in order.
template <typename... Ts>
void EncodeEach(Encoder& encoder, const Ts&... values) {
  (Codec<Ts>::Encode(encoder, values), ...);
}

// Decodes each argument in order, stopping at the first error.
template <typename... Ts>
absl::Status DecodeEach(Decoder& decoder, Ts&... values) {
  absl::Status status;
  ((status.ok() ? (status = Codec<Ts>::Decode(decoder, values), 0) : 0), ...);
  return status;
}

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_CODEC_H_
