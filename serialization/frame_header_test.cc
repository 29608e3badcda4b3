#include "pkl5/serialization/frame_header.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/serialization/serialization.h"
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

TEST(CompactHeaderTest, RoundTripsWithTheLayoutTheHeaderDocuments) {
  const std::string bytes =
      SerializeCompactHeader("pair<i32,string>", 0x1122334455667788u, 21);
  ASSERT_EQ(bytes.size(), kCompactHeaderPrefixBytes + 16);
  EXPECT_EQ(bytes.substr(0, 4), "PK5C");
  uint64_t inband_size = 0;
  std::memcpy(&inband_size, bytes.data() + kCompactHeaderInbandSizeOffset, 8);
  EXPECT_EQ(inband_size, 21u);
  EXPECT_EQ(bytes.substr(kCompactHeaderPrefixBytes), "pair<i32,string>");
  EXPECT_TRUE(IsCompactHeader(bytes));
  EXPECT_FALSE(IsCompactHeader(SerializeFrameHeader(SampleHeader())));
  absl::StatusOr<FrameHeader> parsed = ParseFrameHeader(bytes);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->version, kFrameHeaderVersion);
  EXPECT_EQ(parsed->type_name, "pair<i32,string>");
  EXPECT_EQ(parsed->type_hash, 0x1122334455667788u);
  EXPECT_EQ(parsed->inband_size, 21u);
  EXPECT_TRUE(parsed->buffer_sizes.empty());
}

