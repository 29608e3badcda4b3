// pkl5 leaks no MPI handles: 10k objects' worth of every kind of traffic
// (blocking, nonblocking, synchronous, matched probes, cancelled and
// rejected receives, the large-count path, collectives, reductions,
// barriers) and a freed
// communicator leave exactly the communicators, datatypes and requests
// there were before (counted through MPI's profiling interface).
#include <mpi.h>

#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/collectives/collectives.h"
#include "pkl5/collectives/nonblocking.h"
#include "pkl5/collectives/reduce.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/comm/message.h"
#include "pkl5/comm/request.h"
#include "pkl5/testing/comm_testing.h"
#include "pkl5/testing/mpi_handle_counter.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::CreatedMpiHandles;
using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::LiveMpiHandles;
using ::pkl5::internal_testing::MpiHandles;
using ::pkl5::internal_testing::StatusIs;

constexpr int kRounds = 1000;  // 10 objects per round and rank

// One round: ten objects to the next rank and ten from the previous one.
void Round(Intracomm& comm, int round) {
  const int size = comm.size();
  const int next = (comm.rank() + 1) % size;
  const int previous = (comm.rank() - 1 + size) % size;
  // Past the out-of-band threshold and the 4097-byte blocks set below: the
  // large-count path builds a datatype for every such part.
  const std::vector<double> large(1500, round);

  // 1-2: nonblocking sends, a posted receive and a matched probe.
  absl::StatusOr<RecvRequest<std::vector<double>>> posted =
      comm.irecv<std::vector<double>>(previous, 1);
  ASSERT_THAT(posted, IsOk());
  absl::StatusOr<Request> first = comm.isend(large, next, 1);
  absl::StatusOr<Request> second = comm.issend(std::string("ss"), next, 2);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(posted->wait(), IsOkAndHolds(large));
  absl::StatusOr<Message> message = comm.mprobe(previous, 2);
  ASSERT_THAT(message, IsOk());
  EXPECT_THAT(message->recv<std::string>(), IsOkAndHolds("ss"));
  EXPECT_THAT(first->wait(), IsOk());
  EXPECT_THAT(second->wait(), IsOk());

  // 3: a receive cancelled before anything matches it.
  absl::StatusOr<RecvRequest<int>> cancelled = comm.irecv<int>(previous, 3);
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_THAT(cancelled->cancel(), IsOkAndHolds(true));
  EXPECT_THAT(cancelled->wait(), StatusIs(absl::StatusCode::kCancelled));

  // 4: a rejected object (wrong type) is drained, parts and all.
  absl::StatusOr<Request> rejected = comm.isend(large, next, 4);
  ASSERT_THAT(rejected, IsOk());
  EXPECT_THAT(comm.recv<std::string>(previous, 4),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(rejected->wait(), IsOk());

  // 5-6: blocking sends in standard and synchronous mode, via sendrecv.
  EXPECT_THAT(comm.sendrecv<int>(round, next, 5, previous, 5),
              IsOkAndHolds(round));
  EXPECT_THAT(comm.sendrecv<std::vector<double>>(large, next, 6, previous, 6),
              IsOkAndHolds(large));

  // 7-10: collectives.
  std::vector<double> broadcast =
      comm.rank() == 0 ? large : std::vector<double>();
  EXPECT_THAT(bcast(comm, broadcast, 0), IsOk());
  EXPECT_EQ(broadcast, large);
  EXPECT_THAT(allgather(comm, round), IsOk());
  EXPECT_THAT(gather(comm, large, 0), IsOk());
  EXPECT_THAT(alltoall(comm, std::vector<int>(static_cast<size_t>(size), 1)),
              IsOk());

  // 11-12: a reduction in chunks through MPI and one through the tree, a
  // receive into the caller's storage completed by waitany, a barrier.
  std::vector<double> sum = large;
  EXPECT_THAT(allreduce(comm, sum, sum, std::plus<>()), IsOk());
  EXPECT_THAT(scan(comm, std::string("s"), std::plus<>()), IsOk());
  std::vector<double> into;
  absl::StatusOr<Request> into_request = comm.irecv_into(into, previous, 11);
  ASSERT_THAT(into_request, IsOk());
  absl::StatusOr<Request> third = comm.isend(large, next, 11);
  ASSERT_THAT(third, IsOk());
  std::vector<Request*> both = {&*into_request, &*third};
  while (true) {
    absl::StatusOr<std::optional<size_t>> done = Request::waitany(both);
    ASSERT_THAT(done, IsOk());
    if (!done->has_value()) break;
  }
  EXPECT_EQ(into, large);
  EXPECT_THAT(comm.barrier(), IsOk());

  // 13: nonblocking collectives, several pending at once, one rejected
  // (another type than sent), one dropped pending.
  std::vector<double> ibroadcast =
      comm.rank() == 0 ? large : std::vector<double>();
  absl::StatusOr<Request> started = ibcast(comm, ibroadcast, 0);
  ASSERT_THAT(started, IsOk());
  absl::StatusOr<RecvRequest<std::vector<std::vector<double>>>> gathered =
      iallgather(comm, large);
  ASSERT_THAT(gathered, IsOk());
  absl::StatusOr<RecvRequest<std::vector<int>>> each =
      ialltoall(comm, std::vector<int>(static_cast<size_t>(size), round));
  ASSERT_THAT(each, IsOk());
  std::vector<double> isum = large;
  absl::StatusOr<Request> summed = iallreduce(comm, isum, isum, std::plus<>());
  ASSERT_THAT(summed, IsOk());
  absl::StatusOr<RecvRequest<std::string>> joined =
      iallreduce(comm, std::string("j"), std::plus<>());
  ASSERT_THAT(joined, IsOk());
  {
    auto dropped = igather(comm, large, 0);
    ASSERT_THAT(dropped, IsOk());
  }
  std::vector<Request*> pending = {&*started, &*gathered, &*each, &*summed,
                                   &*joined};
  EXPECT_THAT(Request::waitall(pending), IsOk());
  EXPECT_EQ(ibroadcast, large);
  EXPECT_THAT(gathered->wait(), IsOk());
  EXPECT_THAT(each->wait(), IsOk());
  EXPECT_THAT(joined->wait(), IsOk());
  std::vector<double> sent_here =
      comm.rank() == 0 ? large : std::vector<double>();
  std::string wrong;
  absl::StatusOr<Request> rejected_bcast =
      comm.rank() == 0 ? ibcast(comm, sent_here, 0) : ibcast(comm, wrong, 0);
  ASSERT_THAT(rejected_bcast, IsOk());
  absl::Status outcome = rejected_bcast->wait();
  if (comm.rank() == 0) {
    EXPECT_THAT(outcome, IsOk());
  } else {
    EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(HandleLeakTest, TrafficAndAFreedCommunicatorLeaveNoHandles) {
  {
    // The first posted receive of the process makes the one datatype every
    // posted receive shares (transport/internal/receive.cc), and a thread's
    // first posted and blocking receives make the buffers and datatypes it
    // keeps for the next ones; all are freed when MPI_Finalize starts, so
    // made before counting they are not leaks.
    absl::StatusOr<Intracomm> warm_up = Intracomm::Create(MPI_COMM_WORLD);
    ASSERT_THAT(warm_up, IsOk());
    absl::StatusOr<RecvRequest<int>> posted =
        warm_up->irecv<int>(warm_up->rank(), /*tag=*/99);
    ASSERT_THAT(posted, IsOk());
    ASSERT_THAT(posted->cancel(), IsOkAndHolds(true));
    absl::StatusOr<Request> sent = warm_up->isend(1, warm_up->rank(), 99);
    ASSERT_THAT(sent, IsOk());
    EXPECT_THAT(warm_up->recv<int>(warm_up->rank(), 99), IsOkAndHolds(1));
    EXPECT_THAT(sent->wait(), IsOk());
  }
  const MpiHandles before = LiveMpiHandles();
  const MpiHandles created_before = CreatedMpiHandles();
  {
    // The user's communicator, freed at the end like any user's: the
    // collectives' private duplicate hangs off it as an attribute.
    MPI_Comm user;
    ASSERT_EQ(MPI_Comm_dup(MPI_COMM_WORLD, &user), MPI_SUCCESS);
    CommOptions options;
    options.transport.block_bytes = 4097;
    {
      absl::StatusOr<Intracomm> comm = Intracomm::Create(user, options);
      ASSERT_THAT(comm, IsOk());
      for (int round = 0; round < kRounds; ++round) {
        Round(*comm, round);
        if (::testing::Test::HasFailure()) break;
      }
    }
    ASSERT_EQ(MPI_Comm_free(&user), MPI_SUCCESS);
  }
  const MpiHandles created = CreatedMpiHandles();
  std::cout << "handles created during the test: " << created << "\n";
  EXPECT_GT(created.communicators, created_before.communicators + 1);
  EXPECT_GT(created.datatypes, created_before.datatypes + kRounds);
  EXPECT_GT(created.requests, created_before.requests + kRounds);
  EXPECT_EQ(LiveMpiHandles(), before) << "created during the test: " << created;
}

// Reductions on an intercommunicator make an intracommunicator per group
// (cached with the collectives' context): freed with the communicator;
// nonblocking ones too.
TEST(HandleLeakTest, ReductionsOnAnIntercommunicatorLeaveNoHandles) {
  int world_size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  if (world_size < 2) GTEST_SKIP() << "an intercommunicator needs 2 ranks";
  const MpiHandles before = LiveMpiHandles();
  {
    absl::StatusOr<std::unique_ptr<internal_testing::TestComm>> test =
        internal_testing::TestComm::Create(/*inter=*/true, CommOptions());
    ASSERT_THAT(test, IsOk());
    for (int round = 0; round < 10; ++round) {
      EXPECT_THAT(allreduce((*test)->comm(), std::string("x"), std::plus<>()),
                  IsOk());
      EXPECT_THAT(allreduce((*test)->comm(), round, std::plus<>()), IsOk());
      absl::StatusOr<RecvRequest<std::string>> joined =
          iallreduce((*test)->comm(), std::string("y"), std::plus<>());
      ASSERT_THAT(joined, IsOk());
      absl::StatusOr<RecvRequest<int>> summed =
          iallreduce((*test)->comm(), round, std::plus<>());
      ASSERT_THAT(summed, IsOk());
      EXPECT_THAT(joined->wait(), IsOk());
      EXPECT_THAT(summed->wait(), IsOk());
    }
  }
  EXPECT_EQ(LiveMpiHandles(), before);
}

}  // namespace
}  // namespace pkl5
