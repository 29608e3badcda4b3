// The pickle codec alone: C++ round trips, what Python 3 + numpy wrote
// (testdata/golden.txt, made by testdata/make_golden.py) read into C++
// types, and every kind of bad stream rejected with a clear error.
#include "pkl5/python/pickle.h"

#include <complex>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5::python {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Particle {
  std::string name;
  std::vector<double> position;
  int charge = 0;
  PKL5_FIELDS(Particle, name, position, charge);
  friend bool operator==(const Particle& a, const Particle& b) {
    return a.name == b.name && a.position == b.position && a.charge == b.charge;
  }
};

// A string literal with its NUL bytes.
template <size_t N>
std::string Raw(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

struct Golden {
  std::string stream;
  std::vector<std::string> buffers;
};

const std::map<std::string, Golden>& Goldens() {
  static const auto* goldens = [] {
    auto* loaded = new std::map<std::string, Golden>;
    const char* srcdir = std::getenv("TEST_SRCDIR");
    const char* workspace = std::getenv("TEST_WORKSPACE");
    if (srcdir == nullptr || workspace == nullptr) return loaded;
    std::ifstream in(std::string(srcdir) + "/" + workspace +
                     "/python/testdata/golden.txt");
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> fields = absl::StrSplit(line, ' ');
      Golden golden;
      golden.stream = absl::HexStringToBytes(fields[1]);
      for (size_t i = 2; i < fields.size(); ++i) {
        golden.buffers.push_back(
            fields[i] == "-" ? "" : absl::HexStringToBytes(fields[i]));
      }
      (*loaded)[fields[0]] = golden;
    }
    return loaded;
  }();
  return *goldens;
}

// Loads the golden `name` as a T.
template <typename T>
absl::StatusOr<T> LoadGolden(const std::string& name) {
  auto found = Goldens().find(name);
  if (found == Goldens().end()) {
    return absl::NotFoundError("no golden " + name);
  }
  std::vector<absl::string_view> buffers(found->second.buffers.begin(),
                                         found->second.buffers.end());
  return Loads<T>(found->second.stream, buffers);
}

// Dumps `value` then loads it back as a U, with buffers copied in.
template <typename U, typename T>
absl::StatusOr<U> RoundTrip(const T& value, size_t threshold = 64) {
  PickleOptions options;
  options.out_of_band_threshold = threshold;
  PKL5_ASSIGN_OR_RETURN(Pickled pickled, Dumps(value, options));
  std::vector<std::string> buffers;
  for (const auto& segments : pickled.buffers) {
    std::string& bytes = buffers.emplace_back();
    for (const auto& segment : segments) {
      bytes.append(static_cast<const char*>(segment.data), segment.bytes);
    }
  }
  std::vector<absl::string_view> views(buffers.begin(), buffers.end());
  return Loads<U>(pickled.stream, views, options);
}
template <typename T>
void ExpectRoundTrip(const T& value) {
  for (size_t threshold : {size_t{0}, size_t{64}, size_t{1} << 30}) {
    EXPECT_THAT(RoundTrip<T>(value, threshold), IsOkAndHolds(value))
        << "threshold " << threshold;
  }
}

TEST(PickleTest, GoldensAreThere) { EXPECT_EQ(Goldens().size(), 40u); }

TEST(PickleTest, ScalarsRoundTrip) {
  ExpectRoundTrip(true);
  ExpectRoundTrip(int8_t{-128});
  ExpectRoundTrip(uint8_t{255});
  ExpectRoundTrip(int32_t{-70000});
  ExpectRoundTrip(int64_t{INT64_MIN});
  ExpectRoundTrip(int64_t{INT64_MAX});
  ExpectRoundTrip(uint64_t{UINT64_MAX});
  ExpectRoundTrip(uint64_t{1} << 63);
  ExpectRoundTrip(3.25);
  ExpectRoundTrip(-0.5f);
  ExpectRoundTrip(std::complex<double>(1, -2));
  ExpectRoundTrip(std::string("héllo"));
  ExpectRoundTrip(std::string(300, 'x'));
  ExpectRoundTrip(Bytes{std::string("\0\xff", 2)});
  ExpectRoundTrip(std::optional<int>());
  ExpectRoundTrip(std::optional<int>(4));
}

