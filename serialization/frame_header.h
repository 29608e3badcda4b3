// Builds and checks the header of a `Frame`, in one of two forms:
//
// - FlatBuffers (frame_header.fbs), size-prefixed, file identifier "PKL5":
//   every frame with out-of-band buffers.
// - Compact, for a frame of in-band bytes only (every small object): fixed
//   fields in host byte order, so a sender writes it by patching one field
//   of a per-type template and a receiver checks its type with one
//   comparison, neither building nor verifying a table:
//
//     offset  0  uint32  magic "PK5C" (0x43354b50)
//     offset  4  uint32  version (kCompactHeaderVersion)
//     offset  8  uint64  type hash
//     offset 16  uint64  in-band size
//     offset 24  uint32  length of the type name
//     offset 28          the type name, no terminator; nothing after it
//
//   A FlatBuffers header never starts with that magic: its first word is
//   its own size, and no header is 1.1 GB.
//
// The transport reads a header without knowing the C++ type, to learn how
// many bytes follow and to drain them when the receiver rejects the object:
//
//   absl::StatusOr<FrameHeader> header = ParseFrameHeader(bytes, options);
//   if (!header.ok()) return header.status();  // kDataLoss: not a pkl5 header
//   for (uint64_t size : header->buffer_sizes) ...
#ifndef PKL5_SERIALIZATION_FRAME_HEADER_H_
#define PKL5_SERIALIZATION_FRAME_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/base/config.h"
#include "absl/status/status.h"
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

// The version of the compact form this library writes and reads.
inline constexpr uint32_t kCompactHeaderVersion = 1;
inline constexpr size_t kCompactHeaderPrefixBytes = 28;
inline constexpr size_t kCompactHeaderInbandSizeOffset = 16;

// Returns the FlatBuffers bytes of `header`.
std::string SerializeFrameHeader(const FrameHeader& header);

// Returns the compact bytes of a header of no buffers.
std::string SerializeCompactHeader(absl::string_view type_name,
                                   uint64_t type_hash, uint64_t inband_size);

// Whether `bytes` are a compact header (by their magic; ParseFrameHeader
// checks the rest).
bool IsCompactHeader(absl::string_view bytes);

// Verifies and reads a header of either form. Returns kDataLoss for bytes
// that are not a pkl5 header (FlatBuffers verifier and file identifier
// "PKL5", or the compact form's exact layout), kUnimplemented
// for another version, and kResourceExhausted when the sizes add up to more
// than `options.max_object_bytes`.
absl::StatusOr<FrameHeader> ParseFrameHeader(absl::string_view bytes,
                                             const DecodeOptions& options = {});

namespace serialization_internal {

// The `Word` at `bytes`, wherever it is aligned.
template <typename Word>
Word LoadWord(const char* bytes) {
  Word word;
  std::memcpy(&word, bytes, sizeof(word));
  return word;
}

// Whether the compact headers `a` and `b`, both `size` bytes (at least
// kCompactHeaderPrefixBytes), are alike but for their in-band sizes. Word
// by word, inline: every small object's receive compares one, and two
// calls to memcmp cost twice as much.
inline bool SameCompactHeaderButSize(const char* a, const char* b,
                                     size_t size) {
  static_assert(kCompactHeaderInbandSizeOffset == 16 &&
                kCompactHeaderPrefixBytes == 28);
  // Magic, version and type hash; then, past the in-band size, the name's
  // length and the name.
  uint64_t differs = (LoadWord<uint64_t>(a) ^ LoadWord<uint64_t>(b)) |
                     (LoadWord<uint64_t>(a + 8) ^ LoadWord<uint64_t>(b + 8));
  if (size >= 32) {
    for (size_t offset = 24; offset + 8 < size; offset += 8) {
      differs |=
          LoadWord<uint64_t>(a + offset) ^ LoadWord<uint64_t>(b + offset);
    }
    // The last word ends at `size` (it may overlap the one before).
    differs |=
        LoadWord<uint64_t>(a + size - 8) ^ LoadWord<uint64_t>(b + size - 8);
  } else {
    // A name of at most 3 bytes: the word ending at `size` starts inside
    // the in-band size, whose bytes are shifted out.
    const uint64_t last =
        LoadWord<uint64_t>(a + size - 8) ^ LoadWord<uint64_t>(b + size - 8);
    const size_t size_bytes_in_it = 32 - size;
#if defined(ABSL_IS_LITTLE_ENDIAN)
    differs |= last >> (8 * size_bytes_in_it);
#else
    differs |= last << (8 * size_bytes_in_it);
#endif
  }
  return differs == 0;
}

// DecodeInto's errors for a compact frame of `type_name`, out of line so
// that the decode every small object takes stays small enough to inline:
// its in-band bytes and buffers are not what the header says,
absl::Status CompactFrameMismatch(absl::string_view type_name,
                                  size_t inband_size, size_t buffers,
                                  uint64_t header_inband_size);
// or its size is over `max_object_bytes`; and any frame's decode ran out
// of memory, or met a container longer than this machine allows.
absl::Status CompactFrameOverCap(absl::string_view type_name,
                                 uint64_t max_object_bytes);
absl::Status OutOfMemoryDecoding(absl::string_view type_name);
absl::Status TooLongToDecode(absl::string_view type_name);

}  // namespace serialization_internal
}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_FRAME_HEADER_H_
