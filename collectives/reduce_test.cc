// reduce, allreduce, scan and exscan: user ops on objects (ordered and
// commutative, large objects through parts), the standard ops on arithmetic
// arrays through native MPI (chunked with a tiny block size), on intra- and
// intercommunicators of any size; then every error case, each followed by
// a reduction that must still work.
#include "pkl5/collectives/reduce.h"

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/testing/collective_testing.h"
#include "pkl5/testing/comm_testing.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

using ::pkl5::internal_testing::AllSettings;
using ::pkl5::internal_testing::SettingName;

using Counts = std::map<std::string, int64_t>;

Counts Merge(const Counts& a, const Counts& b) {
  Counts merged = a;
  for (const auto& [key, count] : b) merged[key] += count;
  return merged;
}

// A struct ordered by cost, then name.
struct Candidate {
  double cost = 0;
  std::string name;
  PKL5_FIELDS(Candidate, cost, name);
};
bool operator<(const Candidate& a, const Candidate& b) {
  return a.cost < b.cost || (a.cost == b.cost && a.name < b.name);
}
bool operator==(const Candidate& a, const Candidate& b) {
  return a.cost == b.cost && a.name == b.name;
}

// A value with an array large enough to travel out of band at the default
// threshold.
struct Field {
  std::string label;
  std::vector<double> values;
  PKL5_FIELDS(Field, label, values);
};
bool operator==(const Field& a, const Field& b) {
  return a.label == b.label && a.values == b.values;
}
Field AddFields(const Field& a, const Field& b) {
  Field sum{a.label + b.label, a.values};
  for (size_t i = 0; i < sum.values.size(); ++i) sum.values[i] += b.values[i];
  return sum;
}

class ReduceTest : public internal_testing::CollectiveTest {
 protected:
  bool inter() const { return !intra(); }
  // An id per rank, distinct between the groups of an intercommunicator.
  int Id(int rank, bool low) const {
    return inter() && !low ? 100 + rank : rank;
  }
  int MyId() { return Id(rank(), test_->low()); }
  // The ids whose values make this rank's result, in rank order: every
  // rank's, or the other group's on an intercommunicator.
  std::vector<int> Contributors() {
    std::vector<int> ids;
    for (int r = 0; r < test_->peers(); ++r) {
      ids.push_back(Id(r, inter() ? !test_->low() : true));
    }
    return ids;
  }

  // Runs `body(root_argument, receives)` for every root, as the fixture's
  // ForEachRoot does, but saying whether this rank gets reduce's result.
  template <typename Body>
  void ForEachRoot(Body&& body) {
    if (!inter()) {
      for (int root = 0; root < size(); ++root) body(root, rank() == root);
      return;
    }
    for (bool low_group_roots : {true, false}) {
      if (low_group_roots == test_->low()) {
        for (int root = 0; root < size(); ++root) {
          body(root == rank() ? MPI_ROOT : MPI_PROC_NULL, root == rank());
        }
      } else {
        for (int root = 0; root < test_->peers(); ++root) body(root, false);
      }
    }
  }
};

std::string Word(int id) { return "<" + std::to_string(id) + ">"; }

TEST_P(ReduceTest, AllreduceMergesCounters) {
  Counts mine = {{"all", 1}, {"id" + std::to_string(MyId()), MyId()}};
  Counts expected;
  for (int id : Contributors()) {
    expected = Merge(expected, {{"all", 1}, {"id" + std::to_string(id), id}});
  }
  EXPECT_THAT(allreduce(comm(), mine, Merge), IsOkAndHolds(expected));
  EXPECT_THAT(allreduce(comm(), mine, commutative(Merge)),
              IsOkAndHolds(expected));
}

TEST_P(ReduceTest, AnOrderedOpKeepsRankOrderFromEveryRoot) {
  std::string all;
  for (int id : Contributors()) all += Word(id);
  ForEachRoot([&](int root, bool receives) {
    absl::StatusOr<std::string> result =
        reduce(comm(), Word(MyId()), std::plus<>(), root);
    EXPECT_THAT(result, IsOkAndHolds(receives ? all : ""));
  });
  EXPECT_THAT(allreduce(comm(), Word(MyId()), std::plus<>()),
              IsOkAndHolds(all));
}

