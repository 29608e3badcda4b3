// Helpers shared by the transport tests: recognisable byte patterns, pieces
// of strings, and receiving every piece of an object.
#ifndef PKL5_TESTING_TRANSPORT_TESTING_H_
#define PKL5_TESTING_TRANSPORT_TESTING_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"
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

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_TRANSPORT_TESTING_H_
