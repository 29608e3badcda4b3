// Checks the MPI test harness itself: MPI is initialised with the thread
// level pkl5 needs, every rank takes part, and MPI errors become statuses.
#include <mpi.h>

#include <numeric>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

class MpiHarnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Barrier(MPI_COMM_WORLD);
  }
  void TearDown() override { MPI_Barrier(MPI_COMM_WORLD); }

  int rank_ = -1;
  int size_ = 0;
};

TEST_F(MpiHarnessTest, MpiIsInitialisedWithThreadMultiple) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  EXPECT_TRUE(initialized);
  int provided = MPI_THREAD_SINGLE;
  MPI_Query_thread(&provided);
  EXPECT_EQ(provided, MPI_THREAD_MULTIPLE);
}

TEST_F(MpiHarnessTest, EveryRankTakesPartInACollective) {
  int sum = 0;
  ASSERT_EQ(MPI_Allreduce(&rank_, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD),
            MPI_SUCCESS);
  EXPECT_EQ(sum, size_ * (size_ - 1) / 2);
}

TEST_F(MpiHarnessTest, RingExchangeDeliversNeighbourRanks) {
  const int next = (rank_ + 1) % size_;
  const int previous = (rank_ + size_ - 1) % size_;
  std::vector<int> sent(1000);
  std::iota(sent.begin(), sent.end(), rank_);
  std::vector<int> received(sent.size(), -1);
  ASSERT_EQ(
      MPI_Sendrecv(sent.data(), static_cast<int>(sent.size()), MPI_INT, next, 7,
                   received.data(), static_cast<int>(received.size()), MPI_INT,
                   previous, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
      MPI_SUCCESS);
  EXPECT_EQ(received.front(), previous);
  EXPECT_EQ(received.back(), previous + 999);
}

TEST_F(MpiHarnessTest, MpiCallStatusIsOkForSuccess) {
  EXPECT_THAT(base_internal::MpiCallStatus(MPI_SUCCESS, "MPI_Send"), IsOk());
}

TEST_F(MpiHarnessTest, MpiCallStatusNamesTheCallAndTheMpiError) {
  MPI_Comm comm = MPI_COMM_NULL;
  ASSERT_EQ(MPI_Comm_dup(MPI_COMM_WORLD, &comm), MPI_SUCCESS);
  ASSERT_EQ(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN), MPI_SUCCESS);
  int value = 0;
  const int code = MPI_Send(&value, 1, MPI_INT, size_ + 5, 0, comm);
  EXPECT_THAT(base_internal::MpiCallStatus(code, "MPI_Send"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("MPI_Send failed: ")));
  MPI_Comm_free(&comm);
}

TEST_F(MpiHarnessTest, MpiCallStatusMapsTruncationToDataLoss) {
  EXPECT_THAT(base_internal::MpiCallStatus(MPI_ERR_TRUNCATE, "MPI_Recv"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("MPI_Recv")));
  EXPECT_THAT(base_internal::MpiCallStatus(MPI_ERR_OTHER, "MPI_Wait"),
              StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace pkl5
