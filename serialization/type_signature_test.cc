#include "pkl5/serialization/type_signature.h"

#include <array>
#include <complex>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "flatbuffers/flatbuffers.h"
#include "gtest/gtest.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/testing/test_types.h"

namespace pkl5::internal_testing {
namespace {

// Enums of one underlying type, in places whose spelling differs.
enum class Shape : uint16_t { kSquare };
struct Outer {
  enum Kind : int32_t { kOne };
};
template <typename T>
struct Box {
  enum class Lid : uint8_t { kOpen };
};

TEST(TypeSignatureTest, ScalarsSignBySizeAndKind) {
  EXPECT_EQ(TypeName<bool>(), "bool");
  EXPECT_EQ(TypeName<char>(), "char");
  EXPECT_EQ(TypeName<int8_t>(), "i8");
  EXPECT_EQ(TypeName<uint16_t>(), "u16");
  EXPECT_EQ(TypeName<int>(), "i32");
  EXPECT_EQ(TypeName<long>(), "i64");
  EXPECT_EQ(TypeName<long long>(), "i64");
  EXPECT_EQ(TypeName<uint64_t>(), "u64");
  EXPECT_EQ(TypeName<float>(), "f32");
  EXPECT_EQ(TypeName<double>(), "f64");
  EXPECT_EQ(TypeName<Color>(), "enum Color<u16>");
  EXPECT_EQ(TypeName<std::complex<float>>(), "complex<f32>");
}

TEST(TypeSignatureTest, ContainersSignByShape) {
  EXPECT_EQ(TypeName<std::string>(), "string");
  EXPECT_EQ(TypeName<std::vector<double>>(), "vector<f64>");
  EXPECT_EQ((TypeName<std::map<std::string, std::vector<int32_t>>>()),
            "map<string,vector<i32>>");
  EXPECT_EQ((TypeName<std::unordered_map<std::string, int>>()),
            "map<string,i32>");
  EXPECT_EQ((TypeName<absl::flat_hash_map<std::string, int>>()),
            "map<string,i32>");
  EXPECT_EQ((TypeName<absl::InlinedVector<int, 4>>()), "vector<i32>");
  EXPECT_EQ(TypeName<std::set<int>>(), "set<i32>");
  EXPECT_EQ(TypeName<std::deque<int>>(), "deque<i32>");
  EXPECT_EQ(TypeName<std::list<int>>(), "list<i32>");
  EXPECT_EQ((TypeName<std::array<float, 3>>()), "array<f32,3>");
  EXPECT_EQ(TypeName<int[3]>(), "array<i32,3>");
  EXPECT_EQ((TypeName<std::pair<int, double>>()), "pair<i32,f64>");
  EXPECT_EQ((TypeName<std::tuple<int, std::string, bool>>()),
            "tuple<i32,string,bool>");
  EXPECT_EQ(TypeName<std::tuple<>>(), "tuple<>");
  EXPECT_EQ(TypeName<std::optional<int>>(), "optional<i32>");
  EXPECT_EQ((TypeName<std::variant<std::monostate, int>>()),
            "variant<none,i32>");
  EXPECT_EQ(TypeName<flatbuffers::DetachedBuffer>(), "flatbuffer");
}

TEST(TypeSignatureTest, UserTypesSignByNameAndHashWithFields) {
  EXPECT_EQ(TypeName<Particle>(), "Particle");
  EXPECT_EQ(TypeStructure<Particle>(),
            "Particle{string,vector<f64>,enum Color<u16>,array<i32,3>}");
  EXPECT_EQ(TypeName<std::vector<Vec3>>(), "vector<Vec3>");
  EXPECT_EQ(TypeStructure<std::vector<Vec3>>(), "vector<Vec3{f64,f64,f64}>");
  EXPECT_EQ(TypeHash<Particle>(), Fnv1a64(TypeStructure<Particle>()));
  EXPECT_EQ(TypeStructure<Empty>(), "Empty{}");
}

TEST(TypeSignatureTest, RecursiveTypesExpandOnce) {
  EXPECT_EQ(TypeName<Tree>(), "Tree");
  EXPECT_EQ(TypeStructure<Tree>(), "Tree{i32,vector<Tree>}");
}

TEST(TypeSignatureTest, DistinctTypesHashApart) {
  EXPECT_NE(TypeHash<std::vector<float>>(), TypeHash<std::vector<double>>());
  EXPECT_NE(TypeHash<std::vector<int>>(), TypeHash<std::set<int>>());
  EXPECT_NE(TypeHash<Vec3>(), TypeHash<Padded>());
  // Two enums of one underlying type are different types.
  EXPECT_NE(TypeHash<Color>(), TypeHash<Shape>());
}

TEST(TypeSignatureTest, EnumsSignByTheirOwnName) {
  EXPECT_EQ(TypeName<Shape>(), "enum Shape<u16>");
  EXPECT_EQ(TypeName<Outer::Kind>(), "enum Kind<i32>");
  EXPECT_EQ((TypeName<Box<std::map<int, int>>::Lid>()), "enum Lid<u8>");
}

TEST(TypeSignatureTest, BulkIsDecidedByLayout) {
  EXPECT_TRUE(kIsBulk<double>);
  EXPECT_FALSE(kIsBulk<bool>);
  EXPECT_TRUE(kIsBulk<Color>);
  EXPECT_TRUE(kIsBulk<Vec3>);
  EXPECT_FALSE(kIsBulk<Padded>);  // padding bytes are not values
  EXPECT_FALSE(kIsBulk<Particle>);
  EXPECT_TRUE((kIsBulk<std::array<Vec3, 2>>));
  EXPECT_TRUE(kIsBulk<std::complex<double>>);
  EXPECT_FALSE(kIsBulk<std::string>);
}

}  // namespace
}  // namespace pkl5::internal_testing
