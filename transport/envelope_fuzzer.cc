#include "pkl5/transport/envelope_fuzzer.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pkl5/transport/internal/envelope.h"

namespace pkl5::transport_internal {
namespace {

[[noreturn]] void Finding(const char* what) {
  std::fprintf(stderr, "envelope fuzzer: accepted envelope %s\n", what);
  std::abort();
}

}  // namespace

int FuzzEnvelope(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<EnvelopeInfo> info = ParseEnvelope(bytes);
  if (!info.ok()) return 0;  // rejected: all a receiver needs
  // The inline bytes lie inside the message.
  if (info->inline_bytes.data() < bytes.data() ||
      info->inline_bytes.data() + info->inline_bytes.size() >
          bytes.data() + bytes.size()) {
    Finding("points outside the message");
  }
  if (info->inline_pieces > info->piece_count) {
    Finding("has more inline pieces than pieces");
  }
  if (info->size_table_inline) {
    // The receiver splits the inline bytes with the table.
    if (info->size_table.size() !=
        size_t{info->piece_count} * sizeof(uint64_t)) {
      Finding("has a size table of the wrong length");
    }
    uint64_t inline_size = 0;
    for (uint32_t i = 0; i < info->inline_pieces; ++i) {
      inline_size += info->piece_size(i);
    }
    if (inline_size != info->inline_bytes.size()) {
      Finding("has inline sizes that do not add up");
    }
  } else if (info->inline_pieces != 0 || !info->inline_bytes.empty()) {
    Finding("has inline bytes without a size table");
  }
  if (info->ChannelMessages() > info->piece_count + 1) {
    Finding("expects more channel messages than pieces");
  }
  // Every accepted envelope is one a sender makes: with its table inline,
  // byte for byte what BuildEnvelope makes of its pieces (inline ones from
  // the message, the others of their announced sizes); with the table on
  // the channel, only because it does not fit.
  if (info->size_table_inline) {
    std::vector<std::string> channel_pieces;
    channel_pieces.reserve(info->piece_count);  // no moves: pieces point in
    std::vector<ConstPiece> pieces;
    const char* inline_data = info->inline_bytes.data();
    for (uint32_t i = 0; i < info->piece_count; ++i) {
      const size_t piece_size = static_cast<size_t>(info->piece_size(i));
      if (i < info->inline_pieces) {
        pieces.push_back({inline_data, piece_size});
        inline_data += piece_size;
      } else if (piece_size > kEnvelopeBytes) {
        pieces.push_back({nullptr, piece_size});  // not inlined: never read
      } else {
        channel_pieces.emplace_back(piece_size, '\0');
        pieces.push_back({channel_pieces.back().data(), piece_size});
      }
    }
    if (BuildEnvelope(pieces, info->channel_tag) != bytes) {
      Finding("is accepted but not what BuildEnvelope makes of its pieces");
    }
  } else if (kEnvelopePrefixBytes + size_t{info->piece_count} * 8 <=
             kEnvelopeBytes) {
    Finding("has its size table on the channel although it fits inline");
  }
  // A receive that lost its count (receive.cc) reads it from the envelope,
  // followed by the zeros of the posted buffer.
  std::string posted(bytes);
  posted.resize(kEnvelopeBytes, '\0');
  if (EnvelopeLength(posted, kEnvelopeBytes) != bytes.size()) {
    Finding("is accepted but EnvelopeLength tells another length");
  }
  return 0;
}

}  // namespace pkl5::transport_internal

// libFuzzer's entry point, for builds with -fsanitize=fuzzer.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return pkl5::transport_internal::FuzzEnvelope(data, size);
}
