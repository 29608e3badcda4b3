// TransportOptions::part_timeout: envelopes that are consistent (a sender
// makes such layouts) but whose parts never come, as from a sender that
// died after its envelope, or a forger. Every way of waiting for the parts
// gives up with kDeadlineExceeded after the timeout, leaves nothing posted,
// and the next object on the channel arrives intact. Runs at 1-3 ranks;
// each rank sends to the next and receives from the previous.
#include <mpi.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/transport_testing.h"
#include "pkl5/transport/internal/channel.h"
#include "pkl5/transport/internal/envelope.h"
#include "pkl5/transport/internal/incoming_message.h"
#include "pkl5/transport/internal/receive.h"
#include "pkl5/transport/internal/send_operation.h"

namespace pkl5::transport_internal {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::Pattern;
using ::pkl5::internal_testing::Pieces;
using ::pkl5::internal_testing::ReceiveAll;
using ::pkl5::internal_testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Milliseconds(200);
constexpr int kTag = 4;
// A channel tag no real send of the test reaches.
constexpr int kUnusedChannelTag = 77777;

enum class Wait { kReceiveNext, kWaitRest, kTestRest, kDrain };

class PartTimeoutTest : public ::testing::TestWithParam<Wait> {
 protected:
  void SetUp() override {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    next_ = (rank_ + 1) % size_;
    previous_ = (rank_ + size_ - 1) % size_;
    TransportOptions options;
    options.part_timeout = kTimeout;
    absl::StatusOr<std::unique_ptr<Channel>> channel =
        Channel::Create(comm_, options);
    ASSERT_THAT(channel, IsOk());
    channel_ = *std::move(channel);
  }
  void TearDown() override {
    EXPECT_EQ(MPI_Wait(&envelope_request_, MPI_STATUS_IGNORE), MPI_SUCCESS);
    MPI_Barrier(comm_);
    channel_.reset();
    MPI_Comm_free(&comm_);
  }

  // Sends `envelope_` raw to the next rank, as a sender that then dies
  // does; TearDown completes it (MPICH may complete a send to self only
  // once it is received).
  void SendEnvelopeOnly(std::string envelope) {
    envelope_ = std::move(envelope);
    ASSERT_EQ(MPI_Isend(envelope_.data(), static_cast<int>(envelope_.size()),
                        MPI_BYTE, next_, kTag, comm_, &envelope_request_),
              MPI_SUCCESS);
  }

  // Waits for the missing part of `message` the way the test's parameter
  // does.
  absl::Status WaitForMissingPart(IncomingMessage& message,
                                  std::string& destination) {
    switch (GetParam()) {
      case Wait::kReceiveNext:
        return message.ReceiveNext({destination.data(), destination.size()});
      case Wait::kWaitRest: {
        MutablePiece piece{destination.data(), destination.size()};
        absl::StatusOr<std::unique_ptr<PendingOperation>> rest =
            message.StartReceiveRest({&piece, 1});
        if (!rest.ok()) return rest.status();
        return (*rest)->Wait();
      }
      case Wait::kTestRest: {
        MutablePiece piece{destination.data(), destination.size()};
        absl::StatusOr<std::unique_ptr<PendingOperation>> rest =
            message.StartReceiveRest({&piece, 1});
        if (!rest.ok()) return rest.status();
        while (true) {
          absl::StatusOr<bool> done = (*rest)->Test();
          if (!done.ok() || *done) return done.status();
        }
      }
      case Wait::kDrain:
        return message.Drain();
    }
    return absl::InternalError("unknown wait");
  }

  // A real object sent after the forged one arrives whole.
  void ExpectNextObjectArrives() {
    const std::vector<std::string> object = {"header", Pattern(1 << 20, 3)};
    absl::StatusOr<std::unique_ptr<SendOperation>> send = SendOperation::Start(
        *channel_, Pieces(object), next_, kTag, SendMode::kStandard);
    ASSERT_THAT(send, IsOk());
    absl::StatusOr<IncomingMessage> message =
        ProbeMessage(*channel_, previous_, kTag);
    ASSERT_THAT(message, IsOk());
    EXPECT_THAT(ReceiveAll(*message), ElementsAreArray(object));
    EXPECT_THAT((*send)->Wait(), IsOk());
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  std::unique_ptr<Channel> channel_;
  std::string envelope_;
  MPI_Request envelope_request_ = MPI_REQUEST_NULL;
  int rank_ = 0;
  int size_ = 0;
  int next_ = 0;
  int previous_ = 0;
};

TEST_P(PartTimeoutTest, AMissingPartIsDeadlineExceeded) {
  const std::vector<std::string> announced = {"in", Pattern(1 << 20, 1)};
  SendEnvelopeOnly(
      BuildEnvelope(Pieces(announced), kUnusedChannelTag, kEnvelopeBytes));
  absl::StatusOr<IncomingMessage> message =
      ProbeMessage(*channel_, previous_, kTag);
  ASSERT_THAT(message, IsOk());
  if (GetParam() != Wait::kDrain) {
    ASSERT_THAT(message->ReceiveNextAsString(), IsOk());
  }
  std::string part(1 << 20, '\0');
  const absl::Time start = absl::Now();
  EXPECT_THAT(WaitForMissingPart(*message, part),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("TransportOptions::part_timeout")));
  EXPECT_GE(absl::Now() - start, kTimeout);
  // The object is given up: nothing is left to receive or drain.
  EXPECT_TRUE(message->complete());
  EXPECT_THAT(message->Drain(), IsOk());
  ExpectNextObjectArrives();
}

TEST_P(PartTimeoutTest, AMissingSizeTableIsDeadlineExceeded) {
  // 1000 pieces: the table does not fit the envelope, so it would follow on
  // the channel.
  const std::vector<std::string> announced(1000, "x");
  SendEnvelopeOnly(
      BuildEnvelope(Pieces(announced), kUnusedChannelTag, kEnvelopeBytes));
  EXPECT_THAT(ProbeMessage(*channel_, previous_, kTag),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  ExpectNextObjectArrives();
}

INSTANTIATE_TEST_SUITE_P(EveryWait, PartTimeoutTest,
                         ::testing::Values(Wait::kReceiveNext, Wait::kWaitRest,
                                           Wait::kTestRest, Wait::kDrain));

}  // namespace
}  // namespace pkl5::transport_internal
