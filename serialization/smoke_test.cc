#include "serialization/serialization.h"
#include "gtest/gtest.h"
struct P { std::string n; std::vector<double> v; PKL5_FIELDS(P, n, v); };
TEST(S, A) {
  std::map<std::string, std::vector<int>> m{{"a",{1,2}}};
  auto f = pkl5::Encode(m);
  auto r = pkl5::Decode<std::map<std::string, std::vector<int>>>(f);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, m);
  EXPECT_EQ(pkl5::TypeName<decltype(m)>(), "map<string,vector<i32>>");
  P p{"x", std::vector<double>(100000, 1.5)};
  auto fp = pkl5::Encode(p);
  EXPECT_EQ(fp.buffers.size(), 1u);
  auto rp = pkl5::Decode<P>(fp);
  ASSERT_TRUE(rp.ok()) << rp.status();
  EXPECT_EQ(rp->v, p.v);
  EXPECT_EQ(pkl5::TypeStructure<P>(), "P{string,vector<f64>}");
  std::variant<int, std::string, std::monostate> var = std::string("hi");
  auto rv = pkl5::Decode<decltype(var)>(pkl5::Encode(var));
  ASSERT_TRUE(rv.ok()); EXPECT_EQ(*rv, var);
  std::tuple<int, std::optional<double>, std::set<int>, std::deque<char>, std::list<bool>, std::array<float,3>, std::complex<double>> t{1, 2.0, {3}, {'a'}, {true}, {1,2,3}, {1,2}};
  auto rt = pkl5::Decode<decltype(t)>(pkl5::Encode(t)); ASSERT_TRUE(rt.ok()); EXPECT_EQ(*rt, t);
  absl::flat_hash_map<int, absl::InlinedVector<int, 2>> fm{{1, {1,2,3}}};
  auto rf = pkl5::Decode<decltype(fm)>(pkl5::Encode(fm)); ASSERT_TRUE(rf.ok()); EXPECT_EQ(*rf, fm);
}
