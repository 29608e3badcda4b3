#include "pkl5/serialization/frame_header.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "flatbuffers/flatbuffers.h"
#include "pkl5/serialization/frame_header_generated.h"

namespace pkl5 {
namespace wire = ::pkl5::serialization::wire;

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

absl::StatusOr<FrameHeader> ParseFrameHeader(absl::string_view bytes,
                                             const DecodeOptions& options) {
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
  uint64_t total = header.inband_size;
  bool overflow = total > options.max_object_bytes;
  if (table->buffer_sizes() != nullptr) {
    header.buffer_sizes.assign(table->buffer_sizes()->begin(),
                               table->buffer_sizes()->end());
    for (uint64_t size : header.buffer_sizes) {
      overflow = overflow || size > options.max_object_bytes - total;
      if (overflow) break;
      total += size;
    }
  }
  if (overflow) {
    return absl::ResourceExhaustedError(
        absl::StrCat("pkl5 frame of type ", header.type_name,
                     " claims more than ", options.max_object_bytes,
                     " bytes (DecodeOptions::max_object_bytes); rejected"));
  }
  return header;
}

}  // namespace pkl5
