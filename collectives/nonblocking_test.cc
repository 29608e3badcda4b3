// ibcast, igather, iscatter, iallgather, ialltoall and iallreduce under
// the collective tests' six settings (intra/inter, out-of-band or not, a
// tiny block size) from every root; several pending at once mixed with
// point-to-point traffic and blocking collectives, completed in any order;
// progress from other blocking calls; every error case followed by a
// collective that must still work.
#include "pkl5/collectives/nonblocking.h"

#include <mpi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/collectives/collectives.h"
#include "pkl5/collectives/reduce.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/testing/collective_testing.h"
#include "pkl5/testing/comm_testing.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::AllSettings;
using ::pkl5::internal_testing::ForEachObject;
using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::SettingName;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

using NonblockingTest = ::pkl5::internal_testing::CollectiveTest;

TEST_P(NonblockingTest, IbcastFromEveryRoot) {
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    ForEachRoot([&](int root, bool member) {
      const bool sends = IsRoot(root);
      T value = sends ? object : T{};
      absl::StatusOr<Request> request = ibcast(comm(), value, root);
      ASSERT_THAT(request, IsOk());
      ASSERT_THAT(request->wait(), IsOk());
      EXPECT_TRUE(request->is_null());
      if (member || sends) {
        EXPECT_EQ(value, object);
      } else {
        EXPECT_EQ(value, T{});  // MPI_PROC_NULL: untouched
      }
    });
  });
}

TEST_P(NonblockingTest, IgatherAndIscatterEveryRoot) {
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    ForEachRoot([&](int root, bool member) {
      const bool root_here = IsRoot(root);
      absl::StatusOr<RecvRequest<std::vector<T>>> gathered =
          igather(comm(), object, root);
      ASSERT_THAT(gathered, IsOk());
      const std::vector<T> objects =
          root_here ? std::vector<T>(static_cast<size_t>(remote_size()), object)
                    : std::vector<T>();
      absl::StatusOr<RecvRequest<T>> mine = iscatter(comm(), objects, root);
      ASSERT_THAT(mine, IsOk());
      // Completed in the other order than started.
      EXPECT_THAT(mine->wait(), IsOkAndHolds(member ? object : T{}));
      absl::StatusOr<std::vector<T>> all = gathered->wait();
      ASSERT_THAT(all, IsOk());
      EXPECT_EQ(*all, root_here ? objects : std::vector<T>());
    });
  });
}

TEST_P(NonblockingTest, IallgatherAndIalltoall) {
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    const std::vector<T> expected(static_cast<size_t>(remote_size()), object);
    absl::StatusOr<RecvRequest<std::vector<T>>> all =
        iallgather(comm(), object);
    ASSERT_THAT(all, IsOk());
    absl::StatusOr<RecvRequest<std::vector<T>>> each =
        ialltoall(comm(), expected);
    ASSERT_THAT(each, IsOk());
    EXPECT_THAT(all->wait(), IsOkAndHolds(expected));
    EXPECT_THAT(each->wait(), IsOkAndHolds(expected));
  });
  // Distinct objects in rank order, into reused storage, polled by test.
  std::vector<std::string> outgoing;
  for (int dest = 0; dest < remote_size(); ++dest) {
    outgoing.push_back(std::string(static_cast<size_t>(3000 + dest), 'a') +
                       std::to_string(rank()) + ">" + std::to_string(dest));
  }
  std::vector<std::string> incoming(static_cast<size_t>(remote_size()),
                                    std::string(9000, 'z'));
  absl::StatusOr<Request> request = ialltoall(comm(), outgoing, incoming);
  ASSERT_THAT(request, IsOk());
  while (true) {
    absl::StatusOr<bool> done = request->test();
    ASSERT_THAT(done, IsOk());
    if (*done) break;
  }
  EXPECT_TRUE(request->is_null());
  for (int source = 0; source < remote_size(); ++source) {
    EXPECT_EQ(incoming[static_cast<size_t>(source)],
              std::string(static_cast<size_t>(3000 + rank()), 'a') +
                  std::to_string(source) + ">" + std::to_string(rank()));
  }
  // Over a hundred out-of-band buffers: the size table travels as a part.
  const std::vector<std::vector<double>> many(120,
                                              std::vector<double>(300, 0.5));
  absl::StatusOr<RecvRequest<std::vector<std::vector<std::vector<double>>>>>
      gathered = iallgather(comm(), many);
  ASSERT_THAT(gathered, IsOk());
  EXPECT_THAT(gathered->wait(),
              IsOkAndHolds(std::vector<std::vector<std::vector<double>>>(
                  static_cast<size_t>(remote_size()), many)));
}

