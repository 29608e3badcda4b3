#include "pkl5/collectives/internal/receive_from_block.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/collectives/internal/block.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/transport/internal/discard_buffer.h"

namespace pkl5::collectives_internal {
namespace {

// Reads the pieces of one object in order: inline ones from the block,
// the others from the part source.
class PieceReader {
 public:
  PieceReader(const transport_internal::EnvelopeInfo& info,
              std::vector<uint64_t> sizes, PartSource& parts)
      : info_(info), sizes_(std::move(sizes)), parts_(parts) {}

  const std::vector<uint64_t>& sizes() const { return sizes_; }
  size_t next() const { return next_; }

  absl::Status Read(void* data) {
    const size_t size = sizes_[next_];
    if (next_ < info_.inline_pieces) {
      if (size > 0) {
        std::memcpy(data, info_.inline_bytes.data() + inline_offset_, size);
      }
      inline_offset_ += size;
    } else {
      PKL5_RETURN_IF_ERROR(parts_.Receive(data, size));
    }
    ++next_;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> ReadString() {
    std::string bytes(sizes_[next_], '\0');
    PKL5_RETURN_IF_ERROR(Read(bytes.data()));
    return bytes;
  }
  // Receives and drops every piece left.
  absl::Status SkipRest() {
    while (next_ < sizes_.size()) {
      if (next_ < info_.inline_pieces) {
        inline_offset_ += sizes_[next_++];
        continue;
      }
      PKL5_ASSIGN_OR_RETURN(
          const transport_internal::DiscardBuffer sink,
          transport_internal::DiscardBuffer::Create(sizes_[next_]));
      PKL5_RETURN_IF_ERROR(Read(sink.data()));
    }
    return absl::OkStatus();
  }

 private:
  const transport_internal::EnvelopeInfo& info_;
  std::vector<uint64_t> sizes_;
  PartSource& parts_;
  size_t next_ = 0;
  size_t inline_offset_ = 0;
};

absl::Status Decode(PieceReader& reader, comm_internal::DecodeTarget& target,
                    const DecodeOptions& options) {
  const std::vector<uint64_t>& sizes = reader.sizes();
  if (sizes.size() < 2) {
    return absl::DataLossError(
        absl::StrCat("not a pkl5 object: ", sizes.size(), " pieces"));
  }
  uint64_t total = 0;
  for (uint64_t size : sizes) total += size;
  if (total > options.max_object_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a pkl5 object of ", total,
                     " bytes is over DecodeOptions::max_object_bytes (",
                     options.max_object_bytes, ")"));
  }
  PKL5_ASSIGN_OR_RETURN(const std::string header_bytes, reader.ReadString());
  PKL5_ASSIGN_OR_RETURN(const FrameHeader header,
                        ParseFrameHeader(header_bytes, options));
  PKL5_RETURN_IF_ERROR(target.CheckType(header));
  if (header.buffer_sizes.size() != sizes.size() - 2) {
    return absl::DataLossError(absl::StrCat(
        "pkl5 object lists ", header.buffer_sizes.size(),
        " buffers in its header but ", sizes.size() - 2, " in its block"));
  }
  PKL5_ASSIGN_OR_RETURN(const std::string inband, reader.ReadString());
  PKL5_ASSIGN_OR_RETURN(const std::vector<LandingZone> zones,
                        target.BeginDecode(header, inband, options));
  for (const LandingZone& zone : zones) {
    if (zone.size != sizes[reader.next()]) {
      return absl::DataLossError(
          absl::StrCat("pkl5 object buffer of ", sizes[reader.next()],
                       " bytes where its header says ", zone.size));
    }
    PKL5_RETURN_IF_ERROR(reader.Read(zone.data));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReceiveFromBlock(absl::string_view block,
                              comm_internal::DecodeTarget& target,
                              const DecodeOptions& options, PartSource& parts) {
  PKL5_ASSIGN_OR_RETURN(const transport_internal::EnvelopeInfo info,
                        ReadBlock(block));
  std::vector<uint64_t> sizes = info.PieceSizes();
  if (!info.size_table_inline) {
    sizes.resize(info.piece_count);
    PKL5_RETURN_IF_ERROR(
        parts.Receive(sizes.data(), sizes.size() * sizeof(uint64_t)));
  }
  PieceReader reader(info, std::move(sizes), parts);
  absl::Status status = Decode(reader, target, options);
  if (!status.ok()) {
    if (absl::Status skipped = reader.SkipRest(); !skipped.ok()) {
      return absl::Status(
          status.code(),
          absl::StrCat(status.message(), "; receiving the rest failed too: ",
                       skipped.ToString()));
    }
  }
  return status;
}

}  // namespace pkl5::collectives_internal
