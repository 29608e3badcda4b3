// Byte spans cross MPI intact through plain counts and derived datatypes,
// with the block size shrunk so 4 KiB drives the > 2 GiB code path.
#include "pkl5/transport/internal/large_count.h"

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5::transport_internal {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

constexpr size_t kBlockSizes[] = {63, 64, 65, 4095, 4096, 4097};
constexpr size_t kSpanSizes[] = {0,   1,    62,   63,   64,   65,   127,
                                 128, 4095, 4096, 4097, 8193, 12345};

class LargeCountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Barrier(MPI_COMM_WORLD);
  }
  void TearDown() override { MPI_Barrier(MPI_COMM_WORLD); }

  int rank_ = 0;
  int size_ = 1;
};

uint8_t Pattern(int rank, size_t i) {
  return static_cast<uint8_t>(i * 31 + static_cast<size_t>(rank) * 7 + 1);
}

TEST_F(LargeCountTest, SpansThatFitUsePlainBytes) {
  absl::StatusOr<ByteLayout> layout = ByteLayout::Create(4096, 4096);
  ASSERT_THAT(layout, IsOk());
  EXPECT_FALSE(layout->is_derived());
  EXPECT_EQ(layout->type(), MPI_BYTE);
  EXPECT_EQ(layout->count(), 4096);
}

TEST_F(LargeCountTest, DerivedTypesCoverExactlyTheSpan) {
  for (size_t block : kBlockSizes) {
    for (size_t bytes : kSpanSizes) {
      if (bytes <= block) continue;
      absl::StatusOr<ByteLayout> layout = ByteLayout::Create(bytes, block);
      ASSERT_THAT(layout, IsOk());
      ASSERT_TRUE(layout->is_derived());
      EXPECT_EQ(layout->count(), 1);
      MPI_Count type_size = 0;
      MPI_Type_size_x(layout->type(), &type_size);
      EXPECT_EQ(static_cast<size_t>(type_size), bytes)
          << "block " << block << " bytes " << bytes;
      MPI_Count lower = -1;
      MPI_Count extent = 0;
      MPI_Type_get_true_extent_x(layout->type(), &lower, &extent);
      EXPECT_EQ(lower, 0);
      EXPECT_EQ(static_cast<size_t>(extent), bytes);
    }
  }
}

TEST_F(LargeCountTest, RingTransfersAreIntactWhateverTheBlockSizes) {
  const int next = (rank_ + 1) % size_;
  const int previous = (rank_ + size_ - 1) % size_;
  for (size_t send_block : kBlockSizes) {
    // The receiver slices the same bytes differently: signatures still
    // match (n x MPI_BYTE), as between a plain count and a derived type.
    const size_t receive_block = send_block == 64 ? 4097 : 64;
    for (size_t bytes : kSpanSizes) {
      std::vector<uint8_t> sent(bytes);
      for (size_t i = 0; i < bytes; ++i) sent[i] = Pattern(rank_, i);
      std::vector<uint8_t> received(bytes, 0);
      absl::StatusOr<ByteLayout> send_layout =
          ByteLayout::Create(bytes, send_block);
      absl::StatusOr<ByteLayout> receive_layout =
          ByteLayout::Create(bytes, receive_block);
      ASSERT_THAT(send_layout, IsOk());
      ASSERT_THAT(receive_layout, IsOk());
      MPI_Status status;
      ASSERT_EQ(MPI_Sendrecv(sent.data(), send_layout->count(),
                             send_layout->type(), next, 3, received.data(),
                             receive_layout->count(), receive_layout->type(),
                             previous, 3, MPI_COMM_WORLD, &status),
                MPI_SUCCESS);
      EXPECT_THAT(receive_layout->CheckReceived(status), IsOk());
      for (size_t i = 0; i < bytes; ++i) {
        ASSERT_EQ(received[i], Pattern(previous, i))
            << "byte " << i << " of " << bytes << ", blocks " << send_block
            << "/" << receive_block;
      }
    }
  }
}

TEST_F(LargeCountTest, AShorterMessageThanAnnouncedIsDataLoss) {
  const int next = (rank_ + 1) % size_;
  const int previous = (rank_ + size_ - 1) % size_;
  std::vector<uint8_t> sent(5000, 1);
  std::vector<uint8_t> received(9000, 0);
  absl::StatusOr<ByteLayout> send_layout = ByteLayout::Create(5000, 64);
  absl::StatusOr<ByteLayout> receive_layout = ByteLayout::Create(9000, 64);
  ASSERT_THAT(send_layout, IsOk());
  ASSERT_THAT(receive_layout, IsOk());
  MPI_Status status;
  ASSERT_EQ(MPI_Sendrecv(sent.data(), send_layout->count(), send_layout->type(),
                         next, 4, received.data(), receive_layout->count(),
                         receive_layout->type(), previous, 4, MPI_COMM_WORLD,
                         &status),
            MPI_SUCCESS);
  EXPECT_THAT(receive_layout->CheckReceived(status),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("received 5000 bytes where 9000")));
}

TEST_F(LargeCountTest, InvalidBlockSizesAreRejected) {
  EXPECT_THAT(ByteLayout::Create(10, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ByteLayout::Create(10, size_t{1} << 31),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ByteLayout::Create(size_t{1} << 40, 64),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("more than MPI's int count")));
}

TEST_F(LargeCountTest, MovedLayoutsFreeTheirTypeOnce) {
  absl::StatusOr<ByteLayout> first = ByteLayout::Create(1000, 64);
  ASSERT_THAT(first, IsOk());
  ByteLayout moved = *std::move(first);
  EXPECT_TRUE(moved.is_derived());
  absl::StatusOr<ByteLayout> second = ByteLayout::Create(10, 64);
  ASSERT_THAT(second, IsOk());
  moved = *std::move(second);
  EXPECT_FALSE(moved.is_derived());
  EXPECT_EQ(moved.bytes(), 10u);
}

}  // namespace
}  // namespace pkl5::transport_internal
