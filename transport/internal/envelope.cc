#include "pkl5/transport/internal/envelope.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pkl5::transport_internal {

bool FitsInEnvelope(absl::Span<const ConstPiece> pieces,
                    size_t envelope_bytes) {
  size_t bytes = sizeof(EnvelopePrefix);
  for (const ConstPiece& piece : pieces) {
    bytes += sizeof(uint64_t) + piece.size;
    if (bytes > envelope_bytes) return false;
  }
  return true;
}

EnvelopeLayout BuildEnvelope(absl::Span<const ConstPiece> pieces,
                             int32_t channel_tag, std::string& envelope,
                             size_t envelope_bytes) {
  EnvelopePrefix prefix = EnvelopePrefixOf(pieces, channel_tag);
  size_t room = envelope_bytes - sizeof(EnvelopePrefix);
  const size_t table_bytes = pieces.size() * sizeof(uint64_t);
  if (table_bytes <= room) {
    prefix.flags = kSizeTableInline;
    room -= table_bytes;
  }
  // Without the table the receiver could not split inline bytes.
  while ((prefix.flags & kSizeTableInline) &&
         prefix.inline_pieces < pieces.size() &&
         pieces[prefix.inline_pieces].size <= room) {
    room -= pieces[prefix.inline_pieces].size;
    ++prefix.inline_pieces;
  }
  // No channel message follows a whole envelope: it needs no channel tag.
  if (prefix.inline_pieces == prefix.piece_count &&
      (prefix.flags & kSizeTableInline)) {
    prefix.channel_tag = 0;
  }
  // Sized once and written in place: this runs for every object sent.
  envelope.resize(envelope_bytes - room);
  char* out = WriteEnvelopeHead(prefix, pieces, envelope.data());
  for (uint32_t i = 0; i < prefix.inline_pieces; ++i) {
    if (pieces[i].size > 0) std::memcpy(out, pieces[i].data, pieces[i].size);
    out += pieces[i].size;
  }
  return EnvelopeLayout{(prefix.flags & kSizeTableInline) != 0,
                        prefix.inline_pieces};
}

std::string BuildEnvelope(absl::Span<const ConstPiece> pieces,
                          int32_t channel_tag, size_t envelope_bytes) {
  std::string envelope;
  BuildEnvelope(pieces, channel_tag, envelope, envelope_bytes);
  return envelope;
}

