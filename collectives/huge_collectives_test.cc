// One real bcast and one gather of more than 2 GiB in total, between 2
// ranks, content checked: the large-count path with real sizes. Tagged
// no_san (it needs ~6 GiB and sanitizers would double it).
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/collectives/collectives.h"
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

}  // namespace
}  // namespace pkl5