// The sum of `f(r)` over the ranks whose values this rank's allreduce
// combines (the other group's on an intercommunicator).
double SumOver(int ranks, const std::function<double(int)>& f) {
  double sum = 0;
  for (int r = 0; r < ranks; ++r) sum += f(r);
  return sum;
}

TEST_P(NonblockingTest, Iallreduce) {
  const int ranks = remote_size();
  // MPI computes: a vector summed in place, in many chunks at the tiny
  // block size.
  std::vector<double> field(1000);
  for (size_t i = 0; i < field.size(); ++i)
    field[i] = rank() * 1000.0 + static_cast<double>(i);
  absl::StatusOr<Request> summed =
      iallreduce(comm(), field, field, std::plus<>());
  ASSERT_THAT(summed, IsOk());
  // A user op, not commutative: strings join in rank order.
  absl::StatusOr<RecvRequest<std::string>> joined = iallreduce(
      comm(), std::to_string(rank()),
      [](const std::string& a, const std::string& b) { return a + "," + b; });
  ASSERT_THAT(joined, IsOk());
  absl::StatusOr<RecvRequest<int64_t>> largest =
      iallreduce(comm(), int64_t{rank()}, pkl5::maximum<>());
  ASSERT_THAT(largest, IsOk());
  std::vector<Request*> plain = {&*summed};
  ASSERT_THAT(Request::waitall(plain), IsOk());
  for (size_t i = 0; i < field.size(); ++i) {
    ASSERT_EQ(field[i], SumOver(ranks,
                                [&](int r) {
                                  return r * 1000.0 + static_cast<double>(i);
                                }))
        << i;
  }
  std::string expected = "0";
  for (int r = 1; r < ranks; ++r) expected += "," + std::to_string(r);
  EXPECT_THAT(joined->wait(), IsOkAndHolds(expected));
  EXPECT_THAT(largest->wait(), IsOkAndHolds(ranks - 1));
  // The op's error reaches the caller; types that differ between ranks are
  // kInvalidArgument everywhere, with nothing sent.
  absl::StatusOr<RecvRequest<int>> failing =
      iallreduce(comm(), rank(), [](int, int) -> absl::StatusOr<int> {
        return absl::OutOfRangeError("no");
      });
  ASSERT_THAT(failing, IsOk());
  if (ranks > 1) {
    EXPECT_THAT(failing->wait(), StatusIs(absl::StatusCode::kOutOfRange,
                                          HasSubstr("reduction op")));
  } else {
    EXPECT_THAT(failing->wait(), IsOk());  // one value: no op applied
  }
  if (size() > 1 || !intra()) {
    absl::Status mismatched;
    if (intra() ? rank() == 0 : low_) {
      absl::StatusOr<RecvRequest<double>> r =
          iallreduce(comm(), 1.0, std::plus<>());
      mismatched = r.ok() ? r->wait().status() : r.status();
    } else {
      absl::StatusOr<RecvRequest<int>> r = iallreduce(comm(), 1, std::plus<>());
      mismatched = r.ok() ? r->wait().status() : r.status();
    }
    EXPECT_THAT(mismatched, StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("different types")));
  }
  absl::StatusOr<RecvRequest<int>> after = iallreduce(comm(), 1, std::plus<>());
  ASSERT_THAT(after, IsOk());
  EXPECT_THAT(after->wait(), IsOkAndHolds(ranks));
}