TEST(PickleTest, ContainersRoundTrip) {
  ExpectRoundTrip(std::vector<std::string>{"a", "bc"});
  ExpectRoundTrip(std::vector<std::string>{});
  ExpectRoundTrip(std::make_tuple(1, std::string("a"), 2.5));
  ExpectRoundTrip(std::make_pair(7, std::string("x")));
  ExpectRoundTrip(std::map<std::string, int>{{"a", 1}, {"b", 2}});
  ExpectRoundTrip(
      std::unordered_map<int, std::vector<std::string>>{{1, {"x"}}, {2, {}}});
  ExpectRoundTrip(std::set<int>{3, 1, 2});
  ExpectRoundTrip(Particle{"electron", {1, 2, 3}, -1});
  ExpectRoundTrip(std::vector<Particle>{{"a", {}, 1}, {"b", {0.5}, 2}});
}

TEST(PickleTest, ArraysRoundTripInBandAndOutOfBand) {
  ExpectRoundTrip(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  ExpectRoundTrip(std::vector<float>(1000, 2.5f));
  ExpectRoundTrip(std::vector<int16_t>{-1, 2});
  ExpectRoundTrip(std::vector<uint64_t>{UINT64_MAX});
  ExpectRoundTrip(std::vector<std::complex<float>>{{1, 2}, {3, 4}});
  ExpectRoundTrip(std::vector<bool>{true, false, true});
  ExpectRoundTrip(std::vector<bool>(100, true));
  ExpectRoundTrip(std::vector<double>{});
  ExpectRoundTrip(std::vector<std::vector<int32_t>>{{1, 2, 3}, {4, 5, 6}});
  ExpectRoundTrip(std::vector<std::vector<std::vector<float>>>{
      {{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}, {{9, 10}, {11, 12}}});
  ExpectRoundTrip(std::vector<std::vector<double>>{});
  ExpectRoundTrip(std::vector<std::vector<double>>{{}, {}});
}

TEST(PickleTest, AnArrayGoesOutOfBandFromWhereItIs) {
  std::vector<double> values(100, 1.0);
  std::vector<std::vector<double>> rows{values, values};
  PickleOptions options;
  options.out_of_band_threshold = 64;
  absl::StatusOr<Pickled> flat = Dumps(values, options);
  ASSERT_THAT(flat, IsOk());
  ASSERT_EQ(flat->buffers.size(), 1u);
  ASSERT_EQ(flat->buffers[0].size(), 1u);
  EXPECT_EQ(flat->buffers[0][0].data, values.data());
  EXPECT_LT(flat->stream.size(), 200u);
  absl::StatusOr<Pickled> nested = Dumps(rows, options);
  ASSERT_THAT(nested, IsOk());
  ASSERT_EQ(nested->buffers.size(), 1u);
  ASSERT_EQ(nested->buffers[0].size(), 2u);  // one segment per row
  EXPECT_EQ(nested->buffers[0][1].data, rows[1].data());
  EXPECT_EQ(nested->buffer_bytes(0), 1600u);
}

TEST(PickleTest, ARaggedNestOrNonUtf8StringIsRejectedOnSend) {
  EXPECT_THAT(Dumps(std::vector<std::vector<double>>{{1}, {1, 2}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unequal lengths")));
  EXPECT_THAT(
      Dumps(std::string("\xff")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not UTF-8")));
  EXPECT_THAT(Dumps(std::string("\xed\xa0\x80")),  // a surrogate
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PickleTest, PythonsScalarsLoad) {
  EXPECT_THAT(LoadGolden<std::optional<int>>("none"),
              IsOkAndHolds(std::nullopt));
  EXPECT_THAT(LoadGolden<bool>("true"), IsOkAndHolds(true));
  EXPECT_THAT(LoadGolden<int>("int_small"), IsOkAndHolds(7));
  EXPECT_THAT(LoadGolden<int>("int_negative"), IsOkAndHolds(-5));
  EXPECT_THAT(LoadGolden<int>("int_300"), IsOkAndHolds(300));
  EXPECT_THAT(LoadGolden<int>("int_70000"), IsOkAndHolds(70000));
  EXPECT_THAT(LoadGolden<int64_t>("int_2_40"), IsOkAndHolds(int64_t{1} << 40));
  EXPECT_THAT(LoadGolden<int64_t>("int_min64"), IsOkAndHolds(INT64_MIN));
  EXPECT_THAT(LoadGolden<uint64_t>("uint_max64"), IsOkAndHolds(UINT64_MAX));
  EXPECT_THAT(LoadGolden<double>("float"), IsOkAndHolds(1.5));
  EXPECT_THAT(LoadGolden<double>("int_small"), IsOkAndHolds(7.0));
  EXPECT_THAT(LoadGolden<std::complex<double>>("complex"),
              IsOkAndHolds(std::complex<double>(1, 2)));
  EXPECT_THAT(LoadGolden<std::string>("str"), IsOkAndHolds("héllo"));
  EXPECT_THAT(LoadGolden<Bytes>("bytes"),
              IsOkAndHolds(Bytes{std::string("\0\1ab", 4)}));
  EXPECT_THAT(LoadGolden<Bytes>("bytearray"), IsOkAndHolds(Bytes{"xy"}));
  EXPECT_THAT(LoadGolden<double>("scalar_f8"), IsOkAndHolds(2.25));
  EXPECT_THAT(LoadGolden<int>("scalar_i2"), IsOkAndHolds(-3));
  EXPECT_THAT(LoadGolden<double>("array_0d"), IsOkAndHolds(5.0));
}

TEST(PickleTest, PythonsContainersLoad) {
  EXPECT_THAT(LoadGolden<std::vector<int>>("list"),
              IsOkAndHolds(ElementsAre(1, 2, 3)));
  EXPECT_THAT(LoadGolden<std::vector<double>>("list"),
              IsOkAndHolds(ElementsAre(1, 2, 3)));
  EXPECT_THAT((LoadGolden<std::tuple<int, std::string, double>>("tuple")),
              IsOkAndHolds(std::make_tuple(1, "a", 2.5)));
  EXPECT_THAT((LoadGolden<std::map<std::string, int>>("dict")),
              IsOkAndHolds(std::map<std::string, int>{{"a", 1}, {"b", 2}}));
  EXPECT_THAT(LoadGolden<std::set<int>>("set"),
              IsOkAndHolds(std::set<int>{1, 2, 3}));
  EXPECT_THAT(LoadGolden<std::set<int>>("frozenset"),
              IsOkAndHolds(std::set<int>{4}));
  EXPECT_THAT(LoadGolden<std::vector<std::vector<int>>>("shared"),
              IsOkAndHolds(std::vector<std::vector<int>>{{1, 2}, {1, 2}}));
  EXPECT_THAT(LoadGolden<Particle>("struct"),
              IsOkAndHolds(Particle{"p", {1.0, 2.0}, -1}));
}

TEST(PickleTest, NumpysArraysLoad) {
  EXPECT_THAT(LoadGolden<std::vector<double>>("array_f8_small"),
              IsOkAndHolds(ElementsAre(0, 1, 2, 3)));
  absl::StatusOr<std::vector<float>> oob =
      LoadGolden<std::vector<float>>("array_f4_oob");
  ASSERT_THAT(oob, IsOk());
  ASSERT_EQ(oob->size(), 32u);
  EXPECT_EQ((*oob)[31], 31.0f);
  EXPECT_THAT(
      LoadGolden<std::vector<std::vector<int32_t>>>("array_i4_2d"),
      IsOkAndHolds(std::vector<std::vector<int32_t>>{{0, 1, 2}, {3, 4, 5}}));
  EXPECT_THAT(LoadGolden<std::vector<bool>>("array_bool"),
              IsOkAndHolds(ElementsAre(true, false, true)));
  EXPECT_THAT(LoadGolden<std::vector<std::complex<double>>>("array_c16"),
              IsOkAndHolds(ElementsAre(std::complex<double>(1, 2),
                                       std::complex<double>(3, -4))));
  EXPECT_THAT(LoadGolden<std::vector<double>>("array_empty"),
              IsOkAndHolds(ElementsAre()));
  // One buffer behind two references: both places get it.
  absl::StatusOr<std::vector<std::vector<double>>> shared =
      LoadGolden<std::vector<std::vector<double>>>("array_shared_oob");
  ASSERT_THAT(shared, IsOk());
  ASSERT_EQ(shared->size(), 2u);
  EXPECT_EQ((*shared)[0], (*shared)[1]);
  EXPECT_EQ((*shared)[1][15], 15.0);
}

TEST(PickleTest, WrongTypesNameThePlaceAndBothTypes) {
  EXPECT_THAT(LoadGolden<std::string>("int_small"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected str, got int")));
  EXPECT_THAT(LoadGolden<std::vector<float>>("array_f8_small"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected numpy.ndarray of float32, 1-d, got "
                                 "numpy.ndarray of dtype f8, 1-d")));
  EXPECT_THAT(LoadGolden<std::vector<int32_t>>("array_i4_2d"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2-d")));
  EXPECT_THAT(LoadGolden<int8_t>("int_300"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("300 does not fit in a 8-bit")));
  EXPECT_THAT(LoadGolden<uint32_t>("int_negative"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LoadGolden<int>("float"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected int, got float")));
  EXPECT_THAT((LoadGolden<std::map<std::string, std::string>>("dict")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at object[0]: expected str, got int")));
  EXPECT_THAT(
      (LoadGolden<std::tuple<int, int>>("tuple")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("a tuple of 2")));
  struct Other {
    std::string name;
    PKL5_FIELDS(Other, name);
  };
  EXPECT_THAT(LoadGolden<Other>("struct"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Other has no field 'position'")));
  EXPECT_THAT(
      LoadGolden<std::vector<double>>("array_big_endian"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("big-endian")));
  EXPECT_THAT(
      LoadGolden<std::vector<std::string>>("array_strings"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dtype U2")));
}

TEST(PickleTest, WhatPkl5DoesNotRebuildIsRejectedByName) {
  EXPECT_THAT(LoadGolden<int64_t>("int_2_70"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("wider than 64 bits")));
  EXPECT_THAT(LoadGolden<std::vector<int>>("class"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("builtins.range")));
  EXPECT_THAT(
      LoadGolden<std::vector<std::vector<double>>>("array_fortran"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("order 'F'")));
  EXPECT_THAT(LoadGolden<int>("exception"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("exception instead of a value: root failed")));
  EXPECT_THAT(LoadGolden<std::vector<std::vector<int>>>("recursive"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at object[0][0]: expected int, got list")));
  struct Tree {
    std::vector<Tree> children;
    PKL5_FIELDS(Tree, children);
  };
  EXPECT_THAT(LoadGolden<Tree>("recursive_dict"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nests deeper than 512 levels")));
  EXPECT_THAT(
      Loads<int>(std::string("\x80\x05"
                             "cos\nsystem\n.",
                             14)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("os.system")));
  EXPECT_THAT(Loads<int>(std::string("\x80\x05(i__main__\nX\n.", 16)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("INST")));
}

TEST(PickleTest, EveryCutOrFlippedStreamIsAnErrorNotACrash) {
  for (const auto& [name, golden] : Goldens()) {
    std::vector<absl::string_view> buffers(golden.buffers.begin(),
                                           golden.buffers.end());
    for (size_t cut = 0; cut < golden.stream.size(); ++cut) {
      EXPECT_FALSE(Loads<Particle>(golden.stream.substr(0, cut), buffers).ok());
      std::string flipped = golden.stream;
      flipped[cut] ^= 0x5a;
      // Any outcome but a crash or a hang: errors are the common case.
      static_cast<void>(Loads<std::vector<double>>(flipped, buffers));
      static_cast<void>(Loads<Particle>(flipped, buffers));
    }
  }
}

TEST(PickleTest, MissingOrWrongSizedBuffersAreDataLoss) {
  const Golden& golden = Goldens().at("array_f4_oob");
  EXPECT_THAT(
      Loads<std::vector<float>>(golden.stream, {}),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("out-of-band buffers")));
  std::string short_buffer = golden.buffers[0].substr(4);
  absl::string_view views[] = {short_buffer};
  EXPECT_THAT(Loads<std::vector<float>>(golden.stream, views),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(PickleTest, SharedReferencesCannotBlowUp) {
  // 60 levels of {"children": [x, x]}: 2^60 dicts in a 2 KB stream.
  struct Tree {
    std::vector<Tree> children;
    PKL5_FIELDS(Tree, children);
  };
  EXPECT_THAT(LoadGolden<Tree>("blowup"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("far more values than it holds")));
  // As a byte count: a 1 MiB string referenced 10^6 times.
  std::string big = "\x80\x05X";
  const uint32_t n = 1 << 20;
  big.append(reinterpret_cast<const char*>(&n), 4);
  big.append(n, 'a');
  big +=
      Raw("q\x00"
          "0](");
  for (int i = 0; i < 1000000; ++i) big += Raw("h\x00");
  big += "e.";
  PickleOptions options;
  options.max_object_bytes = uint64_t{64} << 20;
  EXPECT_THAT(Loads<std::vector<std::string>>(big, {}, options),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("max_object_bytes")));
}

}  // namespace
}  // namespace pkl5::python
