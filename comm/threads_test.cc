// Under MPI_THREAD_MULTIPLE: four threads per rank send and receive 10,000
// objects of mixed sizes on one communicator, to and from the same peer
// with the same tag, and every object arrives once and intact; a
// communicator freed while other threads are blocked on it.
#include <mpi.h>

#include "gtest/gtest.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/testing/comm_testing.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;

TEST(ThreadsTest, FourThreadsShareOneCommunicator) {
  int provided = 0;
  MPI_Query_thread(&provided);
  ASSERT_EQ(provided, MPI_THREAD_MULTIPLE);
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  ASSERT_THAT(comm, IsOk());
  ASSERT_EQ(comm->size(), 2);
  const internal_testing::StressResult result =
      internal_testing::RunThreadStress(*comm, 1 - comm->rank(), 4, 2500);
  EXPECT_EQ(result.bad, 0);
  EXPECT_EQ(result.distinct, 4u * 2500u);
}

// free() from one thread while three others are blocked in recv, an
// irecv's wait and mprobe: each completes with its object.
TEST(ThreadsTest, FreeWhileOtherThreadsAreBlockedInCalls) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  ASSERT_THAT(comm, IsOk());
  internal_testing::RunFreeWhileBlocked(*comm, /*sender=*/0, /*receiver=*/1,
                                        [] { MPI_Barrier(MPI_COMM_WORLD); });
}

}  // namespace
}  // namespace pkl5