TEST_P(ReduceTest, ACommutativeOpReducesFromEveryRoot) {
  Counts expected;
  for (int id : Contributors()) expected = Merge(expected, {{"n", id}});
  ForEachRoot([&](int root, bool receives) {
    Counts out = {{"untouched", 1}};
    ASSERT_THAT(
        reduce(comm(), Counts{{"n", MyId()}}, out, commutative(Merge), root),
        IsOk());
    const Counts untouched = {{"untouched", 1}};
    EXPECT_EQ(out, receives ? expected : untouched);
  });
}

TEST_P(ReduceTest, ScansKeepRankOrder) {
  if (inter()) {
    EXPECT_THAT(scan(comm(), 1, std::plus<>()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("intracommunicators")));
    EXPECT_THAT(exscan(comm(), Word(1), std::plus<>()),
                StatusIs(absl::StatusCode::kInvalidArgument));
    return;
  }
  std::string before;
  for (int r = 0; r < rank(); ++r) before += Word(r);
  EXPECT_THAT(scan(comm(), Word(rank()), std::plus<>()),
              IsOkAndHolds(before + Word(rank())));
  absl::StatusOr<std::optional<std::string>> exclusive =
      exscan(comm(), Word(rank()), std::plus<>());
  ASSERT_THAT(exclusive, IsOk());
  if (rank() == 0) {
    EXPECT_EQ(*exclusive, std::nullopt);
  } else {
    EXPECT_EQ(*exclusive, before);
  }
  std::string out = "untouched";
  ASSERT_THAT(exscan(comm(), Word(rank()), out, std::plus<>()), IsOk());
  EXPECT_EQ(out, rank() == 0 ? "untouched" : before);
}

TEST_P(ReduceTest, LargeObjectsReduceThroughTheirParts) {
  const size_t n = 20000;
  Field mine{Word(MyId()), std::vector<double>(n, MyId() + 0.5)};
  Field expected{"", std::vector<double>(n, 0.0)};
  for (int id : Contributors()) {
    expected =
        AddFields(expected, Field{Word(id), std::vector<double>(n, id + 0.5)});
  }
  EXPECT_THAT(allreduce(comm(), mine, AddFields), IsOkAndHolds(expected));
  ForEachRoot([&](int root, bool receives) {
    EXPECT_THAT(reduce(comm(), mine, AddFields, root),
                IsOkAndHolds(receives ? expected : Field{}));
  });
  if (inter()) return;
  Field prefix{"", std::vector<double>(n, 0.0)};
  for (int r = 0; r <= rank(); ++r) {
    prefix = AddFields(prefix, Field{Word(r), std::vector<double>(n, r + 0.5)});
  }
  EXPECT_THAT(scan(comm(), mine, AddFields), IsOkAndHolds(prefix));
}

TEST_P(ReduceTest, MinimumAndMaximumOfStructs) {
  const Candidate mine{static_cast<double>(MyId() % 3), Word(MyId())};
  Candidate least = {1e9, ""};
  Candidate most = {-1e9, ""};
  for (int id : Contributors()) {
    const Candidate c{static_cast<double>(id % 3), Word(id)};
    if (c < least) least = c;
    if (most < c) most = c;
  }
  EXPECT_THAT(allreduce(comm(), mine, minimum<>()), IsOkAndHolds(least));
  EXPECT_THAT(allreduce(comm(), mine, maximum<Candidate>()),
              IsOkAndHolds(most));
}

// Elements of rank `id`'s vector: distinct, small enough for exact
// products and sums.
std::vector<double> Doubles(int id, size_t n) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = (id + 1) * static_cast<double>(i % 7 + 1);
  return v;
}

template <typename E, typename Op>
std::vector<E> Fold(const std::vector<std::vector<E>>& vectors, Op op) {
  std::vector<E> result = vectors.front();
  for (size_t k = 1; k < vectors.size(); ++k) {
    for (size_t i = 0; i < result.size(); ++i) {
      result[i] = op(result[i], vectors[k][i]);
    }
  }
  return result;
}

