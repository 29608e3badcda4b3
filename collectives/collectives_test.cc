// bcast, gather, scatter, allgather and alltoall over the comm tests'
// objects, from every root, on intra- and intercommunicators (groups of
// unequal size at odd rank counts), with every array out-of-band and at the
// default threshold, and through the large-count path; then every error
// case, each followed by a collective that must still work.
#include "pkl5/collectives/collectives.h"

#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/comm/intercomm.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/testing/collective_testing.h"
#include "pkl5/testing/comm_testing.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::ForEachObject;
using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

using ::pkl5::internal_testing::AllSettings;
using ::pkl5::internal_testing::SettingName;

using CollectivesTest = ::pkl5::internal_testing::CollectiveTest;

TEST_P(CollectivesTest, BcastFromEveryRoot) {
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    ForEachRoot([&](int root, bool member) {
      const bool sends = intra() ? root == rank() : root == MPI_ROOT;
      T value = sends ? object : T{};
      ASSERT_THAT(bcast(comm(), value, root), IsOk());
      if (member || sends) {
        EXPECT_EQ(value, object);
      } else {
        EXPECT_EQ(value, T{});  // MPI_PROC_NULL: untouched
      }
    });
  });
}

TEST_P(CollectivesTest, GatherToEveryRoot) {
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    ForEachRoot([&](int root, bool member) {
      absl::StatusOr<std::vector<T>> gathered = gather(comm(), object, root);
      ASSERT_THAT(gathered, IsOk());
      const bool receives = intra() ? root == rank() : root == MPI_ROOT;
      if (receives) {
        EXPECT_EQ(*gathered,
                  std::vector<T>(static_cast<size_t>(remote_size()), object));
      } else {
        EXPECT_TRUE(gathered->empty());
      }
      (void)member;
    });
  });
}

TEST_P(CollectivesTest, ScatterFromEveryRoot) {
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    ForEachRoot([&](int root, bool member) {
      const bool sends = intra() ? root == rank() : root == MPI_ROOT;
      const std::vector<T> objects =
          sends ? std::vector<T>(static_cast<size_t>(remote_size()), object)
                : std::vector<T>();
      absl::StatusOr<T> mine = scatter(comm(), objects, root);
      ASSERT_THAT(mine, IsOk());
      EXPECT_EQ(*mine, member ? object : T{});
    });
  });
}

TEST_P(CollectivesTest, ScatterGivesEachRankItsOwn) {
  ForEachRoot([&](int root, bool member) {
    const bool sends = intra() ? root == rank() : root == MPI_ROOT;
    std::vector<std::vector<int32_t>> objects;
    for (int i = 0; sends && i < remote_size(); ++i) {
      objects.emplace_back(static_cast<size_t>(1000 * i), i);
    }
    absl::StatusOr<std::vector<int32_t>> mine = scatter(comm(), objects, root);
    ASSERT_THAT(mine, IsOk());
    if (member) {
      EXPECT_EQ(*mine, std::vector<int32_t>(static_cast<size_t>(1000 * rank()),
                                            rank()));
    }
  });
}

TEST_P(CollectivesTest, AllgatherAndAlltoall) {
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    const std::vector<T> expected(static_cast<size_t>(remote_size()), object);
    EXPECT_THAT(allgather(comm(), object), IsOkAndHolds(expected));
    EXPECT_THAT(alltoall(comm(), expected), IsOkAndHolds(expected));
  });
  // Distinct objects land in rank order.
  std::vector<std::string> outgoing;
  for (int dest = 0; dest < remote_size(); ++dest) {
    outgoing.push_back(std::string(static_cast<size_t>(5000 + dest), 'a') +
                       std::to_string(rank()) + ">" + std::to_string(dest));
  }
  absl::StatusOr<std::vector<std::string>> incoming =
      alltoall(comm(), outgoing);
  ASSERT_THAT(incoming, IsOk());
  ASSERT_EQ(incoming->size(), static_cast<size_t>(remote_size()));
  for (int source = 0; source < remote_size(); ++source) {
    EXPECT_EQ((*incoming)[static_cast<size_t>(source)],
              std::string(static_cast<size_t>(5000 + rank()), 'a') +
                  std::to_string(source) + ">" + std::to_string(rank()));
  }
  // Over a hundred out-of-band buffers: the size table no longer fits the
  // block and travels as the first part.
  const std::vector<std::vector<double>> many(120,
                                              std::vector<double>(600, 0.5));
  EXPECT_THAT(allgather(comm(), many),
              IsOkAndHolds(std::vector<std::vector<std::vector<double>>>(
                  static_cast<size_t>(remote_size()), many)));
  // Into reused storage.
  std::vector<std::vector<double>> reused(static_cast<size_t>(remote_size()),
                                          std::vector<double>(20000, -1.0));
  const double* first = reused[0].data();
  ASSERT_THAT(allgather(comm(), std::vector<double>(20000, rank()), reused),
              IsOk());
  EXPECT_EQ(reused[0].data(), first);
  absl::StatusOr<std::vector<std::vector<double>>> ranks =
      allgather(comm(), std::vector<double>(20000, rank()));
  ASSERT_THAT(ranks, IsOk());
  for (int source = 0; source < remote_size(); ++source) {
    EXPECT_EQ((*ranks)[static_cast<size_t>(source)],
              std::vector<double>(20000, source));
  }
}

