// The envelope: the bounded first message of every object.
//
// An object, to the transport, is a sequence of pieces (byte spans: the
// frame header, the in-band bytes, then each out-of-band buffer). The
// envelope is one message of at most `kEnvelopeBytes` on the user's
// communicator and tag:
//
//   prefix (32 bytes): magic "PKL5", version, flags, channel tag,
//                      piece count, inline piece count
//   size table:        one uint64 per piece, when it fits (flag set)
//   inline pieces:     the longest prefix of the pieces that fits whole
//
// Every other piece follows as its own message on the private channel
// (a duplicate of the communicator) under the channel tag, in order; when
// the size table does not fit it goes first, as its own message. A small
// object is therefore exactly one message. Because the envelope's size is
// bounded, a receiver can post it before knowing anything (a real irecv),
// and because the envelope says how many channel messages follow, a
// receiver can drain a message it rejects without understanding it.
//
// Scalars are in host byte order, as in the rest of pkl5.
#ifndef PKL5_TRANSPORT_INTERNAL_ENVELOPE_H_
#define PKL5_TRANSPORT_INTERNAL_ENVELOPE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "pkl5/transport/options.h"
#include "pkl5/transport/transport.h"

namespace pkl5::transport_internal {

inline constexpr uint32_t kEnvelopeMagic = 0x354c4b50;  // "PKL5"
inline constexpr uint16_t kEnvelopeVersion = 1;
inline constexpr size_t kEnvelopePrefixBytes = 32;

// The prefix, as it lies in the envelope.
inline constexpr uint16_t kSizeTableInline = 1;
struct EnvelopePrefix {
  uint32_t magic;
  uint16_t version;
  uint16_t flags;
  int32_t channel_tag;
  uint32_t piece_count;
  uint32_t inline_pieces;
  uint32_t reserved[3];
};
static_assert(sizeof(EnvelopePrefix) == kEnvelopePrefixBytes);

// The prefix of an envelope of `pieces` under `channel_tag`, its flags and
// inline piece count still to be set.
inline EnvelopePrefix EnvelopePrefixOf(absl::Span<const ConstPiece> pieces,
                                       int32_t channel_tag) {
  EnvelopePrefix prefix{};
  prefix.magic = kEnvelopeMagic;
  prefix.version = kEnvelopeVersion;
  prefix.channel_tag = channel_tag;
  prefix.piece_count = static_cast<uint32_t>(pieces.size());
  return prefix;
}

// Writes `prefix` at `out` and, when it says the table is inline, the size
// of each of `pieces`; returns where the inline pieces start.
inline char* WriteEnvelopeHead(const EnvelopePrefix& prefix,
                               absl::Span<const ConstPiece> pieces, char* out) {
  std::memcpy(out, &prefix, sizeof(prefix));
  out += sizeof(prefix);
  if (prefix.flags & kSizeTableInline) {
    for (const ConstPiece& piece : pieces) {
      const uint64_t size = piece.size;
      std::memcpy(out, &size, sizeof(size));
      out += sizeof(size);
    }
  }
  return out;
}

// What an envelope says about its object.
struct EnvelopeInfo {
  int32_t channel_tag = 0;
  // The size table (one uint64 per piece, unaligned) viewed inside the
  // envelope, when it was inline; otherwise empty and `piece_count` sizes
  // arrive first on the channel.
  absl::string_view size_table;
  uint32_t piece_count = 0;
  bool size_table_inline = true;
  // The inline pieces' bytes, back to back, and how many pieces they are.
  absl::string_view inline_bytes;
  uint32_t inline_pieces = 0;

  // The size of piece `index` from the inline table.
  uint64_t piece_size(size_t index) const {
    return SizeTableEntry(size_table, index);
  }
  // Every size from the inline table.
  std::vector<uint64_t> PieceSizes() const {
    std::vector<uint64_t> sizes(size_table.size() / sizeof(uint64_t));
    if (!sizes.empty()) {
      std::memcpy(sizes.data(), size_table.data(), size_table.size());
    }
    return sizes;
  }
  // Whether every piece is in the envelope: the object arrived whole.
  bool whole() const {
    return size_table_inline && inline_pieces == piece_count;
  }

