// Corrupt, hostile or mismatched frames yield a Status naming the problem:
// never a crash, an exception, UB, or an allocation of the claimed size.
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/testing/round_trip_testing.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/test_types.h"

namespace pkl5::internal_testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// A frame claiming to hold a T, with hand-written in-band bytes and buffers.
template <typename T>
Frame ForgedFrame(const std::string& inband,
                  std::vector<BufferView> buffers = {}) {
  FrameHeader header;
  header.type_name = TypeName<T>();
  header.type_hash = TypeHash<T>();
  header.inband_size = inband.size();
  for (const BufferView& buffer : buffers) {
    header.buffer_sizes.push_back(buffer.size);
  }
  return Frame{SerializeFrameHeader(header), inband, std::move(buffers)};
}

template <typename... Words>
std::string Bytes(Words... words) {
  std::string bytes;
  std::vector<BufferView> buffers;
  Encoder encoder(kMax, bytes, buffers, 0);
  (encoder.WriteScalar(words), ...);
  return std::move(encoder).TakeInband();
}

TEST(BadInputTest, TypeMismatchNamesBothTypes) {
  const Frame frame = Encode(std::vector<double>{1.0});
  EXPECT_THAT((Decode<std::map<std::string, int>>(frame)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("received vector<f64>"),
                             HasSubstr("expected map<string,i32>"))));
  // The communicator-level check can run on the header alone.
  absl::StatusOr<FrameHeader> header = ParseFrameHeader(frame.header);
  ASSERT_THAT(header, IsOk());
  EXPECT_THAT(CheckFrameType<std::vector<float>>(*header),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected vector<f32>")));
}

// Another enum of Color's underlying type (test_types.h).
enum class Shape : uint16_t { kSquare = 1 };

TEST(BadInputTest, AnotherEnumOfTheSameUnderlyingTypeIsAMismatch) {
  const Frame frame = Encode(Color::kGreen);
  EXPECT_THAT(Decode<Shape>(frame),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("received enum Color<u16>"),
                             HasSubstr("expected enum Shape<u16>"))));
  EXPECT_THAT(Decode<Color>(frame), IsOkAndHolds(Color::kGreen));
}

namespace other_program {
// Same name as pkl5::internal_testing::Vec3, other fields.
struct Vec3 {
  float x = 0;
  float y = 0;
  PKL5_FIELDS(Vec3, x, y);
};
}  // namespace other_program

TEST(BadInputTest, SameNameDifferentFieldsIsAMismatch) {
  EXPECT_THAT(Decode<other_program::Vec3>(Encode(Vec3{1, 2, 3})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("received a Vec3 whose fields differ"),
                             HasSubstr("Vec3{f32,f32}"))));
}

TEST(BadInputTest, CountLargerThanTheBytesIsDataLoss) {
  // A vector<string> claiming 2^40 elements in 8 bytes.
  EXPECT_THAT(
      Decode<std::vector<std::string>>(
          ForgedFrame<std::vector<std::string>>(Bytes(uint64_t{1} << 40))),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("cannot fit in the 0 remaining bytes")));
  // A bulk array claiming more in-band bytes than there are.
  EXPECT_THAT(Decode<std::vector<double>>(
                  ForgedFrame<std::vector<double>>(Bytes(uint64_t{1000} << 1))),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated")));
  // A count whose byte size overflows 64 bits.
  EXPECT_THAT(Decode<std::vector<double>>(
                  ForgedFrame<std::vector<double>>(Bytes(kMax - 1))),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(BadInputTest, CountOverTheConfiguredMaximumIsRejectedBeforeAllocating) {
  // Empty elements take no in-band bytes, so only the memory cap bounds
  // their count.
  DecodeOptions options;
  options.max_object_bytes = 1 << 20;
  EXPECT_THAT(
      Decode<std::vector<Empty>>(
          ForgedFrame<std::vector<Empty>>(Bytes(uint64_t{1} << 30)), options),
      StatusIs(absl::StatusCode::kResourceExhausted,
               HasSubstr("max_object_bytes")));
  // An out-of-band buffer over the cap is rejected from the header alone.
  const std::vector<double> big(1 << 18, 1.0);
  EXPECT_THAT(Decode<std::vector<double>>(Encode(big), options),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(BadInputTest, OutOfBandArraysMustMatchTheHeadersBuffers) {
  const std::vector<double> values(4, 1.0);
  const BufferView view{values.data(), 4 * sizeof(double)};
  // Claims an out-of-band array but the header lists no buffer.
  EXPECT_THAT(Decode<std::vector<double>>(ForgedFrame<std::vector<double>>(
                  Bytes(uint64_t{4} << 1 | 1))),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("header lists only 0 buffers")));
  // Claims 5 elements where the buffer holds 4.
  EXPECT_THAT(Decode<std::vector<double>>(ForgedFrame<std::vector<double>>(
                  Bytes(uint64_t{5} << 1 | 1), {view})),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("header says buffer 0 has 32")));
  // Lists a buffer nothing uses.
  EXPECT_THAT(Decode<std::vector<double>>(ForgedFrame<std::vector<double>>(
                  Bytes(uint64_t{0} << 1), {view})),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("only 0 of the 1 buffers")));
}

TEST(BadInputTest, OutOfBandMapKeyIsDataLoss) {
  // A map key must be in-band: its landing zone would be in a temporary.
  const std::string key = "k";
  EXPECT_THAT((Decode<std::map<std::string, int>>(
                  ForgedFrame<std::map<std::string, int>>(
                      Bytes(uint64_t{1}, uint64_t{1} << 1 | 1, int32_t{5}),
                      {BufferView{key.data(), 1}}))),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("inside a map key or set element")));
}