TEST(CompactHeaderTest, EveryInconsistencyIsRejected) {
  const std::string bytes = SerializeCompactHeader("i32", 7, 4);
  for (size_t length = 4; length < bytes.size(); ++length) {
    EXPECT_THAT(ParseFrameHeader(bytes.substr(0, length)),
                StatusIs(absl::StatusCode::kDataLoss))
        << length;
  }
  EXPECT_THAT(ParseFrameHeader(bytes + "x"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("type name")));
  std::string other_version = bytes;
  other_version[4] = 2;
  EXPECT_THAT(ParseFrameHeader(other_version),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("compact frame header version 2")));
  DecodeOptions options;
  options.max_object_bytes = 3;
  EXPECT_THAT(ParseFrameHeader(bytes, options),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

// What Encode writes: the compact form exactly for frames of no buffers.
TEST(CompactHeaderTest, EncodeChoosesTheFormByTheBuffers) {
  const Frame small = Encode(std::string("seventeen chars!!"));
  EXPECT_TRUE(IsCompactHeader(small.header));
  EXPECT_EQ(small.header, SerializeCompactHeader(TypeName<std::string>(),
                                                 TypeHash<std::string>(),
                                                 small.inband.size()));
  EncodeOptions out_of_band;
  out_of_band.out_of_band_threshold = 8;
  const Frame large = Encode(std::vector<double>(4, 1.5), out_of_band);
  ASSERT_EQ(large.buffers.size(), 1u);
  EXPECT_FALSE(IsCompactHeader(large.header));
  absl::StatusOr<FrameHeader> parsed = ParseFrameHeader(large.header);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(parsed->buffer_sizes, ElementsAre(32));
}

TEST(CompactHeaderTest, ReencodingIntoAFrameKeepsItsMemory) {
  Frame frame;
  EncodeInto(std::string(40, 'a'), frame);
  const char* inband = frame.inband.data();
  const char* header = frame.header.data();
  EncodeInto(std::string(30, 'b'), frame);
  EXPECT_EQ(frame.inband.data(), inband);
  EXPECT_EQ(frame.header.data(), header);
  absl::StatusOr<std::string> decoded = Decode<std::string>(frame);
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(*decoded, std::string(30, 'b'));
}

// EncodeCompact makes EncodeInto's header and in-band bytes, back to back
// after the headroom (left as it was), in memory it reuses; a value with
// buffers comes out as EncodeInto's frame instead.
TEST(CompactHeaderTest, EncodeCompactLeavesTheHeadroomAndMatchesEncode) {
  constexpr size_t kHeadroom = 48;
  std::string storage(kHeadroom, 'h');
  Frame frame;
  const std::string value(40, 'a');
  std::optional<CompactFrame> compact =
      EncodeCompact(value, kHeadroom, storage, frame);
  ASSERT_TRUE(compact.has_value());
  const Frame expected = Encode(value);
  EXPECT_EQ(compact->header, expected.header);
  EXPECT_EQ(compact->inband, expected.inband);
  EXPECT_EQ(compact->header.data(), storage.data() + kHeadroom);
  EXPECT_EQ(compact->inband.data(),
            compact->header.data() + compact->header.size());
  EXPECT_EQ(storage.substr(0, kHeadroom), std::string(kHeadroom, 'h'));
  const char* memory = storage.data();
  compact = EncodeCompact(std::string(30, 'b'), kHeadroom, storage, frame);
  ASSERT_TRUE(compact.has_value());
  EXPECT_EQ(storage.data(), memory);
  std::string decoded;
  ASSERT_THAT(DecodeInto(compact->header, compact->inband, {}, decoded),
              IsOk());
  EXPECT_EQ(decoded, std::string(30, 'b'));

  EncodeOptions out_of_band;
  out_of_band.out_of_band_threshold = 8;
  const std::vector<double> large(4, 1.5);
  EXPECT_FALSE(
      EncodeCompact(large, kHeadroom, storage, frame, out_of_band).has_value());
  const Frame full = Encode(large, out_of_band);
  EXPECT_EQ(frame.header, full.header);
  EXPECT_EQ(frame.inband, full.inband);
  ASSERT_EQ(frame.buffers.size(), 1u);
  EXPECT_EQ(frame.buffers[0].data, large.data());
  EXPECT_THAT(Decode<std::vector<double>>(frame), IsOkAndHolds(large));
}

// A compact header of another type, or of the right type with wrong sizes,
// fails the in-place check and is then reported as the full parse does.
TEST(CompactHeaderTest, DecodingChecksTypeAndSizes) {
  const Frame frame = Encode(int32_t{5});
  EXPECT_THAT(Decode<int64_t>(frame),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("received i32 but expected i64")));
  int32_t out = 0;
  EXPECT_THAT(DecodeInto(frame.header, frame.inband.substr(1), {}, out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("in-band")));
  const BufferView extra{frame.inband.data(), 1};
  EXPECT_THAT(DecodeInto(frame.header, frame.inband, {extra}, out),
              StatusIs(absl::StatusCode::kDataLoss));
  DecodeOptions small;
  small.max_object_bytes = 3;
  EXPECT_THAT(DecodeInto(frame.header, frame.inband, {}, out, small),
              StatusIs(absl::StatusCode::kResourceExhausted));
  ASSERT_THAT(DecodeInto(frame.header, frame.inband, {}, out), IsOk());
  EXPECT_EQ(out, 5);
}

// The in-place check compares word by word, with a tail that depends on
// the name's length: for every length from the empty name to several
// words, every byte but the in-band size's matters.
TEST(CompactHeaderTest, InPlaceCheckSeesEveryByteButTheInbandSize) {
  for (size_t name_size = 0; name_size <= 21; ++name_size) {
    const std::string name(name_size, 'n');
    const std::string expected =
        SerializeCompactHeader(name, 0x0102030405060708u, 0);
    for (size_t at = 0; at < expected.size(); ++at) {
      std::string changed = expected;
      changed[at] ^= 0x20;
      const bool in_size = at >= kCompactHeaderInbandSizeOffset &&
                           at < kCompactHeaderInbandSizeOffset + 8;
      EXPECT_EQ(serialization_internal::SameCompactHeaderButSize(
                    changed.data(), expected.data(), expected.size()),
                in_size)
          << "name of " << name_size << " bytes, byte " << at;
    }
  }
}

}  // namespace
}  // namespace pkl5::internal_testing