TEST_P(ReduceTest, StandardOpsOnArithmeticArraysRunAsMpiReductions) {
  const size_t n = 100;  // 13 chunks with 65-byte blocks, the last partial
  std::vector<std::vector<double>> doubles;
  std::vector<std::vector<int32_t>> ints;
  for (int id : Contributors()) {
    doubles.push_back(Doubles(id, n));
    ints.push_back(std::vector<int32_t>(n, id * 5 + 3));
  }
  const std::vector<double> mine = Doubles(MyId(), n);
  const std::vector<int32_t> my_ints(n, MyId() * 5 + 3);
  EXPECT_THAT(allreduce(comm(), mine, std::plus<>()),
              IsOkAndHolds(Fold(doubles, std::plus<>())));
  EXPECT_THAT(allreduce(comm(), mine, std::multiplies<double>()),
              IsOkAndHolds(Fold(doubles, std::multiplies<>())));
  EXPECT_THAT(allreduce(comm(), mine, minimum<>()),
              IsOkAndHolds(Fold(doubles, minimum<>())));
  EXPECT_THAT(allreduce(comm(), mine, maximum<>()),
              IsOkAndHolds(Fold(doubles, maximum<>())));
  EXPECT_THAT(allreduce(comm(), my_ints, std::bit_and<>()),
              IsOkAndHolds(Fold(ints, std::bit_and<>())));
  EXPECT_THAT(allreduce(comm(), my_ints, std::bit_or<>()),
              IsOkAndHolds(Fold(ints, std::bit_or<>())));
  EXPECT_THAT(allreduce(comm(), my_ints, std::bit_xor<>()),
              IsOkAndHolds(Fold(ints, std::bit_xor<>())));
  const auto logical_and = [](int32_t a, int32_t b) -> int32_t {
    return a && b;
  };
  EXPECT_THAT(allreduce(comm(), my_ints, std::logical_and<>()),
              IsOkAndHolds(Fold(ints, logical_and)));
  // In place, and a scalar.
  std::vector<double> field = mine;
  ASSERT_THAT(allreduce(comm(), field, field, std::plus<>()), IsOk());
  EXPECT_EQ(field, Fold(doubles, std::plus<>()));
  int64_t total = 0;
  for (int id : Contributors()) total += id;
  EXPECT_THAT(allreduce(comm(), int64_t{MyId()}, std::plus<>()),
              IsOkAndHolds(total));
  ForEachRoot([&](int root, bool receives) {
    std::vector<double> out = {-1.0};
    ASSERT_THAT(reduce(comm(), mine, out, std::plus<>(), root), IsOk());
    EXPECT_EQ(out, receives ? Fold(doubles, std::plus<>())
                            : std::vector<double>{-1.0});
  });
  if (inter()) return;
  const std::vector<std::vector<double>> below(doubles.begin(),
                                               doubles.begin() + rank());
  std::vector<std::vector<double>> through = below;
  through.push_back(mine);
  EXPECT_THAT(scan(comm(), mine, std::plus<>()),
              IsOkAndHolds(Fold(through, std::plus<>())));
  std::vector<double> in_place = mine;
  ASSERT_THAT(exscan(comm(), in_place, in_place, std::plus<>()), IsOk());
  EXPECT_EQ(in_place, rank() == 0 ? mine : Fold(below, std::plus<>()));
}

TEST_P(ReduceTest, StandardOpsOnOtherElementsAreElementWise) {
  std::vector<std::vector<std::string>> all;
  for (int id : Contributors()) all.push_back({Word(id), "x"});
  EXPECT_THAT(allreduce(comm(), std::vector<std::string>{Word(MyId()), "x"},
                        std::plus<>()),
              IsOkAndHolds(Fold(all, std::plus<>())));
}

