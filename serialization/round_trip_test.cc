// Every supported type survives Encode/Decode at the out-of-band thresholds
// 0 (every array out-of-band), the default, and "never"; and its corrupt
// twin (truncations, byte flips) is rejected without a crash.
#include <array>
#include <complex>
#include <cstdint>
#include <deque>
#include <limits>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "flatbuffers/flatbuffers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/testing/round_trip_testing.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/test_types.h"

namespace pkl5::internal_testing {
namespace {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

// Round trip at every threshold, then the corrupt twin at 0 and default.
template <typename T>
void CheckType(const T& value) {
  SCOPED_TRACE(TypeName<T>());
  ExpectRoundTrip(value, 0);
  ExpectRoundTrip(value, kDefaultOutOfBandThreshold);
  ExpectRoundTrip(value, kNever);
  ExpectCorruptTwinFails(value, 0);
  ExpectCorruptTwinFails(value, kDefaultOutOfBandThreshold);
}

TEST(RoundTripTest, Integers) {
  CheckType<int8_t>(-5);
  CheckType<uint8_t>(250);
  CheckType<int16_t>(-30000);
  CheckType<uint16_t>(65000);
  CheckType<int32_t>(std::numeric_limits<int32_t>::min());
  CheckType<uint32_t>(4000000000u);
  CheckType<int64_t>(std::numeric_limits<int64_t>::max());
  CheckType<uint64_t>(std::numeric_limits<uint64_t>::max());
  CheckType<long>(-1234567890123L);
  CheckType<unsigned long long>(1ull << 63);
  CheckType<char>('x');
  CheckType<char32_t>(U'\u20ac');
}

TEST(RoundTripTest, FloatingPoint) {
  CheckType<float>(1.5f);
  CheckType<double>(-2.25e300);
  CheckType<double>(std::numeric_limits<double>::infinity());
  CheckType<long double>(3.0L);
  CheckType(std::complex<double>(1.0, -2.0));
}

TEST(RoundTripTest, BoolAndEnums) {
  CheckType(true);
  CheckType(false);
  CheckType(Color::kBlue);
  enum Plain : int { kA, kB };
  CheckType(kB);
}

TEST(RoundTripTest, Strings) {
  CheckType(std::string());
  CheckType(std::string("hello"));
  CheckType(std::string(100000, 'z'));
  CheckType(std::string("with\0nul", 8));
}

TEST(RoundTripTest, Vectors) {
  CheckType(std::vector<double>());
  CheckType(std::vector<double>{1.0, 2.0, 3.0});
  CheckType(std::vector<int32_t>(70000, 7));
  CheckType(std::vector<bool>{true, false, true});
  CheckType(std::vector<std::string>{"a", "", std::string(70000, 'b')});
  CheckType(std::vector<std::vector<int>>{{1, 2}, {}, {3}});
  CheckType(std::vector<Vec3>{{1, 2, 3}, {4, 5, 6}});
  CheckType(std::vector<Padded>{{1, 2.5}, {3, 4.5}});
  CheckType(std::vector<std::complex<float>>(9000, {1.0f, 2.0f}));
  CheckType(UninitVector<double>(9000, 0.5));
}

TEST(RoundTripTest, FixedArrays) {
  CheckType(std::array<int, 4>{1, 2, 3, 4});
  CheckType(std::array<std::string, 2>{"x", "yz"});
  CheckType(std::array<double, 0>{});
  CheckType(std::vector<std::array<float, 3>>{{1, 2, 3}, {4, 5, 6}});
  CheckType(Particle{"carbon", {0.5, 1.5}, Color::kGreen, {1, 2, 3}});
}

TEST(RoundTripTest, PairsTuplesOptionalsVariants) {
  CheckType(std::pair<int, std::string>(3, "three"));
  CheckType(std::tuple<>());
  CheckType(std::tuple<int, double, std::string>(1, 2.0, "3"));
  CheckType(std::optional<std::string>());
  CheckType(std::optional<std::string>("present"));
  using Variant = std::variant<std::monostate, int, std::string, Vec3>;
  CheckType(Variant());
  CheckType(Variant(42));
  CheckType(Variant(std::string("text")));
  CheckType(Variant(Vec3{1, 2, 3}));
  CheckType(std::monostate());
}

TEST(RoundTripTest, StdContainers) {
  CheckType(std::map<std::string, std::vector<int>>{{"a", {1}}, {"b", {}}});
  CheckType(std::unordered_map<int, std::string>{{1, "one"}, {2, "two"}});
  CheckType(std::set<std::string>{"x", "y", std::string(70000, 'k')});
  CheckType(std::unordered_set<int64_t>{1, 2, 3});
  CheckType(std::deque<std::string>{"front", "back"});
  CheckType(std::list<double>{1.0, 2.0});
  CheckType(std::map<std::vector<double>, int>{{{1.0, 2.0}, 1}, {{}, 2}});
}

TEST(RoundTripTest, AbslContainers) {
  CheckType(absl::flat_hash_map<std::string, std::vector<double>>{
      {"k", {1.0, 2.0}}, {"big", std::vector<double>(9000, 3.0)}});
  CheckType(absl::node_hash_map<int, std::string>{{1, "a"}});
  CheckType(absl::flat_hash_set<std::string>{"p", "q"});
  CheckType(absl::InlinedVector<int, 4>{1, 2});
  CheckType(absl::InlinedVector<int, 4>(100, 9));
  CheckType(absl::InlinedVector<std::string, 2>{"a", "b", "c"});
}

TEST(RoundTripTest, NestedToAnyDepth) {
  using Deep = std::map<
      std::string,
      std::vector<std::optional<std::variant<int, std::vector<std::string>>>>>;
  Deep deep;
  deep["first"].push_back(std::nullopt);
  deep["first"].push_back(std::variant<int, std::vector<std::string>>(5));
  deep["second"].push_back(std::variant<int, std::vector<std::string>>(
      std::vector<std::string>{"deep", std::string(70000, 'd')}));
  CheckType(deep);
}

TEST(RoundTripTest, UserStructs) {
  CheckType(Vec3{1, 2, 3});
  CheckType(Padded{7, 8.5});
  CheckType(Empty{});
  Experiment experiment;
  experiment.title = "run 7";
  experiment.particles = {
      {"a", {1.0}, Color::kRed, {1, 1, 1}},
      {"b", std::vector<double>(9000, 2.0), Color::kBlue, {2, 2, 2}}};
  experiment.landmarks = {{"origin", {0, 0, 0}}, {"far", {9, 9, 9}}};
  experiment.trajectory = std::vector<Vec3>(3000, Vec3{1, 2, 3});
  CheckType(experiment);
}

TEST(RoundTripTest, RecursiveUserStruct) {
  Tree tree{1, {{2, {}}, {3, {{4, {}}}}}};
  CheckType(tree);
}

TEST(RoundTripTest, FlatBuffersDetachedBuffer) {
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(builder.CreateString(std::string(70000, 'f')));
  const flatbuffers::DetachedBuffer buffer = builder.Release();
  for (uint64_t threshold : {uint64_t{0}, kDefaultOutOfBandThreshold, kNever}) {
    const Frame frame = Encode(buffer, EncodeOptions{threshold});
    absl::StatusOr<flatbuffers::DetachedBuffer> decoded =
        Decode<flatbuffers::DetachedBuffer>(frame);
    ASSERT_THAT(decoded, IsOk());
    ASSERT_EQ(decoded->size(), buffer.size());
    EXPECT_TRUE(std::equal(buffer.data(), buffer.data() + buffer.size(),
                           decoded->data()));
  }
  EXPECT_EQ(Encode(buffer).buffers.size(), 1u);
  EXPECT_EQ(Encode(buffer).buffers[0].data, buffer.data());
}

TEST(RoundTripTest, MapsSetsAndVectorsInterchangeAcrossFlavours) {
  const std::map<std::string, int> sent{{"a", 1}, {"b", 2}};
  absl::StatusOr<absl::flat_hash_map<std::string, int>> as_flat =
      Decode<absl::flat_hash_map<std::string, int>>(Encode(sent));
  ASSERT_THAT(as_flat, IsOk());
  EXPECT_THAT(*as_flat, ::testing::UnorderedElementsAre(
                            ::testing::Pair("a", 1), ::testing::Pair("b", 2)));
  EXPECT_THAT((Decode<absl::InlinedVector<double, 2>>(
                  Encode(std::vector<double>{1, 2}))),
              IsOkAndHolds(::testing::ElementsAre(1.0, 2.0)));
  EXPECT_THAT(Decode<std::set<int>>(Encode(std::unordered_set<int>{4, 5})),
              IsOkAndHolds(::testing::ElementsAre(4, 5)));
}

}  // namespace
}  // namespace pkl5::internal_testing
