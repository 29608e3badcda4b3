// Linked into a test beside its own sources: takes every buffer a sink
// follows (transport/internal/sink_followed.h) before main runs, so each
// receive of the test falls back to a buffer of its own, its canary and the
// shared sink: the path of a process past kMaxSinkFollowedBuffers, or whose
// mappings failed. On MPICH a blocking receive then takes a matched probe.
#include "gtest/gtest.h"
#include "pkl5/transport/internal/sink_followed.h"

namespace pkl5::transport_internal {
namespace {

const bool kEveryBufferTaken = [] {
  while (TakeSinkFollowedBytes(kMaxSinkFollowedBytes).data != nullptr) {
  }
  return true;
}();

TEST(SharedSinkOnlyTest, NoBufferTheSinkFollowsIsLeft) {
  EXPECT_TRUE(kEveryBufferTaken);
  EXPECT_EQ(TakeSinkFollowedBytes(4096).data, nullptr);
}

}  // namespace
}  // namespace pkl5::transport_internal
