// TransportOptions::irecv_matching: a posted MPI_Irecv (kPosted) and an
// irecv pkl5 matches itself (kProbed) keep the same MPI semantics: receives
// posted first take messages first, whichever call takes them from MPI;
// cancel before a match and after it; a foreign message rejected and the
// next object intact; a matched irecv dropped without being taken leaves
// the channel in order. And which one kAuto chooses. Rank 0 sends, rank 1
// receives (2 ranks).
#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/transport_testing.h"
#include "pkl5/transport/internal/channel.h"
#include "pkl5/transport/mpi_transport.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::Pattern;
using ::pkl5::internal_testing::ReceiveAll;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

constexpr int kSender = 0;
constexpr int kReceiver = 1;
constexpr int kTag = 7;

// The pieces of `object` joined.
std::string Joined(ReceivedObject& object) {
  std::string joined;
  for (const std::string& piece : ReceiveAll(object)) joined += piece;
  return joined;
}

absl::StatusOr<std::string> Taken(PendingReceive& receive) {
  PKL5_RETURN_IF_ERROR(receive.Wait());
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<ReceivedObject> object,
                        receive.TakeObject());
  return Joined(*object);
}

class IrecvMatchingTest : public ::testing::TestWithParam<IrecvMatching> {
 protected:
  void SetUp() override {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_rank(comm_, &rank_);
    int size = 0;
    MPI_Comm_size(comm_, &size);
    TransportOptions options;
    options.irecv_matching = GetParam();
    absl::StatusOr<std::unique_ptr<Transport>> transport =
        CreateMpiTransport(comm_, options);
    ASSERT_THAT(transport, IsOk());
    transport_ = *std::move(transport);
    if (size != 2) GTEST_SKIP() << "a sender and a receiver";
  }
  void TearDown() override {
    transport_.reset();
    MPI_Comm_free(&comm_);
  }

