// Codec of flatbuffers::DetachedBuffer (a finished FlatBuffer): its bytes are
// one array, referenced out-of-band (zero copy) when it reaches the
// threshold, and received straight into a new buffer of exactly its size.
// Signature "flatbuffer".
#ifndef PKL5_SERIALIZATION_FLATBUFFERS_BUFFER_H_
#define PKL5_SERIALIZATION_FLATBUFFERS_BUFFER_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "flatbuffers/flatbuffers.h"
#include "pkl5/serialization/codec.h"
#include "pkl5/serialization/storage.h"

namespace pkl5 {

template <>
struct Codec<flatbuffers::DetachedBuffer> {
  static constexpr size_t kMinInbandBytes = sizeof(uint64_t);
  static void AppendSignature(SignatureBuilder& builder) {
    builder.Append("flatbuffer");
  }
  static void Encode(Encoder& encoder,
                     const flatbuffers::DetachedBuffer& value) {
    EncodeBulkArray(encoder, value.data(), value.size());
  }
  static absl::Status Decode(Decoder& decoder,
                             flatbuffers::DetachedBuffer& value) {
    Decoder::ArrayHeader header;
    PKL5_RETURN_IF_ERROR(decoder.ReadArrayHeader(1, header));
    const auto size = static_cast<size_t>(header.count);
    if (value.size() != size) {
      // Owned by the DetachedBuffer, which frees it with delete[] (a null
      // allocator means flatbuffers::DefaultAllocator).
      auto* bytes = new uint8_t[size];
      if (size >= kHugePageAdviceBytes) AdviseHugePages(bytes, size);
      value =
          flatbuffers::DetachedBuffer(nullptr, false, bytes, size, bytes, size);
    }
    return decoder.FillArray(header, value.data(), size);
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_FLATBUFFERS_BUFFER_H_
