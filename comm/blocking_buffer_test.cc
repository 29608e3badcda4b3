// A blocking recv made while every envelope buffer a sink follows was
// taken (transport/internal/sink_followed.h) gets one of its own, and trades
// it for a sink-followed one once one is free: irecvs in flight at a
// program's start do not slow its blocking receives for good.
#include <mpi.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/comm/request.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/transport/internal/sink_followed.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using transport_internal::ReturnSinkFollowedBytes;
using transport_internal::SinkFollowedBytes;
using transport_internal::TakeSinkFollowedBytes;

// Takes every buffer a sink follows that is left.
std::vector<SinkFollowedBytes> TakeEveryBuffer() {
  std::vector<SinkFollowedBytes> taken;
  while (true) {
    const SinkFollowedBytes buffer = TakeSinkFollowedBytes(4096);
    if (buffer.data == nullptr) return taken;
    taken.push_back(buffer);
  }
}

// A recv of a string this rank sent itself (isend first: a standard send
// to self may block until the receive is posted).
void SelfRoundTrip(Intracomm& comm, const std::string& text) {
  absl::StatusOr<Request> sent = comm.isend(text, comm.rank(), 7);
  ASSERT_THAT(sent, IsOk());
  EXPECT_THAT(comm.recv<std::string>(comm.rank(), 7), IsOkAndHolds(text));
  EXPECT_THAT(sent->wait(), IsOk());
}

TEST(BlockingBufferTest, ABufferOfItsOwnIsTradedOnceOneTheSinkFollowsIsFree) {
  // The test holds every one: the first recv makes a buffer of its own.
  std::vector<SinkFollowedBytes> held = TakeEveryBuffer();
  ASSERT_FALSE(held.empty());
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  ASSERT_THAT(comm, IsOk());
  SelfRoundTrip(*comm, "while all are taken");
  EXPECT_TRUE(TakeEveryBuffer().empty());
  // Given back, one goes to the next recv's buffer, and stays with it.
  for (const SinkFollowedBytes& buffer : held) ReturnSinkFollowedBytes(buffer);
  SelfRoundTrip(*comm, "once they are free");
  SelfRoundTrip(*comm, "and after");
  std::vector<SinkFollowedBytes> left = TakeEveryBuffer();
  EXPECT_EQ(left.size(), held.size() - 1)
      << "the blocking recv's buffer holds one";
  for (const SinkFollowedBytes& buffer : left) ReturnSinkFollowedBytes(buffer);
}

}  // namespace
}  // namespace pkl5
