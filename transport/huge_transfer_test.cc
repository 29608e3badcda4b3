// One real transfer of more than 2 GiB (2.5 GiB) between two ranks, through
// the derived-datatype path with the default block size, content checked.
// Tagged no_san: it needs 5 GiB and would take minutes under sanitizers.
// Also checks peak memory: the payload plus at most 64 MiB per rank.
#include <mpi.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/transport/internal/channel.h"
#include "pkl5/transport/internal/incoming_message.h"
#include "pkl5/transport/internal/receive.h"
#include "pkl5/transport/internal/send_operation.h"

namespace pkl5::transport_internal {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;

constexpr size_t kBytes = (size_t{5} << 30) / 2;  // 2.5 GiB
constexpr size_t kWords = kBytes / sizeof(uint64_t);

uint64_t Word(size_t i) { return i * 0x9e3779b97f4a7c15u + 1; }

// The process's peak resident memory so far, in bytes.
size_t PeakResidentBytes() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;
}

TEST(HugeTransferTest, TwoAndAHalfGibibytesArriveIntact) {
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  ASSERT_EQ(size, 2);
  absl::StatusOr<std::unique_ptr<Channel>> channel =
      Channel::Create(MPI_COMM_WORLD);
  ASSERT_THAT(channel, IsOk());
  const size_t peak_before = PeakResidentBytes();
  std::unique_ptr<uint64_t[]> data(new uint64_t[kWords]);
  if (rank == 0) {
    for (size_t i = 0; i < kWords; ++i) data[i] = Word(i);
    const std::string header = "huge";
    const std::vector<ConstPiece> pieces = {{header.data(), header.size()},
                                            {data.get(), kBytes}};
    EXPECT_THAT(Send(**channel, pieces, 1, 0, SendMode::kStandard), IsOk());
  } else {
    absl::StatusOr<IncomingMessage> message = ProbeMessage(**channel, 0, 0);
    ASSERT_THAT(message, IsOk());
    ASSERT_EQ(message->piece_count(), 2u);
    EXPECT_EQ(message->piece_size(1), kBytes);
    EXPECT_THAT(message->ReceiveNextAsString(), IsOkAndHolds("huge"));
    ASSERT_THAT(message->ReceiveNext({data.get(), kBytes}), IsOk());
    size_t mismatches = 0;
    for (size_t i = 0; i < kWords; ++i) mismatches += data[i] != Word(i);
    EXPECT_EQ(mismatches, 0u);
  }
  // Zero copy: beyond the payload itself, the transfer costs at most 64 MiB
  // of memory on either side.
  EXPECT_LE(PeakResidentBytes() - peak_before, kBytes + (size_t{64} << 20))
      << "rank " << rank;
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
}  // namespace pkl5::transport_internal
