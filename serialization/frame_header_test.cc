#include "pkl5/serialization/frame_header.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5::internal_testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

FrameHeader SampleHeader() {
  FrameHeader header;
  header.type_name = "vector<f64>";
  header.type_hash = 0x1234567890abcdefu;
  header.inband_size = 17;
  header.buffer_sizes = {0, 4096, uint64_t{3} << 31};
  return header;
}

TEST(FrameHeaderTest, RoundTrips) {
  const std::string bytes = SerializeFrameHeader(SampleHeader());
  absl::StatusOr<FrameHeader> parsed = ParseFrameHeader(bytes);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->version, kFrameHeaderVersion);
  EXPECT_EQ(parsed->type_name, "vector<f64>");
  EXPECT_EQ(parsed->type_hash, 0x1234567890abcdefu);
  EXPECT_EQ(parsed->inband_size, 17u);
  EXPECT_THAT(parsed->buffer_sizes, ElementsAre(0, 4096, uint64_t{3} << 31));
  EXPECT_EQ(parsed->TotalBytes(), 17 + 4096 + (uint64_t{3} << 31));
}

TEST(FrameHeaderTest, ReadsAMisalignedHeader) {
  // Inside a received envelope a header may start at any byte (the fuzzer
  // found FlatBuffers loading misaligned scalars).
  const std::string bytes = " " + SerializeFrameHeader(SampleHeader());
  absl::StatusOr<FrameHeader> parsed =
      ParseFrameHeader(absl::string_view(bytes).substr(1));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->type_name, "vector<f64>");
}

TEST(FrameHeaderTest, CarriesTheFileIdentifier) {
  const std::string bytes = SerializeFrameHeader(SampleHeader());
  EXPECT_EQ(bytes.substr(8, 4), "PKL5");
}

TEST(FrameHeaderTest, ForeignBytesAreDataLoss) {
  EXPECT_THAT(ParseFrameHeader(""),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a pkl5")));
  EXPECT_THAT(ParseFrameHeader(std::string(64, '\x07')),
              StatusIs(absl::StatusCode::kDataLoss));
  std::string bytes = SerializeFrameHeader(SampleHeader());
  bytes[9] = 'X';  // the file identifier
  EXPECT_THAT(ParseFrameHeader(bytes),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("identifier")));
}

TEST(FrameHeaderTest, TruncatedOrPaddedIsDataLoss) {
  const std::string bytes = SerializeFrameHeader(SampleHeader());
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_THAT(ParseFrameHeader(bytes.substr(0, length)),
                StatusIs(absl::StatusCode::kDataLoss))
        << "length " << length;
  }
  EXPECT_THAT(ParseFrameHeader(bytes + std::string(8, '\0')),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("padded")));
}

TEST(FrameHeaderTest, OffsetsPointingOutsideAreCaughtByTheVerifier) {
  std::string bytes = SerializeFrameHeader(SampleHeader());
  // The root table offset follows the size prefix.
  bytes[4] = '\x7f';
  bytes[5] = '\x7f';
  EXPECT_THAT(ParseFrameHeader(bytes),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("verification")));
}

TEST(FrameHeaderTest, OtherVersionsAreUnimplemented) {
  FrameHeader header = SampleHeader();
  header.version = 2;
  EXPECT_THAT(ParseFrameHeader(SerializeFrameHeader(header)),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("version 2 is not supported")));
}

TEST(FrameHeaderTest, SizesOverTheCapAreRejected) {
  DecodeOptions options;
  options.max_object_bytes = 4096;
  EXPECT_THAT(ParseFrameHeader(SerializeFrameHeader(SampleHeader()), options),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("max_object_bytes")));
  // Sizes whose sum overflows 64 bits.
  FrameHeader header = SampleHeader();
  header.buffer_sizes = {std::numeric_limits<uint64_t>::max(), 2};
  EXPECT_THAT(ParseFrameHeader(SerializeFrameHeader(header)),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

}  // namespace
}  // namespace pkl5::internal_testing
