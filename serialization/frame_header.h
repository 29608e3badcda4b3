// Builds and checks the FlatBuffers header of a `Frame`.
//
// The transport reads a header without knowing the C++ type, to learn how
// many bytes follow and to drain them when the receiver rejects the object:
//
//   absl::StatusOr<FrameHeader> header = ParseFrameHeader(bytes, options);
//   if (!header.ok()) return header.status();  // kDataLoss: not a pkl5 header
//   for (uint64_t size : header->buffer_sizes) ...
#ifndef PKL5_SERIALIZATION_FRAME_HEADER_H_
#define PKL5_SERIALIZATION_FRAME_HEADER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pkl5/serialization/options.h"

namespace pkl5 {

// The version this library writes and the only one it reads.
inline constexpr uint32_t kFrameHeaderVersion = 1;

// The decoded content of a header.
struct FrameHeader {
  uint32_t version = kFrameHeaderVersion;
  std::string type_name;
  uint64_t type_hash = 0;
  uint64_t inband_size = 0;
  std::vector<uint64_t> buffer_sizes;

  // Returns the in-band size plus every buffer's size: the object's byte
  // count as pkl5 statuses report it.
  uint64_t TotalBytes() const;
};

// Returns the FlatBuffers bytes of `header`.
std::string SerializeFrameHeader(const FrameHeader& header);

// Verifies and reads a header. Returns kDataLoss for bytes that are not a
// pkl5 header (FlatBuffers verifier, file identifier "PKL5"), kUnimplemented
// for another version, and kResourceExhausted when the sizes add up to more
// than `options.max_object_bytes`.
absl::StatusOr<FrameHeader> ParseFrameHeader(absl::string_view bytes,
                                             const DecodeOptions& options = {});

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_FRAME_HEADER_H_
