// One real bcast and one gather of more than 2 GiB in total, and an
// allreduce of 3 GiB of doubles, between 2 ranks, content checked: the
// large-count and chunked paths with real sizes. Tagged no_san (they need
// up to ~10 GiB and sanitizers would double it).
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/collectives/collectives.h"
#include "pkl5/collectives/reduce.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;

uint8_t PatternByte(size_t i, int seed) {
  return static_cast<uint8_t>((i * 131 + static_cast<size_t>(seed) * 7) >> 3);
}

std::vector<uint8_t> Pattern(size_t bytes, int seed) {
  std::vector<uint8_t> values(bytes);
  for (size_t i = 0; i < bytes; ++i) values[i] = PatternByte(i, seed);
  return values;
}

bool Matches(const std::vector<uint8_t>& values, size_t bytes, int seed) {
  if (values.size() != bytes) return false;
  for (size_t i = 0; i < bytes; ++i) {
    if (values[i] != PatternByte(i, seed)) return false;
  }
  return true;
}

TEST(HugeCollectivesTest, BcastOfTwoAndAHalfGiB) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  ASSERT_THAT(comm, IsOk());
  constexpr size_t kBytes = (size_t{5} << 30) / 2;
  std::vector<uint8_t> value;
  if (comm->rank() == 0) value = Pattern(kBytes, 1);
  ASSERT_THAT(bcast(*comm, value, 0), IsOk());
  EXPECT_TRUE(Matches(value, kBytes, 1));
}

TEST(HugeCollectivesTest, GatherOfTwoAndAHalfGiBInTotal) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  ASSERT_THAT(comm, IsOk());
  constexpr size_t kBytes = (size_t{5} << 30) / 4;  // per rank
  absl::StatusOr<std::vector<std::vector<uint8_t>>> gathered =
      gather(*comm, Pattern(kBytes, comm->rank()), 0);
  ASSERT_THAT(gathered, IsOk());
  if (comm->rank() == 0) {
    ASSERT_EQ(gathered->size(), 2u);
    EXPECT_TRUE(Matches((*gathered)[0], kBytes, 0));
    EXPECT_TRUE(Matches((*gathered)[1], kBytes, 1));
  }
}

// Past 2 GiB and in place: native MPI_Allreduce in chunks of at most
// INT_MAX bytes.
TEST(HugeCollectivesTest, AllreduceOfThreeGiBOfDoublesInPlace) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  ASSERT_THAT(comm, IsOk());
  constexpr size_t kCount = (size_t{3} << 30) / sizeof(double);
  std::vector<double> values(kCount);
  for (size_t i = 0; i < kCount; ++i) {
    values[i] = static_cast<double>(i % 1000) + comm->rank();
  }
  ASSERT_THAT(allreduce(*comm, values, values, std::plus<>()), IsOk());
  // Ranks 0 and 1: 2 * (i % 1000) + 1.
  size_t wrong = 0;
  for (size_t i = 0; i < kCount; ++i) {
    if (values[i] != 2.0 * static_cast<double>(i % 1000) + 1.0) ++wrong;
  }
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
}  // namespace pkl5