TEST(BadInputTest, DuplicateKeysAreDataLoss) {
  EXPECT_THAT(
      (Decode<std::map<int, int>>(ForgedFrame<std::map<int, int>>(
          Bytes(uint64_t{2}, int32_t{1}, int32_t{1}, int32_t{1}, int32_t{2})))),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("duplicate map key")));
  EXPECT_THAT(Decode<std::set<int>>(ForgedFrame<std::set<int>>(
                  Bytes(uint64_t{2}, int32_t{1}, int32_t{1}))),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("duplicate set element")));
}

TEST(BadInputTest, InvalidTagBytesAreDataLoss) {
  EXPECT_THAT(Decode<bool>(ForgedFrame<bool>(Bytes(uint8_t{2}))),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("bool byte 2")));
  EXPECT_THAT(Decode<std::optional<int>>(
                  ForgedFrame<std::optional<int>>(Bytes(uint8_t{7}))),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("optional presence byte 7")));
  using Variant = std::variant<int, std::string>;
  EXPECT_THAT(Decode<Variant>(ForgedFrame<Variant>(Bytes(uint32_t{2}))),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("variant alternative 2 of 2")));
}

TEST(BadInputTest, FixedArrayWithAnotherLengthIsDataLoss) {
  using Array = std::array<int32_t, 3>;
  EXPECT_THAT(
      Decode<Array>(ForgedFrame<Array>(Bytes(uint64_t{2} << 1, int64_t{0}))),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("2 elements where 3 are expected")));
}

TEST(BadInputTest, TrailingBytesAreDataLoss) {
  EXPECT_THAT(
      Decode<int32_t>(ForgedFrame<int32_t>(Bytes(int32_t{1}, 'x'))),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("1 trailing bytes")));
}

TEST(BadInputTest, InBandSizeDisagreeingWithTheHeaderIsDataLoss) {
  Frame frame = Encode(std::string("abc"));
  frame.inband.pop_back();
  EXPECT_THAT(
      Decode<std::string>(frame),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("its header says 11")));
}

TEST(BadInputTest, MissingBufferIsDataLoss) {
  Frame frame = Encode(std::vector<double>(9000, 1.0));
  frame.buffers.clear();
  EXPECT_THAT(Decode<std::vector<double>>(frame),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("lists 1 buffers but the frame has 0")));
}

TEST(BadInputTest, FailedDecodeLeavesAValidObject) {
  std::vector<std::string> out{"kept", "until", "overwritten"};
  EXPECT_THAT(DecodeInto(ForgedFrame<std::vector<std::string>>(
                             Bytes(uint64_t{2}, uint64_t{1} << 1, 'a')),
                         out),
              StatusIs(absl::StatusCode::kDataLoss));
  // Valid but unspecified: usable, and reusable for the next decode.
  out.push_back("still usable");
  EXPECT_THAT(DecodeInto(Encode(std::vector<std::string>{"ok"}), out), IsOk());
  EXPECT_THAT(out, ::testing::ElementsAre("ok"));
}

}  // namespace
}  // namespace pkl5::internal_testing