absl::StatusOr<EnvelopeInfo> ParseEnvelope(absl::string_view bytes,
                                           size_t envelope_bytes) {
  EnvelopeInfo whole;
  if (ParseWholeTwoPieces(bytes, envelope_bytes, whole.size_table,
                          whole.inline_bytes)) {
    whole.piece_count = 2;
    whole.inline_pieces = 2;
    return whole;
  }
  EnvelopePrefix prefix;
  if (bytes.size() > envelope_bytes) {
    return absl::DataLossError(
        absl::StrCat("not a pkl5 message: ", bytes.size(),
                     " bytes, more than the envelope's ", envelope_bytes));
  }
  if (bytes.size() < sizeof(EnvelopePrefix)) {
    return absl::DataLossError(absl::StrCat(
        "not a pkl5 message: ", bytes.size(),
        " bytes, shorter than the envelope's ", sizeof(EnvelopePrefix)));
  }
  std::memcpy(&prefix, bytes.data(), sizeof(EnvelopePrefix));
  if (prefix.magic != kEnvelopeMagic) {
    return absl::DataLossError(absl::StrCat(
        "not a pkl5 message: ", bytes.size(),
        " bytes without the pkl5 envelope magic (a raw MPI message on a "
        "tag pkl5 receives on?)"));
  }
  if (prefix.version != kEnvelopeVersion) {
    return absl::UnimplementedError(absl::StrCat(
        "pkl5 envelope version ", prefix.version,
        " is not supported; this library speaks version ", kEnvelopeVersion));
  }
  if (prefix.inline_pieces > prefix.piece_count || prefix.channel_tag < 0 ||
      (prefix.flags & ~kSizeTableInline) != 0 || prefix.reserved[0] != 0 ||
      prefix.reserved[1] != 0 || prefix.reserved[2] != 0) {
    return absl::DataLossError("corrupt pkl5 envelope prefix");
  }
  EnvelopeInfo info;
  info.channel_tag = prefix.channel_tag;
  info.piece_count = prefix.piece_count;
  info.inline_pieces = prefix.inline_pieces;
  info.size_table_inline = (prefix.flags & kSizeTableInline) != 0;
  absl::string_view rest = bytes.substr(sizeof(EnvelopePrefix));
  // BuildEnvelope puts the table inline exactly when it fits.
  const size_t table_bytes = size_t{prefix.piece_count} * sizeof(uint64_t);
  const size_t room = envelope_bytes - sizeof(EnvelopePrefix);
  if (info.size_table_inline != (table_bytes <= room)) {
    return absl::DataLossError(absl::StrCat(
        "corrupt pkl5 envelope: the size table of ", prefix.piece_count,
        " pieces is ", info.size_table_inline ? "inline" : "on the channel",
        " although it ", info.size_table_inline ? "does not fit" : "fits",
        " in ", envelope_bytes, " bytes"));
  }
  if (info.size_table_inline) {
    if (table_bytes > rest.size()) {
      return absl::DataLossError(absl::StrCat(
          "truncated pkl5 envelope: a size table of ", prefix.piece_count,
          " pieces in ", rest.size(), " bytes"));
    }
    info.size_table = rest.substr(0, table_bytes);
    rest.remove_prefix(table_bytes);
    uint64_t inline_size = 0;
    for (uint32_t i = 0; i < info.inline_pieces; ++i) {
      if (info.piece_size(i) > rest.size() - inline_size) {
        return absl::DataLossError(
            absl::StrCat("truncated pkl5 envelope: inline piece ", i, " of ",
                         info.piece_size(i), " bytes does not fit"));
      }
      inline_size += info.piece_size(i);
    }
    if (inline_size != rest.size()) {
      return absl::DataLossError(absl::StrCat(
          "corrupt pkl5 envelope: ", rest.size(),
          " inline bytes where the sizes add up to ", inline_size));
    }
    // BuildEnvelope inlines the longest prefix of pieces that fits.
    if (info.inline_pieces < info.piece_count &&
        info.piece_size(info.inline_pieces) <=
            room - table_bytes - inline_size) {
      return absl::DataLossError(absl::StrCat(
          "corrupt pkl5 envelope: piece ", info.inline_pieces, " of ",
          info.piece_size(info.inline_pieces),
          " bytes is announced on the channel although it fits inline"));
    }
  } else if (info.inline_pieces != 0) {
    return absl::DataLossError(
        "corrupt pkl5 envelope: inline pieces without a size table");
  } else if (!rest.empty()) {
    // Found by tools/fuzz.sh: trailing bytes were accepted and ignored.
    return absl::DataLossError(
        absl::StrCat("corrupt pkl5 envelope: ", rest.size(),
                     " bytes after a prefix that announces none"));
  }
  if (info.whole() && info.channel_tag != 0) {
    return absl::DataLossError(
        absl::StrCat("corrupt pkl5 envelope: channel tag ", info.channel_tag,
                     " on an object that has no channel messages"));
  }
  info.inline_bytes = rest;
  return info;
}

size_t EnvelopeLength(absl::string_view bytes, size_t envelope_bytes) {
  EnvelopePrefix prefix;
  if (bytes.size() < sizeof(EnvelopePrefix)) return 0;
  std::memcpy(&prefix, bytes.data(), sizeof(EnvelopePrefix));
  if ((prefix.flags & kSizeTableInline) == 0) return sizeof(EnvelopePrefix);
  if (prefix.inline_pieces > prefix.piece_count) return 0;
  const size_t limit = std::min(bytes.size(), envelope_bytes);
  size_t length =
      sizeof(EnvelopePrefix) + size_t{prefix.piece_count} * sizeof(uint64_t);
  if (length > limit) return 0;
  const absl::string_view table = bytes.substr(sizeof(EnvelopePrefix));
  for (uint32_t i = 0; i < prefix.inline_pieces; ++i) {
    const uint64_t size = SizeTableEntry(table, i);
    if (size > limit - length) return 0;
    length += static_cast<size_t>(size);
  }
  return length;
}

}  // namespace pkl5::transport_internal
