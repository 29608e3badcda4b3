#include "pkl5/collectives/internal/block.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace pkl5::collectives_internal {
namespace {

// A block starts with a status code (0: an object's envelope follows) and
// the length of what follows (envelope or error message); zeros pad it.
struct BlockPrefix {
  int32_t code = 0;
  uint32_t length = 0;
};
constexpr size_t kEnvelopeRoom = kBlockBytes - sizeof(BlockPrefix);

}  // namespace

absl::Status CheckObjectSize(absl::Span<const ConstPiece> pieces,
                             const DecodeOptions& decode) {
  uint64_t total = 0;
  for (const ConstPiece& piece : pieces) total += piece.size;
  if (total <= decode.max_object_bytes) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("pkl5 collective: an object of ", total,
                   " bytes is over DecodeOptions::max_object_bytes (",
                   decode.max_object_bytes, ")"));
}

std::vector<ConstPiece> WriteObjectBlock(absl::Span<const ConstPiece> pieces,
                                         char* block,
                                         std::vector<uint64_t>& table) {
  std::string envelope;
  const transport_internal::EnvelopeLayout layout =
      transport_internal::BuildEnvelope(pieces, /*channel_tag=*/0, envelope,
                                        kEnvelopeRoom);
  BlockPrefix prefix;
  prefix.length = static_cast<uint32_t>(envelope.size());
  std::memcpy(block, &prefix, sizeof(prefix));
  std::memcpy(block + sizeof(prefix), envelope.data(), envelope.size());
  std::memset(block + sizeof(prefix) + envelope.size(), 0,
              kEnvelopeRoom - envelope.size());
  std::vector<ConstPiece> parts;
  if (!layout.size_table_inline) {
    table.clear();
    for (const ConstPiece& piece : pieces) table.push_back(piece.size);
    parts.push_back({table.data(), table.size() * sizeof(uint64_t)});
  }
  for (size_t i = layout.inline_pieces; i < pieces.size(); ++i) {
    parts.push_back(pieces[i]);
  }
  return parts;
}

void WriteErrorBlock(const absl::Status& error, char* block) {
  const std::string message(error.message().substr(0, kEnvelopeRoom));
  BlockPrefix prefix;
  prefix.code = static_cast<int32_t>(error.code());
  prefix.length = static_cast<uint32_t>(message.size());
  std::memset(block, 0, kBlockBytes);
  std::memcpy(block, &prefix, sizeof(prefix));
  std::memcpy(block + sizeof(prefix), message.data(), message.size());
}

absl::StatusOr<transport_internal::EnvelopeInfo> ReadBlock(
    absl::string_view block) {
  if (block.size() != kBlockBytes) {
    return absl::DataLossError(absl::StrCat("a pkl5 collective block of ",
                                            block.size(), " bytes, not ",
                                            kBlockBytes));
  }
  BlockPrefix prefix;
  std::memcpy(&prefix, block.data(), sizeof(prefix));
  if (prefix.code < 0 || prefix.code > 16 || prefix.length > kEnvelopeRoom) {
    return absl::DataLossError("a corrupt pkl5 collective block");
  }
  const absl::string_view content = block.substr(sizeof(prefix), prefix.length);
  if (prefix.code != 0) {
    return absl::Status(static_cast<absl::StatusCode>(prefix.code), content);
  }
  return transport_internal::ParseEnvelope(content, kEnvelopeRoom);
}

}  // namespace pkl5::collectives_internal
