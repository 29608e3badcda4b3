#include "pkl5/serialization/frame_header.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "flatbuffers/flatbuffers.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/serialization/frame_header_generated.h"

namespace pkl5 {
namespace wire = ::pkl5::serialization::wire;
namespace {

using serialization_internal::LoadWord;

constexpr uint32_t kCompactMagic = 0x43354b50;  // "PK5C"

template <typename T>
void Store(std::string& bytes, const T& value) {
  bytes.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

absl::Status CheckTotal(const FrameHeader& header,
                        const DecodeOptions& options) {
  uint64_t total = header.inband_size;
  bool overflow = total > options.max_object_bytes;
  for (uint64_t size : header.buffer_sizes) {
    overflow = overflow || size > options.max_object_bytes - total;
    if (overflow) break;
    total += size;
  }
  if (overflow) {
    return absl::ResourceExhaustedError(
        absl::StrCat("pkl5 frame of type ", header.type_name,
                     " claims more than ", options.max_object_bytes,
                     " bytes (DecodeOptions::max_object_bytes); rejected"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FrameHeader> ParseCompactHeader(absl::string_view bytes,
                                               const DecodeOptions& options) {
  if (bytes.size() < kCompactHeaderPrefixBytes) {
    return absl::DataLossError(absl::StrCat(
        "truncated pkl5 compact frame header: ", bytes.size(), " bytes"));
  }
  FrameHeader header;
  header.version = LoadWord<uint32_t>(bytes.data() + 4);
  if (header.version != kCompactHeaderVersion) {
    return absl::UnimplementedError(
        absl::StrCat("pkl5 compact frame header version ", header.version,
                     " is not supported; this library reads version ",
                     kCompactHeaderVersion));
  }
  header.version = kFrameHeaderVersion;
  const uint32_t name_size = LoadWord<uint32_t>(bytes.data() + 24);
  if (name_size != bytes.size() - kCompactHeaderPrefixBytes) {
    return absl::DataLossError(absl::StrCat(
        "corrupt pkl5 compact frame header: a type name of ", name_size,
        " bytes in ", bytes.size() - kCompactHeaderPrefixBytes));
  }
  header.type_hash = LoadWord<uint64_t>(bytes.data() + 8);
  header.inband_size =
      LoadWord<uint64_t>(bytes.data() + kCompactHeaderInbandSizeOffset);
  header.type_name.assign(bytes.data() + kCompactHeaderPrefixBytes, name_size);
  PKL5_RETURN_IF_ERROR(CheckTotal(header, options));
  return header;
}

}  // namespace

uint64_t FrameHeader::TotalBytes() const {
  uint64_t total = inband_size;
  for (uint64_t size : buffer_sizes) total += size;
  return total;
}

std::string SerializeFrameHeader(const FrameHeader& header) {
  flatbuffers::FlatBufferBuilder builder(128 + header.type_name.size() +
                                         8 * header.buffer_sizes.size());
  const auto type_name = builder.CreateString(header.type_name);
  const auto buffer_sizes = builder.CreateVector(header.buffer_sizes);
  wire::FrameHeaderBuilder table(builder);
  table.add_version(header.version);
  table.add_type_name(type_name);
  table.add_type_hash(header.type_hash);
  table.add_inband_size(header.inband_size);
  table.add_buffer_sizes(buffer_sizes);
  // Size-prefixed, so a truncated header is always detected: the verifier
  // alone accepts a buffer missing trailing padding.
  wire::FinishSizePrefixedFrameHeaderBuffer(builder, table.Finish());
  return std::string(reinterpret_cast<const char*>(builder.GetBufferPointer()),
                     builder.GetSize());
}

std::string SerializeCompactHeader(absl::string_view type_name,
                                   uint64_t type_hash, uint64_t inband_size) {
  // Type names are signatures of a few hundred bytes at most; one that
  // cannot say its length in 32 bits is cut (and then fails the check).
  const uint32_t name_size = static_cast<uint32_t>(
      std::min<size_t>(type_name.size(), std::numeric_limits<uint32_t>::max()));
  std::string bytes;
  bytes.reserve(kCompactHeaderPrefixBytes + name_size);
  Store(bytes, kCompactMagic);
  Store(bytes, kCompactHeaderVersion);
  Store(bytes, type_hash);
  Store(bytes, inband_size);
  Store(bytes, name_size);
  bytes.append(type_name.data(), name_size);
  return bytes;
}

bool IsCompactHeader(absl::string_view bytes) {
  return bytes.size() >= sizeof(kCompactMagic) &&
         LoadWord<uint32_t>(bytes.data()) == kCompactMagic;
}

absl::StatusOr<FrameHeader> ParseFrameHeader(absl::string_view bytes,
                                             const DecodeOptions& options) {
  if (IsCompactHeader(bytes)) return ParseCompactHeader(bytes, options);
  // FlatBuffers loads its scalars in place and checks alignment only
  // relative to the buffer start: a header that arrives misaligned (inside a
  // received envelope, say) is read from an aligned copy (a string's bytes
  // are at least 8-aligned, in its own storage or malloc's).
  std::string aligned;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(uint64_t) != 0) {
    aligned.assign(bytes.data(), bytes.size());
    bytes = aligned;
  }
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  constexpr size_t kPrefix = sizeof(flatbuffers::uoffset_t);
  if (bytes.size() < kPrefix + kPrefix + flatbuffers::kFileIdentifierLength ||
      !wire::SizePrefixedFrameHeaderBufferHasIdentifier(data)) {
    return absl::DataLossError(
        absl::StrCat("not a pkl5 frame header: ", bytes.size(),
                     " bytes without the \"PKL5\" file identifier"));
  }
  const size_t prefixed_size =
      flatbuffers::ReadScalar<flatbuffers::uoffset_t>(data);
  if (prefixed_size != bytes.size() - kPrefix) {
    return absl::DataLossError(absl::StrCat(
        "truncated or padded pkl5 frame header: ", bytes.size() - kPrefix,
        " bytes where its size prefix says ", prefixed_size));
  }
  flatbuffers::Verifier verifier(data, bytes.size());
  if (!wire::VerifySizePrefixedFrameHeaderBuffer(verifier)) {
    return absl::DataLossError(
        absl::StrCat("corrupt pkl5 frame header: ", bytes.size(),
                     " bytes fail FlatBuffers verification"));
  }
  const wire::FrameHeader* table = wire::GetSizePrefixedFrameHeader(data);
  FrameHeader header;
  header.version = table->version();
  if (header.version != kFrameHeaderVersion) {
    return absl::UnimplementedError(absl::StrCat(
        "pkl5 frame header version ", header.version,
        " is not supported; this library reads version ", kFrameHeaderVersion));
  }
  if (table->type_name() != nullptr) {
    header.type_name = table->type_name()->str();
  }
  header.type_hash = table->type_hash();
  header.inband_size = table->inband_size();
  if (table->buffer_sizes() != nullptr) {
    header.buffer_sizes.assign(table->buffer_sizes()->begin(),
                               table->buffer_sizes()->end());
  }
  PKL5_RETURN_IF_ERROR(CheckTotal(header, options));
  return header;
}

namespace serialization_internal {

absl::Status CompactFrameMismatch(absl::string_view type_name,
                                  size_t inband_size, size_t buffers,
                                  uint64_t header_inband_size) {
  return absl::DataLossError(absl::StrCat(
      "pkl5 frame of ", type_name, " has ", inband_size, " in-band bytes and ",
      buffers, " buffers but its header says ", header_inband_size,
      " and none"));
}

absl::Status CompactFrameOverCap(absl::string_view type_name,
                                 uint64_t max_object_bytes) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "pkl5 frame of type ", type_name, " claims more than ", max_object_bytes,
      " bytes (DecodeOptions::max_object_bytes); rejected"));
}

absl::Status OutOfMemoryDecoding(absl::string_view type_name) {
  return absl::ResourceExhaustedError(
      absl::StrCat("out of memory decoding a pkl5 frame of ", type_name));
}

absl::Status TooLongToDecode(absl::string_view type_name) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "a container too long for this machine in a pkl5 frame of ", type_name));
}

}  // namespace serialization_internal
}  // namespace pkl5
