// The comm layer over the in-process transport: every rank is a thread, so
// these run fast and under ThreadSanitizer. The same behaviours run over
// MPI in p2p_test.cc.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/testing/comm_testing.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/transport/loopback_transport.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::ForEachObject;
using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::MakeRecord;
using ::pkl5::internal_testing::Record;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

// Runs `body(comm, world)` on `size` ranks, one thread each.
void RunRanks(int size, const CommOptions& options,
              const std::function<void(Intracomm&, LoopbackWorld&)>& body) {
  LoopbackWorld world(size);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < size; ++rank) {
    threads.emplace_back([&, rank] {
      absl::StatusOr<Intracomm> comm =
          Intracomm::Create(world.shared_transport(rank), options);
      ASSERT_THAT(comm, IsOk());
      body(*comm, world);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(world.UnreceivedCount(), 0u);
}

CommOptions WithThreshold(uint64_t threshold) {
  CommOptions options;
  options.encode.out_of_band_threshold = threshold;
  return options;
}

class LoopbackCommTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  CommOptions options() const { return WithThreshold(GetParam()); }
};

TEST_P(LoopbackCommTest, EveryObjectTravelsAroundARing) {
  RunRanks(3, options(), [](Intracomm& comm, LoopbackWorld&) {
    const int next = (comm.rank() + 1) % comm.size();
    const int previous = (comm.rank() + comm.size() - 1) % comm.size();
    ForEachObject([&](const auto& object) {
      using T = std::decay_t<decltype(object)>;
      absl::StatusOr<Request> sent = comm.isend(object, next, 5);
      ASSERT_THAT(sent, IsOk());
      Status status;
      EXPECT_THAT(comm.recv<T>(previous, 5, &status), IsOkAndHolds(object));
      EXPECT_EQ(status.source, previous);
      EXPECT_EQ(status.tag, 5);
      EXPECT_GT(status.count, 0u);
      EXPECT_THAT(sent->wait(), IsOk());
      EXPECT_TRUE(sent->is_null());
    });
  });
}

TEST_P(LoopbackCommTest, IrecvMprobeAndSsendPingPong) {
  RunRanks(2, options(), [](Intracomm& comm, LoopbackWorld&) {
    const int peer = 1 - comm.rank();
    ForEachObject([&](const auto& object) {
      using T = std::decay_t<decltype(object)>;
      // A posted receive, then the object.
      absl::StatusOr<RecvRequest<T>> posted = comm.irecv<T>(peer, 1);
      ASSERT_THAT(posted, IsOk());
      ASSERT_THAT(comm.send(object, peer, 1), IsOk());
      EXPECT_THAT(posted->wait(), IsOkAndHolds(object));
      EXPECT_TRUE(posted->is_null());
      // A synchronous send answered through a matched probe (mpi4py's
      // ssend + mprobe deadlocked once).
      if (comm.rank() == 0) {
        ASSERT_THAT(comm.ssend(object, peer, 2), IsOk());
        absl::StatusOr<Message> message = comm.mprobe(peer, 2);
        ASSERT_THAT(message, IsOk());
        EXPECT_THAT(message->recv<T>(), IsOkAndHolds(object));
        EXPECT_TRUE(message->is_null());
      } else {
        absl::StatusOr<Message> message = comm.mprobe(peer, 2);
        ASSERT_THAT(message, IsOk());
        T received{};
        ASSERT_THAT(message->recv_into(received), IsOk());
        ASSERT_THAT(comm.ssend(received, peer, 2), IsOk());
        EXPECT_EQ(received, object);
      }
    });
  });
}

TEST(LoopbackBarrierTest, NoRankLeavesBeforeAllArrived) {
  std::atomic<int> arrived{0};
  RunRanks(3, {}, [&](Intracomm& comm, LoopbackWorld&) {
    for (int round = 1; round <= 20; ++round) {
      arrived.fetch_add(1);
      ASSERT_THAT(comm.barrier(), IsOk());
      EXPECT_GE(arrived.load(), 3 * round);
      ASSERT_THAT(comm.barrier(), IsOk());
    }
  });
  Comm null_comm;
  EXPECT_THAT(null_comm.barrier(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

INSTANTIATE_TEST_SUITE_P(Thresholds, LoopbackCommTest,
                         ::testing::Values(0, kDefaultOutOfBandThreshold));

TEST(LoopbackCommTest, IrecvCancelsBeforeMatchingOnly) {
  RunRanks(1, {}, [](Intracomm& comm, LoopbackWorld&) {
    absl::StatusOr<RecvRequest<std::string>> unmatched =
        comm.irecv<std::string>(0, 3);
    ASSERT_THAT(unmatched, IsOk());
    EXPECT_THAT(unmatched->cancel(), IsOkAndHolds(true));
    Status status;
    EXPECT_THAT(unmatched->wait(&status),
                StatusIs(absl::StatusCode::kCancelled));
    EXPECT_TRUE(status.cancelled);
    EXPECT_TRUE(unmatched->is_null());

    absl::StatusOr<RecvRequest<std::string>> matched =
        comm.irecv<std::string>(0, 3);
    ASSERT_THAT(matched, IsOk());
    ASSERT_THAT(comm.send(std::string("kept"), 0, 3), IsOk());
    EXPECT_THAT(matched->cancel(), IsOkAndHolds(false));
    EXPECT_THAT(matched->wait(), IsOkAndHolds("kept"));
  });
}

TEST(LoopbackCommTest, RejectedObjectsLoseNothing) {
  CommOptions options;
  options.decode.max_object_bytes = 1 << 20;
  RunRanks(1, options, [](Intracomm& comm, LoopbackWorld&) {
    ASSERT_THAT(comm.send(int64_t{42}, 0), IsOk());
    ASSERT_THAT(comm.send(MakeRecord(1, 10000), 0), IsOk());
    ASSERT_THAT(comm.send(std::vector<double>(1 << 18, 1.0), 0), IsOk());
    ASSERT_THAT(comm.send(std::string("next"), 0), IsOk());
    EXPECT_THAT(comm.recv<std::string>(0),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("received i64 but expected string")));
    EXPECT_THAT(
        comm.recv<std::vector<int32_t>>(0),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Record")));
    EXPECT_THAT(comm.recv<std::vector<double>>(0),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("max_object_bytes")));
    EXPECT_THAT(comm.recv<std::string>(0), IsOkAndHolds("next"));
  });
}

TEST(LoopbackCommTest, ProcNullCompletesAtOnce) {
  RunRanks(1, {}, [](Intracomm& comm, LoopbackWorld&) {
    EXPECT_THAT(comm.send(std::string("x"), MPI_PROC_NULL), IsOk());
    EXPECT_THAT(comm.ssend(std::string("x"), MPI_PROC_NULL), IsOk());
    Status status;
    EXPECT_THAT(comm.recv<std::string>(MPI_PROC_NULL, 0, &status),
                IsOkAndHolds(""));
    EXPECT_EQ(status.source, MPI_PROC_NULL);
    EXPECT_EQ(status.tag, MPI_ANY_TAG);
    EXPECT_EQ(status.count, 0u);
    std::string kept = "kept";
    EXPECT_THAT(comm.recv_into(kept, MPI_PROC_NULL), IsOk());
    EXPECT_EQ(kept, "kept");

    absl::StatusOr<Request> sent = comm.issend(std::string("y"), MPI_PROC_NULL);
    ASSERT_THAT(sent, IsOk());
    EXPECT_FALSE(sent->is_null());
    EXPECT_THAT(sent->wait(), IsOk());
    EXPECT_TRUE(sent->is_null());

    absl::StatusOr<Message> message = comm.mprobe(MPI_PROC_NULL);
    ASSERT_THAT(message, IsOk());
    EXPECT_TRUE(message->is_proc_null());
    EXPECT_TRUE(static_cast<bool>(*message));
    absl::StatusOr<RecvRequest<int>> request = message->irecv<int>();
    ASSERT_THAT(request, IsOk());
    EXPECT_TRUE(message->is_null());
    EXPECT_THAT(request->wait(), IsOkAndHolds(0));

    absl::StatusOr<std::optional<Message>> improbed =
        comm.improbe(MPI_PROC_NULL);
    ASSERT_THAT(improbed, IsOk());
    ASSERT_TRUE(improbed->has_value());
    EXPECT_TRUE((*improbed)->is_proc_null());
    absl::StatusOr<RecvRequest<int>> irecv = comm.irecv<int>(MPI_PROC_NULL);
    ASSERT_THAT(irecv, IsOk());
    EXPECT_THAT(irecv->wait(), IsOkAndHolds(0));
    EXPECT_THAT(comm.iprobe(MPI_PROC_NULL), IsOkAndHolds(true));
  });
}

TEST(LoopbackCommTest, NullHandlesAndSecondReceivesAreErrors) {
  RunRanks(1, {}, [](Intracomm& comm, LoopbackWorld&) {
    Request request;
    EXPECT_TRUE(request.is_null());
    EXPECT_THAT(request.wait(), IsOk());
    EXPECT_THAT(request.test(), IsOkAndHolds(true));
    RecvRequest<int> receive;
    EXPECT_THAT(receive.wait(),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    Message none;
    EXPECT_FALSE(static_cast<bool>(none));
    EXPECT_THAT(none.recv<int>(),
                StatusIs(absl::StatusCode::kFailedPrecondition));

    ASSERT_THAT(comm.send(7, 0), IsOk());
    absl::StatusOr<Message> message = comm.mprobe();
    ASSERT_THAT(message, IsOk());
    EXPECT_THAT(message->recv<int>(), IsOkAndHolds(7));
    EXPECT_THAT(message->recv<int>(),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr("received or freed already")));

    Comm null_comm;
    EXPECT_THAT(null_comm.send(1, 0),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(comm.send(1, 5), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("invalid rank 5")));
    EXPECT_THAT(comm.recv<int>(-4),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(comm.send(1, 0, -1),
                StatusIs(absl::StatusCode::kInvalidArgument));
    // Still usable.
    ASSERT_THAT(comm.send(8, 0), IsOk());
    EXPECT_THAT(comm.recv<int>(0), IsOkAndHolds(8));
  });
}

TEST(LoopbackCommTest, TestallWaitallAndGetStatusAllOverMixedRequests) {
  RunRanks(2, {}, [](Intracomm& comm, LoopbackWorld& world) {
    const int peer = 1 - comm.rank();
    std::vector<Request> sends;
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<Request> sent =
          comm.issend(MakeRecord(i, static_cast<size_t>(i) * 1000), peer);
      ASSERT_THAT(sent, IsOk());
      sends.push_back(*std::move(sent));
    }
    EXPECT_THAT(Request::testall(sends), IsOkAndHolds(false));
    EXPECT_THAT(Request::get_status_all(sends), IsOkAndHolds(false));
    world.Barrier();
    std::vector<RecvRequest<Record>> receives;
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<RecvRequest<Record>> posted = comm.irecv<Record>(peer);
      ASSERT_THAT(posted, IsOk());
      receives.push_back(*std::move(posted));
    }
    std::vector<Request*> all;
    for (Request& request : sends) all.push_back(&request);
    for (RecvRequest<Record>& request : receives) all.push_back(&request);
    std::vector<Status> statuses;
    ASSERT_THAT(Request::waitall(all, &statuses), IsOk());
    ASSERT_EQ(statuses.size(), 20u);
    for (int i = 0; i < 10; ++i) {
      EXPECT_TRUE(sends[static_cast<size_t>(i)].is_null());
      const Status& status = statuses[10 + static_cast<size_t>(i)];
      EXPECT_EQ(status.source, peer);
      EXPECT_EQ(status.tag, 0);
      EXPECT_THAT(receives[static_cast<size_t>(i)].wait(),
                  IsOkAndHolds(MakeRecord(i, static_cast<size_t>(i) * 1000)));
    }
    EXPECT_THAT(Request::testall(all), IsOkAndHolds(true));
  });
}

// Four threads per rank send and receive on one communicator, to and from
// the same peer with the same tag: every object arrives once, intact.
TEST(LoopbackCommTest, FourThreadsShareOneCommunicator) {
  RunRanks(2, WithThreshold(1024), [](Intracomm& comm, LoopbackWorld&) {
    const internal_testing::StressResult result =
        internal_testing::RunThreadStress(comm, 1 - comm.rank(), 4, 300,
                                          /*cancels=*/true);
    EXPECT_EQ(result.bad, 0);
    EXPECT_EQ(result.distinct, 4u * 300u);
  });
}

// free() from one thread while three others are blocked in calls on the
// communicator: each of them completes with its object (no use after free).
TEST(LoopbackCommTest, FreeWhileOtherThreadsAreBlockedInCalls) {
  RunRanks(2, {}, [](Intracomm& comm, LoopbackWorld& world) {
    internal_testing::RunFreeWhileBlocked(comm, /*sender=*/0, /*receiver=*/1,
                                          [&world] { world.Barrier(); });
  });
}

}  // namespace
}  // namespace pkl5
