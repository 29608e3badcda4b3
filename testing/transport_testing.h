// Helpers shared by the transport tests: recognisable byte patterns, pieces
// of strings, receiving every piece of an object, and forged envelopes.
#ifndef PKL5_TESTING_TRANSPORT_TESTING_H_
#define PKL5_TESTING_TRANSPORT_TESTING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/transport/internal/envelope.h"
#include "pkl5/transport/transport.h"

namespace pkl5::internal_testing {

// `size` bytes that differ with `seed`, so crossed objects are noticed.
inline std::string Pattern(size_t size, int seed) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    bytes[i] =
        static_cast<char>((i * 131 + static_cast<size_t>(seed) * 7) % 251);
  }
  return bytes;
}

// Views of `strings`, which must outlive them.
inline std::vector<ConstPiece> Pieces(const std::vector<std::string>& strings) {
  std::vector<ConstPiece> pieces;
  for (const std::string& s : strings) pieces.push_back({s.data(), s.size()});
  return pieces;
}

// Receives every remaining piece of `object`, expecting success.
inline std::vector<std::string> ReceiveAll(ReceivedObject& object) {
  std::vector<std::string> pieces;
  while (!object.complete()) {
    absl::StatusOr<std::string> piece = object.ReceiveNextAsString();
    EXPECT_THAT(piece, IsOk());
    if (!piece.ok()) break;
    pieces.push_back(*std::move(piece));
  }
  return pieces;
}

// An envelope as an attacker writes it: the prefix's fields, then the given
// size table (when `table_inline`) and inline bytes.
inline std::string ForgedEnvelope(bool table_inline, uint32_t piece_count,
                                  uint32_t inline_pieces,
                                  const std::vector<uint64_t>& table = {},
                                  const std::string& inline_bytes = "") {
  struct {
    uint32_t magic = transport_internal::kEnvelopeMagic;
    uint16_t version = transport_internal::kEnvelopeVersion;
    uint16_t flags = 0;
    int32_t channel_tag = 3;
    uint32_t piece_count = 0;
    uint32_t inline_pieces = 0;
    uint32_t reserved[3] = {0, 0, 0};
  } prefix;
  static_assert(sizeof(prefix) == transport_internal::kEnvelopePrefixBytes);
  prefix.flags = table_inline ? 1 : 0;
  prefix.piece_count = piece_count;
  prefix.inline_pieces = inline_pieces;
  std::string bytes(reinterpret_cast<const char*>(&prefix), sizeof(prefix));
  for (uint64_t size : table) {
    bytes.append(reinterpret_cast<const char*>(&size), sizeof(size));
  }
  return bytes + inline_bytes;
}

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_TRANSPORT_TESTING_H_