// The failures of a reduction, each followed by one that works.
TEST_P(ReduceTest, FailuresReachEveryRankAndLoseNothing) {
  const auto works = [&] {
    int64_t total = 0;
    for (int id : Contributors()) total += id;
    EXPECT_THAT(allreduce(comm(), int64_t{MyId()},
                          [](int64_t a, int64_t b) { return a + b; }),
                IsOkAndHolds(total));
  };
  // Rank 1 of each group holds a value its group's op refuses: every rank
  // whose result includes it gets the error (an op runs only where a group
  // has two ranks to combine).
  const bool poisoned_group_combines = test_->peers() >= 2;
  const std::string mine = rank() == 1 ? "bad" : Word(MyId());
  const auto refuses = [](const std::string& a,
                          const std::string& b) -> absl::StatusOr<std::string> {
    if (a == "bad" || b == "bad")
      return absl::FailedPreconditionError("refused");
    return a + b;
  };
  const auto throws = [](const std::string& a, const std::string& b) {
    if (a == "bad" || b == "bad") throw std::runtime_error("boom");
    return a + b;
  };
  // Every rank makes every call; only what each expects differs.
  absl::Status refused = allreduce(comm(), mine, refuses).status();
  if (poisoned_group_combines) {
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr("the reduction op at rank")));
  }
  works();
  absl::Status thrown = allreduce(comm(), mine, throws).status();
  if (poisoned_group_combines) {
    EXPECT_THAT(thrown,
                StatusIs(absl::StatusCode::kUnknown, HasSubstr("boom")));
  }
  works();
  ForEachRoot([&](int root, bool receives) {
    absl::Status result = reduce(comm(), mine, throws, root).status();
    if (receives && poisoned_group_combines) {
      EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnknown));
    }
  });
  works();
  if (!inter() && size() >= 2) {
    absl::StatusOr<std::string> prefix = scan(comm(), mine, refuses);
    if (rank() >= 1) {
      EXPECT_THAT(prefix, StatusIs(absl::StatusCode::kFailedPrecondition));
    } else {
      EXPECT_THAT(prefix, IsOkAndHolds(Word(0)));
    }
    works();
  }
  // Ranks that disagree: every rank is told, nothing else travels.
  const bool first = rank() == 0 && (!inter() || test_->low());
  if (comm().size() + (inter() ? test_->peers() : 0) >= 2) {
    absl::Status mismatched =
        first
            ? allreduce(comm(), std::vector<float>(3), std::plus<>()).status()
            : allreduce(comm(), std::vector<double>(3), std::plus<>()).status();
    EXPECT_THAT(mismatched, StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("different types or ops")));
    works();
    absl::Status lengths =
        allreduce(comm(), std::vector<double>(first ? 3 : 4), std::plus<>())
            .status();
    EXPECT_THAT(lengths, StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("different lengths")));
    works();
    const auto user_sum = [](const std::vector<double>& a,
                             const std::vector<double>& b) {
      std::vector<double> sum = a;
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += b[i];
      return sum;
    };
    absl::Status paths =
        first
            ? allreduce(comm(), std::vector<double>(3), user_sum).status()
            : allreduce(comm(), std::vector<double>(3), std::plus<>()).status();
    EXPECT_THAT(paths, StatusIs(absl::StatusCode::kInvalidArgument));
    works();
  }
  if (!inter() && size() >= 2) {
    EXPECT_THAT(reduce(comm(), 1, std::plus<>(), first ? 0 : 1),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("different roots")));
    works();
  }
  // An invalid root on one rank: that rank says why, the others that
  // another rank's root was invalid.
  const int bad_root = inter() ? -5 : size();
  const int good_root =
      inter() ? (test_->low() ? (rank() == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0)
              : 0;
  absl::Status invalid =
      reduce(comm(), Word(MyId()), std::plus<>(), first ? bad_root : good_root)
          .status();
  EXPECT_THAT(invalid,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(first ? "invalid root" : "another rank")));
  works();
}

INSTANTIATE_TEST_SUITE_P(Settings, ReduceTest, AllSettings(), SettingName);

// A value over max_object_bytes travels as the sender's error.
TEST(ReduceCapTest, AValueOverTheCapFailsEverywhere) {
  CommOptions options;
  options.decode.max_object_bytes = 64 << 10;
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD, options);
  ASSERT_THAT(comm, IsOk());
  const auto concat = [](const std::string& a, const std::string& b) {
    return a + b;
  };
  if (comm->size() >= 2) {
    const std::string mine(comm->rank() == 1 ? 100000 : 10, 'x');
    EXPECT_THAT(allreduce(*comm, mine, concat),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("max_object_bytes")));
  }
  EXPECT_THAT(
      allreduce(*comm, std::string("y"), concat),
      IsOkAndHolds(std::string(static_cast<size_t>(comm->size()), 'y')));
}

TEST(ReduceCapTest, NullCommunicatorsFail) {
  Comm null_comm;
  EXPECT_THAT(allreduce(null_comm, 1, std::plus<>()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace pkl5