  // The sender's objects, sent once the receiver has posted its irecvs.
  // Nonblocking: an object's parts wait for its receiver to take it, which
  // may come after the next objects.
  void SendAfterBarrier(const std::vector<std::string>& objects) {
    MPI_Barrier(comm_);
    std::vector<ConstPiece> pieces;
    for (const std::string& object : objects) {
      pieces.push_back({object.data(), object.size()});
    }
    std::vector<std::unique_ptr<PendingOperation>> sends;
    for (const ConstPiece& piece : pieces) {
      absl::StatusOr<std::unique_ptr<PendingOperation>> send =
          transport_->StartSend(absl::MakeConstSpan(&piece, 1), kReceiver, kTag,
                                SendMode::kStandard);
      ASSERT_THAT(send, IsOk());
      sends.push_back(*std::move(send));
    }
    for (const auto& send : sends) EXPECT_THAT(send->Wait(), IsOk());
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  std::unique_ptr<Transport> transport_;
};

// Two irecvs, then a blocking receive of each kind: the irecvs get the
// first two objects (one of many parts), the blocking receive the third.
TEST_P(IrecvMatchingTest, IrecvsPostedFirstTakeMessagesFirst) {
  const std::vector<std::string> objects = {"one", Pattern(100000, 2), "three"};
  for (int round = 0; round < 3; ++round) {
    if (rank_ == kSender) {
      SendAfterBarrier(objects);
      continue;
    }
    absl::StatusOr<std::unique_ptr<PendingReceive>> first =
        transport_->StartReceive(kSender, kTag);
    absl::StatusOr<std::unique_ptr<PendingReceive>> second =
        transport_->StartReceive(MPI_ANY_SOURCE, kTag);
    ASSERT_THAT(first, IsOk());
    ASSERT_THAT(second, IsOk());
    MPI_Barrier(comm_);
    std::string third;
    if (round == 0) {
      absl::StatusOr<std::unique_ptr<ReceivedObject>> probed =
          transport_->Probe(kSender, kTag);
      ASSERT_THAT(probed, IsOk());
      third = Joined(**probed);
    } else if (round == 1) {
      Arrival arrival;
      ASSERT_THAT(transport_->Receive(MPI_ANY_SOURCE, kTag, arrival), IsOk());
      third = arrival.object != nullptr ? Joined(*arrival.object)
                                        : std::string(arrival.whole.bytes);
    } else {
      std::unique_ptr<ReceivedObject> tried;
      while (tried == nullptr) {
        absl::StatusOr<std::unique_ptr<ReceivedObject>> attempt =
            transport_->TryProbe(kSender, kTag);
        ASSERT_THAT(attempt, IsOk());
        tried = *std::move(attempt);
      }
      third = Joined(*tried);
    }
    EXPECT_EQ(third, "three") << "round " << round;
    // The later irecv first: each still has its own object.
    EXPECT_THAT(Taken(**second), IsOkAndHolds(objects[1])) << round;
    EXPECT_THAT(Taken(**first), IsOkAndHolds("one")) << round;
  }
}

TEST_P(IrecvMatchingTest, CancelBeforeAndAfterAMatch) {
  if (rank_ == kSender) {
    SendAfterBarrier({"x", "y"});
    return;
  }
  absl::StatusOr<std::unique_ptr<PendingReceive>> early =
      transport_->StartReceive(kSender, kTag);
  ASSERT_THAT(early, IsOk());
  EXPECT_THAT((*early)->Cancel(), IsOkAndHolds(true));
  absl::StatusOr<std::unique_ptr<PendingReceive>> late =
      transport_->StartReceive(kSender, kTag);
  ASSERT_THAT(late, IsOk());
  MPI_Barrier(comm_);
  // "y" reaches the blocking receive only after "x" matched the irecv.
  absl::StatusOr<std::unique_ptr<ReceivedObject>> probed =
      transport_->Probe(kSender, kTag);
  ASSERT_THAT(probed, IsOk());
  EXPECT_EQ(Joined(**probed), "y");
  EXPECT_THAT((*late)->Cancel(), IsOkAndHolds(false));
  EXPECT_THAT(Taken(**late), IsOkAndHolds("x"));
}

TEST_P(IrecvMatchingTest, AForeignMessageIsRejectedAndTheNextObjectIntact) {
  const std::string raw(10000, 'r');
  if (rank_ == kSender) {
    MPI_Barrier(comm_);
    MPI_Send(raw.data(), static_cast<int>(raw.size()), MPI_BYTE, kReceiver,
             kTag, comm_);
    SendAfterBarrier({"after"});
    return;
  }
  absl::StatusOr<std::unique_ptr<PendingReceive>> receive =
      transport_->StartReceive(kSender, kTag);
  ASSERT_THAT(receive, IsOk());
  MPI_Barrier(comm_);
  ASSERT_THAT((*receive)->Wait(), IsOk());
  EXPECT_THAT((*receive)->TakeObject(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("not a pkl5 message: 10000 bytes")));
  MPI_Barrier(comm_);
  absl::StatusOr<std::unique_ptr<ReceivedObject>> next =
      transport_->Probe(kSender, kTag);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(Joined(**next), "after");
}

TEST_P(IrecvMatchingTest, AMatchedIrecvDroppedUntakenLeavesTheChannelInOrder) {
  const std::string parts = Pattern(100000, 5);
  if (rank_ == kSender) {
    SendAfterBarrier({parts, "next"});
    return;
  }
  absl::StatusOr<std::unique_ptr<PendingReceive>> dropped =
      transport_->StartReceive(kSender, kTag);
  ASSERT_THAT(dropped, IsOk());
  MPI_Barrier(comm_);
  ASSERT_THAT((*dropped)->Wait(), IsOk());
  dropped->reset();  // its parts are received and dropped
  absl::StatusOr<std::unique_ptr<ReceivedObject>> next =
      transport_->Probe(kSender, kTag);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(Joined(**next), "next");
}

INSTANTIATE_TEST_SUITE_P(Matching, IrecvMatchingTest,
                         ::testing::Values(IrecvMatching::kPosted,
                                           IrecvMatching::kProbed),
                         [](const auto& matching) {
                           return matching.param == IrecvMatching::kPosted
                                      ? "Posted"
                                      : "Probed";
                         });

// kAuto probes on Open MPI under MPI_THREAD_MULTIPLE only (the tests run
// under MULTIPLE, and under FUNNELED with --pkl5_thread_level=funneled).
TEST(IrecvMatchingAutoTest, ProbesWhereMpiCancelRacesArrivals) {
  int provided = MPI_THREAD_SINGLE;
  MPI_Query_thread(&provided);
#if defined(OPEN_MPI)
  const bool expected = provided == MPI_THREAD_MULTIPLE;
#else
  const bool expected = false;
#endif
  absl::StatusOr<std::unique_ptr<transport_internal::Channel>> channel =
      transport_internal::Channel::Create(MPI_COMM_WORLD);
  ASSERT_THAT(channel, IsOk());
  EXPECT_EQ((*channel)->probes_irecvs(), expected);
}

}  // namespace
}  // namespace pkl5
