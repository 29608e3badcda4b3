// Buffers a sink follows (internal/sink_followed.h): the sink starts where
// the bytes end, writes into it reach no buffer's bytes, and past
// kMaxSinkFollowedBuffers none is made. One process, no MPI: the pool is
// the process's, so these tests own it.
#include "pkl5/transport/internal/sink_followed.h"

#include <cstring>
#include <vector>

#include "gtest/gtest.h"

namespace pkl5::transport_internal {
namespace {

constexpr size_t kBytes = 4096;

TEST(SinkFollowedTest, TheSinkStartsWhereTheBytesEndAndSpansKSinkBytes) {
  const SinkFollowedBytes buffer = TakeSinkFollowedBytes(kBytes);
  ASSERT_NE(buffer.data, nullptr);
  EXPECT_EQ(buffer.bytes, kBytes);
  std::memset(buffer.data, 'e', kBytes);
  // A raw message larger than the buffer runs on into the sink, as far as
  // its last byte: all of it is writable memory.
  char* const sink = buffer.data + kBytes;
  std::memset(sink, 'r', size_t{1} << 20);
  sink[kSinkBytes - 1] = 'r';
  EXPECT_EQ(buffer.data[0], 'e');
  EXPECT_EQ(buffer.data[kBytes - 1], 'e');
  ReturnSinkFollowedBytes(buffer);
}

TEST(SinkFollowedTest, WritesIntoOneSinkReachNoBufferBytes) {
  const SinkFollowedBytes first = TakeSinkFollowedBytes(kBytes);
  const SinkFollowedBytes second = TakeSinkFollowedBytes(kBytes);
  ASSERT_NE(first.data, nullptr);
  ASSERT_NE(second.data, nullptr);
  std::memset(first.data, '1', kBytes);
  std::memset(second.data, '2', kBytes);
  // The sinks share one window of memory: fill far more than a window of
  // the first one's.
  for (size_t offset = 0; offset < (size_t{256} << 20); offset += 4096) {
    first.data[kBytes + offset] = 'r';
  }
  EXPECT_EQ(std::vector<char>(first.data, first.data + kBytes),
            std::vector<char>(kBytes, '1'));
  EXPECT_EQ(std::vector<char>(second.data, second.data + kBytes),
            std::vector<char>(kBytes, '2'));
  ReleaseSinkWindow();
  EXPECT_EQ(first.data[kBytes], '\0') << "the window's memory was released";
  ReturnSinkFollowedBytes(first);
  ReturnSinkFollowedBytes(second);
}

TEST(SinkFollowedTest, BuffersAreReusedAndAtMostTheLimitAreMade) {
  std::vector<SinkFollowedBytes> taken;
  while (true) {
    const SinkFollowedBytes buffer = TakeSinkFollowedBytes(kBytes);
    if (buffer.data == nullptr) break;
    taken.push_back(buffer);
    ASSERT_LE(taken.size(), kMaxSinkFollowedBuffers);
  }
  EXPECT_EQ(taken.size(), kMaxSinkFollowedBuffers);
  // A smaller buffer takes a returned region, ending at the same sink.
  char* const sink = taken.back().data + kBytes;
  ReturnSinkFollowedBytes(taken.back());
  taken.pop_back();
  const SinkFollowedBytes smaller = TakeSinkFollowedBytes(100);
  ASSERT_NE(smaller.data, nullptr);
  EXPECT_EQ(smaller.data + 100, sink);
  EXPECT_EQ(TakeSinkFollowedBytes(kBytes).data, nullptr);
  taken.push_back(smaller);
  for (const SinkFollowedBytes& buffer : taken) {
    ReturnSinkFollowedBytes(buffer);
  }
  EXPECT_NE(TakeSinkFollowedBytes(kBytes).data, nullptr);
}

TEST(SinkFollowedTest, NoBufferOfNoBytesOrOverTheLargest) {
  EXPECT_EQ(TakeSinkFollowedBytes(0).data, nullptr);
  EXPECT_EQ(TakeSinkFollowedBytes(kMaxSinkFollowedBytes + 1).data, nullptr);
  ReturnSinkFollowedBytes(SinkFollowedBytes());  // a no-op
}

}  // namespace
}  // namespace pkl5::transport_internal
