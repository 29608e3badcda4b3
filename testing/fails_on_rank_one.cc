// Fails one assertion on rank 1 and nowhere else (see
// failure_on_one_rank_is_reported_test.sh).
#include <mpi.h>

#include "gtest/gtest.h"

namespace {

TEST(FailsOnRankOne, OnlyRankOneSeesTheFailure) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  EXPECT_NE(rank, 1) << "deliberate failure on rank one";
}

TEST(FailsOnRankOne, LaterTestsStillRunAndPass) {
  MPI_Barrier(MPI_COMM_WORLD);
  SUCCEED();
}

}  // namespace