  // Messages that follow on the channel: the table if not inline, then
  // every piece that is not inline.
  uint32_t ChannelMessages() const {
    return (size_table_inline ? 0 : 1) + piece_count - inline_pieces;
  }
};

// How an envelope splits its object.
struct EnvelopeLayout {
  bool size_table_inline = false;
  uint32_t inline_pieces = 0;
};

// Whether `pieces` travel entirely inside one envelope of `envelope_bytes`.
bool FitsInEnvelope(absl::Span<const ConstPiece> pieces,
                    size_t envelope_bytes = kEnvelopeBytes);

// Builds the envelope of `pieces` into `envelope`; the pieces from
// `layout.inline_pieces` on (and first the size table, when not inline)
// must follow on the channel under `channel_tag`.
EnvelopeLayout BuildEnvelope(absl::Span<const ConstPiece> pieces,
                             int32_t channel_tag, std::string& envelope,
                             size_t envelope_bytes = kEnvelopeBytes);

// The bytes an envelope holding all of `pieces` puts before them (prefix
// and size table): kEnvelopePrefixBytes + 8 per piece.
constexpr size_t WholeEnvelopeHeadBytes(size_t pieces) {
  return kEnvelopePrefixBytes + pieces * sizeof(uint64_t);
}

// Writes at `out` the head (WholeEnvelopeHeadBytes) of an envelope holding
// all of `pieces`, which FitsInEnvelope: the head followed by the pieces'
// bytes is what BuildEnvelope makes of them. Whole envelopes carry channel
// tag 0, no channel message following them. Inline: every small object's
// blocking send writes one: two pieces (a header and in-band bytes) as a
// constant prefix and two sizes.
inline void WriteWholeEnvelopeHead(absl::Span<const ConstPiece> pieces,
                                   char* out) {
  if (pieces.size() == 2) {
    static constexpr EnvelopePrefix kTwoPieces = {
        kEnvelopeMagic, kEnvelopeVersion, kSizeTableInline, 0, 2, 2, {0, 0, 0}};
    const uint64_t sizes[2] = {pieces[0].size, pieces[1].size};
    std::memcpy(out, &kTwoPieces, sizeof(kTwoPieces));
    std::memcpy(out + sizeof(kTwoPieces), sizes, sizeof(sizes));
    return;
  }
  EnvelopePrefix prefix = EnvelopePrefixOf(pieces, 0);
  prefix.flags = kSizeTableInline;
  prefix.inline_pieces = prefix.piece_count;
  WriteEnvelopeHead(prefix, pieces, out);
}

// Whether two pieces, `first` then `second` bytes, fit whole in an
// envelope of `envelope_bytes` (FitsInEnvelope of two pieces, inline).
inline bool TwoPiecesFitWhole(size_t first, size_t second,
                              size_t envelope_bytes) {
  constexpr size_t kHead = WholeEnvelopeHeadBytes(2);
  return envelope_bytes >= kHead && first <= envelope_bytes - kHead &&
         second <= envelope_bytes - kHead - first;
}

// The same, returning only the envelope.
std::string BuildEnvelope(absl::Span<const ConstPiece> pieces,
                          int32_t channel_tag,
                          size_t envelope_bytes = kEnvelopeBytes);

// The length of the envelope `bytes` start with, from its prefix and size
// table (for a receive whose status does not say; see receive.cc), or 0
// when they do not tell one within `envelope_bytes`.
size_t EnvelopeLength(absl::string_view bytes, size_t envelope_bytes);

// Every small object's envelope, accepted in one pass: when `bytes` is a
// whole envelope of two pieces (a frame header and in-band bytes) within
// `envelope_bytes`, views its size table and pieces in `size_table` and
// `pieces` and returns true. False for anything else, valid or not, which
// ParseEnvelope reads (and says what is wrong). Inline: every small
// object's receive runs it.
inline bool ParseWholeTwoPieces(absl::string_view bytes, size_t envelope_bytes,
                                absl::string_view& size_table,
                                absl::string_view& pieces) {
  constexpr size_t kWholeHead = WholeEnvelopeHeadBytes(2);
  if (bytes.size() < kWholeHead || bytes.size() > envelope_bytes) {
    return false;
  }
  EnvelopePrefix prefix;
  std::memcpy(&prefix, bytes.data(), sizeof(prefix));
  const uint64_t inline_bytes = bytes.size() - kWholeHead;
  const absl::string_view table(bytes.data() + sizeof(prefix),
                                2 * sizeof(uint64_t));
  const uint64_t header_size = SizeTableEntry(table, 0);
  if (prefix.magic != kEnvelopeMagic || prefix.version != kEnvelopeVersion ||
      prefix.flags != kSizeTableInline || prefix.channel_tag != 0 ||
      prefix.piece_count != 2 || prefix.inline_pieces != 2 ||
      (prefix.reserved[0] | prefix.reserved[1] | prefix.reserved[2]) != 0 ||
      header_size > inline_bytes ||
      SizeTableEntry(table, 1) != inline_bytes - header_size) {
    return false;
  }
  size_table = table;
  pieces = absl::string_view(bytes.data() + kWholeHead,
                             static_cast<size_t>(inline_bytes));
  return true;
}

// Reads an envelope built for `envelope_bytes`. kDataLoss for anything
// that is not a consistent pkl5 envelope: foreign bytes on the tag,
// truncation, and every layout BuildEnvelope never makes (a size table or
// a piece sent on the channel although it fits inline, a table-less
// envelope of no pieces, more than `envelope_bytes`), so that a forged
// envelope never makes a receiver wait for channel messages no sender
// sends. kUnimplemented for another version. The returned `size_table`
// and `inline_bytes` view `bytes`: nothing is allocated.
absl::StatusOr<EnvelopeInfo> ParseEnvelope(
    absl::string_view bytes, size_t envelope_bytes = kEnvelopeBytes);

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_ENVELOPE_H_
