// Test helpers: round trips of any codec-supported value and their corrupt
// twins (TensorStore's TestSerializationRoundTrip, for frames).
#ifndef PKL5_TESTING_ROUND_TRIP_TESTING_H_
#define PKL5_TESTING_ROUND_TRIP_TESTING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5::internal_testing {

// Encodes `value` with `threshold`, decodes it into a fresh T, and expects
// equality. Returns the frame for further checks.
template <typename T>
Frame ExpectRoundTrip(const T& value,
                      uint64_t threshold = kDefaultOutOfBandThreshold) {
  Frame frame = Encode(value, EncodeOptions{threshold});
  absl::StatusOr<T> decoded = Decode<T>(frame);
  EXPECT_THAT(decoded, IsOk()) << "type " << TypeName<T>();
  if (decoded.ok()) {
    EXPECT_TRUE(*decoded == value) << "type " << TypeName<T>();
  }
  return frame;
}

// Returns `frame` with its in-band bytes replaced by `inband` and its header
// updated to match, so the decoder itself (not the size check) meets them.
inline Frame WithInband(const Frame& frame, std::string inband) {
  absl::StatusOr<FrameHeader> header = ParseFrameHeader(frame.header);
  EXPECT_THAT(header, IsOk());
  header->inband_size = inband.size();
  return Frame{SerializeFrameHeader(*header), std::move(inband), frame.buffers};
}

// The corrupt twin of a round trip: every truncation of the header or of
// the in-band bytes is an error (kDataLoss for in-band truncation), and no
// single-byte flip anywhere crashes or trips a sanitizer. Flips of value
// bytes may decode to another valid value: frames carry no checksum, like
// pickle, since MPI delivers bytes intact; structural bytes are checked.
template <typename T>
void ExpectCorruptTwinFails(const T& value, uint64_t threshold = 0) {
  const Frame frame = Encode(value, EncodeOptions{threshold});
  for (size_t length = 0; length < frame.header.size(); ++length) {
    Frame truncated = frame;
    truncated.header.resize(length);
    EXPECT_THAT(Decode<T>(truncated), ::testing::Not(IsOk()))
        << TypeName<T>() << ": header truncated to " << length;
  }
  for (size_t length = 0; length < frame.inband.size(); ++length) {
    EXPECT_THAT(Decode<T>(WithInband(frame, frame.inband.substr(0, length))),
                StatusIs(absl::StatusCode::kDataLoss))
        << TypeName<T>() << ": in-band truncated to " << length;
  }
  for (size_t i = 0; i < frame.header.size(); ++i) {
    Frame flipped = frame;
    flipped.header[i] = static_cast<char>(flipped.header[i] ^ 0xff);
    (void)Decode<T>(flipped);
  }
  for (size_t i = 0; i < frame.inband.size(); ++i) {
    std::string inband = frame.inband;
    inband[i] = static_cast<char>(inband[i] ^ 0xff);
    (void)Decode<T>(WithInband(frame, std::move(inband)));
  }
}

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_ROUND_TRIP_TESTING_H_