// Every error case, each followed by a collective that must work.
TEST_P(CollectivesTest, ErrorsReachEveryRankAndLoseNothing) {
  // Negative values other than MPI_ROOT and MPI_PROC_NULL (whose values
  // differ between Open MPI and MPICH: -1 is MPICH's MPI_PROC_NULL).
  const int bad_roots[] = {intra() ? -1 : -100,
                           intra() ? size() : remote_size(),
                           intra() ? MPI_ROOT : -7};
  for (int root : bad_roots) {
    std::string value = "x";
    EXPECT_THAT(bcast(comm(), value, root),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("invalid root")));
    EXPECT_THAT(gather(comm(), value, root),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(scatter(comm(), std::vector<std::string>(), root),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  // Scatter with the wrong number of objects at the root: every receiver
  // gets the root's error.
  ForEachRoot([&](int root, bool member) {
    const bool sends = intra() ? root == rank() : root == MPI_ROOT;
    std::vector<int> objects(sends ? static_cast<size_t>(remote_size()) + 1
                                   : 0);
    absl::StatusOr<int> mine = scatter(comm(), objects, root);
    if (sends || member) {
      EXPECT_THAT(mine, StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr("expecting")));
    } else {
      EXPECT_THAT(mine, IsOk());
    }
  });
  // Alltoall with the wrong number on one rank (rank 0 of each group):
  // everyone who receives from it fails alike.
  {
    std::vector<int> objects(static_cast<size_t>(remote_size()) +
                             (rank() == 0 ? 1 : 0));
    absl::StatusOr<std::vector<int>> received = alltoall(comm(), objects);
    if (intra() || rank() == 0) {
      EXPECT_THAT(received, StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("expecting")));
    }
  }
  // A receiver asking for another type fails alone, after draining.
  ForEachRoot([&](int root, bool member) {
    const bool sends = intra() ? root == rank() : root == MPI_ROOT;
    if (sends) {
      std::vector<double> value(30000, 1.0);
      EXPECT_THAT(bcast(comm(), value, root), IsOk());
    } else if (member) {
      std::string wrong;
      EXPECT_THAT(bcast(comm(), wrong, root),
                  StatusIs(absl::StatusCode::kInvalidArgument,
                           HasSubstr("type mismatch")));
    } else {
      std::vector<double> unused;
      EXPECT_THAT(bcast(comm(), unused, root), IsOk());
    }
  });
  // Still in step.
  EXPECT_THAT(allgather(comm(), rank() + 100), IsOk());
  std::string value = "after";
  ForEachRoot([&](int root, bool member) {
    std::string received = (intra() ? root == rank() : root == MPI_ROOT)
                               ? std::string("after")
                               : std::string();
    ASSERT_THAT(bcast(comm(), received, root), IsOk());
    if (member) {
      EXPECT_EQ(received, "after");
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Settings, CollectivesTest, AllSettings(), SettingName);

// An object over the cap at the root reaches every rank as the same error.
TEST(CollectivesCapTest, AnObjectOverTheCapFailsEverywhere) {
  CommOptions options;
  options.decode.max_object_bytes = 64 << 10;
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD, options);
  ASSERT_THAT(comm, IsOk());
  std::vector<double> big(comm->rank() == 0 ? 100000 : 0, 2.0);
  EXPECT_THAT(bcast(*comm, big, 0),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("max_object_bytes")));
  EXPECT_THAT(allgather(*comm, std::vector<double>(100000, 1.0)),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(allgather(*comm, comm->rank()), IsOk());
}

TEST(CollectivesCapTest, LoopbackCommunicatorsSayCollectivesNeedMpi) {
  Comm null_comm;
  int value = 0;
  EXPECT_THAT(bcast(null_comm, value, 0),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace pkl5