// Many pending at once, started in one order on every rank, mixed with
// point-to-point traffic and blocking collectives, completed by waitany.
TEST_P(NonblockingTest, ManyPendingMixedWithPointToPoint) {
  const bool root_here = IsRoot(intra() ? 0 : (low_ ? MPI_ROOT : 0));
  const int root =
      intra() ? 0 : (low_ ? (rank() == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0);
  const bool member = intra() || !low_;
  std::vector<double> model(root_here ? 50000 : 0, root_here ? 2.5 : 0.0);
  absl::StatusOr<Request> bcasted = ibcast(comm(), model, root);
  ASSERT_THAT(bcasted, IsOk());
  const std::string mine(static_cast<size_t>(2000 + rank()), 'x');
  absl::StatusOr<RecvRequest<std::vector<std::string>>> all =
      iallgather(comm(), mine);
  ASSERT_THAT(all, IsOk());
  std::vector<std::vector<int32_t>> outgoing;
  for (int dest = 0; dest < remote_size(); ++dest) {
    outgoing.emplace_back(static_cast<size_t>(500 + dest), rank());
  }
  absl::StatusOr<RecvRequest<std::vector<std::vector<int32_t>>>> each =
      ialltoall(comm(), outgoing);
  ASSERT_THAT(each, IsOk());
  std::vector<float> sum(3000, 1.0f);
  absl::StatusOr<Request> summed = iallreduce(comm(), sum, sum, std::plus<>());
  ASSERT_THAT(summed, IsOk());
  // Point-to-point traffic meanwhile, on the user's communicator: a ring
  // on an intracommunicator, rank r with the other group's rank r on an
  // intercommunicator (where it has one); and a blocking collective.
  const bool partnered = intra() || rank() < remote_size();
  const int partner = intra() ? (rank() + 1) % size() : rank();
  absl::StatusOr<Request> sent = Request();
  absl::StatusOr<RecvRequest<std::vector<double>>> ring =
      RecvRequest<std::vector<double>>();
  if (partnered) {
    sent = comm().isend(std::vector<double>(20000, rank()), partner, 7);
    ASSERT_THAT(sent, IsOk());
  }
  EXPECT_THAT(allgather(comm(), rank()), IsOk());
  if (partnered) {
    ring = comm().irecv<std::vector<double>>(MPI_ANY_SOURCE, 7);
    ASSERT_THAT(ring, IsOk());
  }
  absl::StatusOr<RecvRequest<int>> gathered_late =
      iallreduce(comm(), 1, [](int a, int b) { return a + b; });
  ASSERT_THAT(gathered_late, IsOk());

  std::vector<Request*> requests = {&*bcasted, &*all,  &*each,         &*summed,
                                    &*sent,    &*ring, &*gathered_late};
  size_t completed = 0;
  while (true) {
    absl::StatusOr<std::optional<size_t>> index = Request::waitany(requests);
    ASSERT_THAT(index, IsOk());
    if (!index->has_value()) break;
    ++completed;
  }
  EXPECT_EQ(completed, partnered ? requests.size() : requests.size() - 2);
  if (member) {
    EXPECT_EQ(model, std::vector<double>(50000, 2.5));
  }
  std::vector<std::string> expected;
  for (int r = 0; r < remote_size(); ++r) {
    expected.emplace_back(static_cast<size_t>(2000 + r), 'x');
  }
  EXPECT_THAT(all->wait(), IsOkAndHolds(expected));
  absl::StatusOr<std::vector<std::vector<int32_t>>> received = each->wait();
  ASSERT_THAT(received, IsOk());
  for (int source = 0; source < remote_size(); ++source) {
    EXPECT_EQ((*received)[static_cast<size_t>(source)],
              std::vector<int32_t>(static_cast<size_t>(500 + rank()), source));
  }
  EXPECT_EQ(sum, std::vector<float>(3000, static_cast<float>(remote_size())));
  EXPECT_THAT(gathered_late->wait(), IsOkAndHolds(remote_size()));
  if (partnered) {
    const int source = intra() ? (rank() + size() - 1) % size() : rank();
    EXPECT_THAT(ring->wait(), IsOkAndHolds(std::vector<double>(20000, source)));
  }
}

// A rank blocked in a plain recv still moves its pending collective on: the
// root of an igather posts the receives of the large parts that the sender
// must get rid of before it sends what the root waits for.
TEST_P(NonblockingTest, BlockingCallsAdvancePendingCollectives) {
  if (!intra() || size() < 2) GTEST_SKIP() << "two ranks of an intracomm";
  const std::vector<double> big(200000, rank());
  absl::StatusOr<RecvRequest<std::vector<std::vector<double>>>> gathered =
      igather(comm(), big, 0);
  ASSERT_THAT(gathered, IsOk());
  if (rank() == 1) {
    ASSERT_THAT(gathered->wait(), IsOk());
    ASSERT_THAT(comm().send(std::string("done"), 0, 3), IsOk());
  } else if (rank() == 0) {
    EXPECT_THAT(comm().recv<std::string>(1, 3), IsOkAndHolds("done"));
    absl::StatusOr<std::vector<std::vector<double>>> all = gathered->wait();
    ASSERT_THAT(all, IsOk());
    EXPECT_EQ((*all)[1], std::vector<double>(200000, 1.0));
  } else {
    ASSERT_THAT(gathered->wait(), IsOk());
  }
}

TEST_P(NonblockingTest, ErrorsReachEveryRankAndLoseNothing) {
  const int bad_root = intra() ? size() : -7;
  std::string value = "x";
  EXPECT_THAT(
      ibcast(comm(), value, bad_root),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid root")));
  EXPECT_THAT(igather(comm(), value, bad_root),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(iscatter(comm(), std::vector<std::string>(), bad_root),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The root's wrong number of objects reaches every receiver.
  ForEachRoot([&](int root, bool member) {
    const bool sends = IsRoot(root);
    std::vector<int> objects(sends ? static_cast<size_t>(remote_size()) + 1
                                   : 0);
    absl::StatusOr<RecvRequest<int>> mine = iscatter(comm(), objects, root);
    ASSERT_THAT(mine, IsOk());
    if (sends || member) {
      EXPECT_THAT(mine->wait(), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("expecting")));
    } else {
      EXPECT_THAT(mine->wait(), IsOk());
    }
  });
  // A receiver asking for another type fails alone, after draining the
  // parts; a request dropped while pending completes on destruction.
  ForEachRoot([&](int root, bool member) {
    if (IsRoot(root)) {
      std::vector<double> sent(30000, 1.0);
      absl::StatusOr<Request> request = ibcast(comm(), sent, root);
      ASSERT_THAT(request, IsOk());
      // Destroyed pending: waits for completion.
    } else if (member) {
      std::string wrong;
      absl::StatusOr<Request> request = ibcast(comm(), wrong, root);
      ASSERT_THAT(request, IsOk());
      EXPECT_THAT(request->wait(), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("type mismatch")));
    } else {
      std::vector<double> unused;
      absl::StatusOr<Request> request = ibcast(comm(), unused, root);
      ASSERT_THAT(request, IsOk());
      EXPECT_THAT(request->wait(), IsOk());
    }
  });
  // Still in step, blocking and nonblocking.
  EXPECT_THAT(allgather(comm(), rank() + 100), IsOk());
  absl::StatusOr<RecvRequest<std::vector<int>>> after =
      iallgather(comm(), rank());
  ASSERT_THAT(after, IsOk());
  absl::StatusOr<std::vector<int>> ranks = after->wait();
  ASSERT_THAT(ranks, IsOk());
  EXPECT_EQ(ranks->size(), static_cast<size_t>(remote_size()));
  // A RecvRequest whose result was taken is null.
  EXPECT_THAT(after->wait(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

INSTANTIATE_TEST_SUITE_P(Settings, NonblockingTest, AllSettings(), SettingName);

TEST(NonblockingCapTest, AnObjectOverTheCapFailsEverywhere) {
  CommOptions options;
  options.decode.max_object_bytes = 64 << 10;
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD, options);
  ASSERT_THAT(comm, IsOk());
  std::vector<double> big(comm->rank() == 0 ? 100000 : 0, 2.0);
  absl::StatusOr<Request> request = ibcast(*comm, big, 0);
  ASSERT_THAT(request, IsOk());
  EXPECT_THAT(request->wait(), StatusIs(absl::StatusCode::kResourceExhausted,
                                        HasSubstr("max_object_bytes")));
  absl::StatusOr<RecvRequest<int>> after = iallreduce(*comm, 1, std::plus<>());
  ASSERT_THAT(after, IsOk());
  EXPECT_THAT(after->wait(), IsOkAndHolds(comm->size()));
}

TEST(NonblockingCapTest, NullCommunicator) {
  Comm null_comm;
  int value = 0;
  EXPECT_THAT(ibcast(null_comm, value, 0),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace pkl5
