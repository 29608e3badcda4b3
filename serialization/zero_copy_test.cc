// Out-of-band buffers alias the encoded object; landing zones alias the
// decoded object's storage; decoding reuses storage that fits; the threshold
// decides what goes out-of-band.
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/test_types.h"

namespace pkl5::internal_testing {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

// Decodes phase one of `frame` into `out` and returns its landing zones.
template <typename T>
std::vector<LandingZone> BeginDecodeOrDie(const Frame& frame, T& out) {
  absl::StatusOr<FrameHeader> header = ParseFrameHeader(frame.header);
  EXPECT_THAT(header, IsOk());
  absl::StatusOr<std::vector<LandingZone>> zones =
      BeginDecode(*header, frame.inband, out);
  EXPECT_THAT(zones, IsOk());
  return zones.ok() ? *std::move(zones) : std::vector<LandingZone>();
}

TEST(ZeroCopyTest, LargeArraysAreViewsOfTheObjectNotCopies) {
  Experiment experiment;
  experiment.particles.push_back(
      {"big", std::vector<double>(10000, 1.0), Color::kRed, {}});
  experiment.trajectory = std::vector<Vec3>(5000);
  const Frame frame = Encode(experiment);
  ASSERT_THAT(frame.buffers, SizeIs(2));
  EXPECT_EQ(frame.buffers[0].data, experiment.particles[0].position.data());
  EXPECT_EQ(frame.buffers[0].size, 10000 * sizeof(double));
  EXPECT_EQ(frame.buffers[1].data, experiment.trajectory.data());
  EXPECT_EQ(frame.buffers[1].size, 5000 * sizeof(Vec3));
  // Only lengths and small fields are in-band.
  EXPECT_LT(frame.inband.size(), 200u);
}

TEST(ZeroCopyTest, LandingZonesAreTheDecodedObjectsStorage) {
  const std::map<std::string, std::vector<double>> sent{
      {"a", std::vector<double>(9000, 1.0)},
      {"b", std::vector<double>(9000, 2.0)}};
  const Frame frame = Encode(sent);
  ASSERT_THAT(frame.buffers, SizeIs(2));
  std::map<std::string, std::vector<double>> received;
  const std::vector<LandingZone> zones = BeginDecodeOrDie(frame, received);
  ASSERT_THAT(zones, SizeIs(2));
  EXPECT_EQ(zones[0].data, received["a"].data());
  EXPECT_EQ(zones[1].data, received["b"].data());
  for (size_t i = 0; i < zones.size(); ++i) {
    ASSERT_EQ(zones[i].size, frame.buffers[i].size);
    std::memcpy(zones[i].data, frame.buffers[i].data, zones[i].size);
  }
  EXPECT_EQ(received, sent);
}

TEST(ZeroCopyTest, DecodingIntoAVectorOfTheRightSizeKeepsItsStorage) {
  const std::vector<double> sent(20000, 3.0);
  std::vector<double> received(20000, 0.0);
  const double* storage = received.data();
  const std::vector<LandingZone> zones =
      BeginDecodeOrDie(Encode(sent), received);
  ASSERT_THAT(zones, SizeIs(1));
  EXPECT_EQ(zones[0].data, storage);
  EXPECT_EQ(received.data(), storage);
  // Not zero-filled again: the old values are still there until overwritten.
  EXPECT_EQ(received[0], 0.0);
}

TEST(ZeroCopyTest, DecodingIntoASmallerSizeReusesCapacity) {
  std::vector<double> received(30000, 0.0);
  const double* storage = received.data();
  ASSERT_THAT(DecodeInto(Encode(std::vector<double>(20000, 4.0)), received),
              IsOk());
  EXPECT_EQ(received.data(), storage);
  EXPECT_THAT(received, SizeIs(20000));
  EXPECT_EQ(received.back(), 4.0);
}

TEST(ZeroCopyTest, NestedStorageIsReusedInPlace) {
  std::vector<std::vector<double>> received(2, std::vector<double>(9000));
  const double* inner = received[1].data();
  const std::vector<std::vector<double>> sent(2, std::vector<double>(9000, 5));
  ASSERT_THAT(DecodeInto(Encode(sent), received), IsOk());
  EXPECT_EQ(received[1].data(), inner);
  EXPECT_EQ(received, sent);
}

TEST(ZeroCopyTest, VariantKeepsTheHeldAlternativesStorage) {
  using Variant = std::variant<int, std::vector<double>>;
  Variant received = std::vector<double>(9000);
  const double* storage = std::get<1>(received).data();
  const Variant sent = std::vector<double>(9000, 6.0);
  ASSERT_THAT(DecodeInto(Encode(sent), received), IsOk());
  EXPECT_EQ(std::get<1>(received).data(), storage);
  EXPECT_EQ(received, sent);
}

TEST(ZeroCopyTest, UninitVectorIsNotZeroFilled) {
  // Storage for a large fresh array comes from ResizeForOverwrite; with the
  // default-init allocator nothing writes it before the buffer lands.
  UninitVector<double> received;
  const std::vector<LandingZone> zones =
      BeginDecodeOrDie(Encode(UninitVector<double>(1 << 20, 7.0)), received);
  ASSERT_THAT(zones, SizeIs(1));
  EXPECT_EQ(zones[0].data, received.data());
  EXPECT_EQ(zones[0].size, (size_t{1} << 20) * sizeof(double));
}

TEST(ZeroCopyTest, ThresholdZeroSendsEveryArrayOutOfBandEvenEmptyOnes) {
  using Tuple = std::tuple<std::vector<int>, std::string, std::vector<double>>;
  const Tuple value{{}, "s", {1.0}};
  const Frame frame = Encode(value, EncodeOptions{0});
  ASSERT_THAT(frame.buffers, SizeIs(3));
  EXPECT_EQ(frame.buffers[0].size, 0u);
  EXPECT_EQ(frame.buffers[1].size, 1u);
  EXPECT_EQ(frame.buffers[2].size, sizeof(double));
  EXPECT_THAT(Decode<Tuple>(frame), IsOkAndHolds(value));
}

TEST(ZeroCopyTest, ThresholdIsInclusive) {
  const std::vector<uint8_t> array(1000, 1);
  EXPECT_THAT(Encode(array, EncodeOptions{1000}).buffers, SizeIs(1));
  EXPECT_THAT(Encode(array, EncodeOptions{1001}).buffers, SizeIs(0));
}

TEST(ZeroCopyTest, HugeThresholdKeepsEverythingInBand) {
  const std::vector<double> array(100000, 1.0);
  const Frame frame = Encode(array, EncodeOptions{kNever});
  EXPECT_THAT(frame.buffers, SizeIs(0));
  EXPECT_GE(frame.inband.size(), 800000u);
}

TEST(ZeroCopyTest, MapKeysAndSetElementsStayInBand) {
  const std::map<std::string, std::string> map{
      {std::string(5000, 'k'), std::string(5000, 'v')}};
  const Frame frame = Encode(map, EncodeOptions{0});
  ASSERT_THAT(frame.buffers, SizeIs(1));
  EXPECT_EQ(frame.buffers[0].data, map.begin()->second.data());
  EXPECT_THAT(Encode(std::set<std::string>{"a", "b"}, EncodeOptions{0}).buffers,
              SizeIs(0));
}

TEST(ZeroCopyTest, HashMapValuesDoNotMoveWhileBuffersAreOutstanding) {
  // Short strings live inside the string object (SSO); a rehash during
  // decoding would move them away from their landing zones.
  absl::flat_hash_map<int, std::string> sent;
  for (int i = 0; i < 1000; ++i) sent[i] = std::to_string(i);
  const Frame frame = Encode(sent, EncodeOptions{0});
  ASSERT_THAT(frame.buffers, SizeIs(1000));
  absl::flat_hash_map<int, std::string> received;
  const std::vector<LandingZone> zones = BeginDecodeOrDie(frame, received);
  ASSERT_THAT(zones, SizeIs(1000));
  for (size_t i = 0; i < zones.size(); ++i) {
    std::memcpy(zones[i].data, frame.buffers[i].data, zones[i].size);
  }
  EXPECT_EQ(received, sent);
}

TEST(ZeroCopyTest, ResizeForOverwriteAdvisesLargeFreshStorage) {
  std::vector<char> vector;
  ResizeForOverwrite(vector, kHugePageAdviceBytes * 2);
  EXPECT_THAT(vector, SizeIs(kHugePageAdviceBytes * 2));
  const char* storage = vector.data();
  ResizeForOverwrite(vector, kHugePageAdviceBytes * 2);
  EXPECT_EQ(vector.data(), storage);
}

}  // namespace
}  // namespace pkl5::internal_testing
