// Codec of std::vector (any allocator), signature "vector<T>".
//
// Vectors of bulk elements (see IsBulk) are one array: copied in-band when
// small, referenced out-of-band (zero copy) when large, and decoded straight
// into the vector's storage. Other vectors are a count and their elements.
// std::vector<bool> is one byte per element.
#ifndef PKL5_SERIALIZATION_STD_VECTOR_H_
#define PKL5_SERIALIZATION_STD_VECTOR_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "pkl5/serialization/codec.h"
#include "pkl5/serialization/scalars.h"

namespace pkl5 {

// The codec of every contiguous, resizable vector type (std::vector,
// absl::InlinedVector): they sign alike and are interchangeable.
template <typename Vector>
struct VectorCodec {
  using Value = typename Vector::value_type;
  static constexpr size_t kMinInbandBytes = sizeof(uint64_t);
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<Value>("vector");
  }
  static void Encode(Encoder& encoder, const Vector& value) {
    if constexpr (kIsBulk<Value>) {
      EncodeBulkArray(encoder, value.data(), value.size());
    } else {
      EncodeSequence(encoder, value);
    }
  }
  static absl::Status Decode(Decoder& decoder, Vector& value) {
    if constexpr (kIsBulk<Value>) {
      return DecodeBulkArray(decoder, value);
    } else {
      return DecodeSequence(decoder, value);
    }
  }
};

template <typename T, typename Allocator>
struct Codec<std::vector<T, Allocator>>
    : VectorCodec<std::vector<T, Allocator>> {};

template <typename Allocator>
struct Codec<std::vector<bool, Allocator>> {
  static constexpr size_t kMinInbandBytes = sizeof(uint64_t);
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<bool>("vector");
  }
  static void Encode(Encoder& encoder,
                     const std::vector<bool, Allocator>& value) {
    encoder.WriteScalar<uint64_t>(value.size());
    for (const bool bit : value) Codec<bool>::Encode(encoder, bit);
  }
  static absl::Status Decode(Decoder& decoder,
                             std::vector<bool, Allocator>& value) {
    PKL5_ASSIGN_OR_RETURN(const uint64_t count,
                          decoder.ReadCount(/*min_inband_bytes=*/1,
                                            /*element_memory=*/1));
    value.resize(static_cast<size_t>(count));
    for (size_t i = 0; i < value.size(); ++i) {
      bool bit = false;
      PKL5_RETURN_IF_ERROR(Codec<bool>::Decode(decoder, bit));
      value[i] = bit;
    }
    return absl::OkStatus();
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_VECTOR_H_
