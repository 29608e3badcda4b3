// What only the MPI transport has: one message for a small object, the
// large-count path, foreign raw MPI traffic, buffered-send capacity, channel
// tag wrap-around, abandoned posted receives. What every transport must do
// is in the conformance suite (transport_conformance.cc). Runs at 1, 2 and 3
// ranks; each rank sends to the next and receives from the previous.
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

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
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::Pattern;
using ::pkl5::internal_testing::Pieces;
using ::pkl5::internal_testing::ReceiveAll;
using ::pkl5::internal_testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    next_ = (rank_ + 1) % size_;
    previous_ = (rank_ + size_ - 1) % size_;
    absl::StatusOr<std::unique_ptr<Channel>> channel = Channel::Create(comm_);
    ASSERT_THAT(channel, IsOk());
    channel_ = *std::move(channel);
    MPI_Barrier(comm_);
  }
  void TearDown() override {
    MPI_Barrier(comm_);
    // Nothing may be left behind on either communicator.
    int pending = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, channel_->private_comm(), &pending,
               MPI_STATUS_IGNORE);
    EXPECT_FALSE(pending) << "a part was left on the private channel";
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &pending, MPI_STATUS_IGNORE);
    EXPECT_FALSE(pending) << "a message was left on the communicator";
    MPI_Barrier(comm_);
    channel_.reset();
    MPI_Comm_free(&comm_);
  }

  // Sends `strings` to the next rank (nonblocking) and receives the
  // previous rank's with a matched probe.
  std::vector<std::string> RingExchange(Channel& channel,
                                        const std::vector<std::string>& strings,
                                        int tag) {
    const std::vector<ConstPiece> pieces = Pieces(strings);
    absl::StatusOr<std::unique_ptr<SendOperation>> send =
        SendOperation::Start(channel, pieces, next_, tag, SendMode::kStandard);
    EXPECT_THAT(send, IsOk());
    absl::StatusOr<IncomingMessage> message =
        ProbeMessage(channel, previous_, tag);
    EXPECT_THAT(message, IsOk());
    std::vector<std::string> received;
    if (message.ok()) {
      EXPECT_EQ(message->source(), previous_);
      EXPECT_EQ(message->tag(), tag);
      received = ReceiveAll(*message);
    }
    if (send.ok()) {
      EXPECT_THAT((*send)->Wait(), IsOk());
    }
    return received;
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  int next_ = 0;
  int previous_ = 0;
  std::unique_ptr<Channel> channel_;
};

TEST_F(TransportTest, SmallObjectsAreOneMessage) {
  const std::vector<std::string> mine = {"header", "", "inband"};
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<SendOperation>> send =
      SendOperation::Start(*channel_, pieces, next_, 5, SendMode::kStandard);
  ASSERT_THAT(send, IsOk());
  absl::StatusOr<IncomingMessage> message =
      ProbeMessage(*channel_, MPI_ANY_SOURCE, MPI_ANY_TAG);
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(message->source(), previous_);
  EXPECT_EQ(message->tag(), 5);
  ASSERT_THAT((*send)->Wait(), IsOk());
  // The whole object came in the envelope: nothing is on the channel.
  MPI_Barrier(comm_);
  int pending = 1;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, channel_->private_comm(), &pending,
             MPI_STATUS_IGNORE);
  EXPECT_FALSE(pending);
  EXPECT_THAT(ReceiveAll(*message), ElementsAreArray(mine));
}

TEST_F(TransportTest, LargeCountPathWithTinyBlocks) {
  for (size_t block : {size_t{63}, size_t{64}, size_t{65}, size_t{4095},
                       size_t{4096}, size_t{4097}}) {
    TransportOptions options;
    options.block_bytes = block;
    absl::StatusOr<std::unique_ptr<Channel>> channel =
        Channel::Create(comm_, options);
    ASSERT_THAT(channel, IsOk());
    const std::vector<std::string> mine = {"h", Pattern(4096, rank_),
                                           Pattern(4097, rank_), "t"};
    const std::vector<std::string> theirs = {"h", Pattern(4096, previous_),
                                             Pattern(4097, previous_), "t"};
    EXPECT_THAT(RingExchange(**channel, mine, 3), ElementsAreArray(theirs))
        << "block " << block;
  }
}

TEST_F(TransportTest, ForeignMessagesOnTheTagAreRejectedAndConsumed) {
  // Raw MPI bytes on the tag a pkl5 receiver uses: one small enough to be
  // an envelope, one larger than any envelope, then a pkl5 message.
  const std::string small = Pattern(100, rank_);
  const std::string large = Pattern(100000, rank_);
  MPI_Request raw[2];
  MPI_Isend(small.data(), static_cast<int>(small.size()), MPI_BYTE, next_, 9,
            comm_, &raw[0]);
  MPI_Isend(large.data(), static_cast<int>(large.size()), MPI_BYTE, next_, 9,
            comm_, &raw[1]);
  const std::vector<std::string> mine = {"after", Pattern(9000, rank_)};
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<SendOperation>> send =
      SendOperation::Start(*channel_, pieces, next_, 9, SendMode::kStandard);
  ASSERT_THAT(send, IsOk());

  EXPECT_THAT(ProbeMessage(*channel_, previous_, 9),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("magic")));
  EXPECT_THAT(ProbeMessage(*channel_, previous_, 9),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("larger than any pkl5 envelope")));
  absl::StatusOr<IncomingMessage> message =
      ProbeMessage(*channel_, previous_, 9);
  ASSERT_THAT(message, IsOk());
  EXPECT_THAT(ReceiveAll(*message), ElementsAreArray(std::vector<std::string>{
                                        "after", Pattern(9000, previous_)}));
  MPI_Waitall(2, raw, MPI_STATUSES_IGNORE);
  EXPECT_THAT((*send)->Wait(), IsOk());
}

TEST_F(TransportTest, PostedReceiveRejectsASmallForeignMessage) {
  const std::string raw_bytes = Pattern(64, rank_);
  MPI_Request raw;
  MPI_Isend(raw_bytes.data(), 64, MPI_BYTE, next_, 10, comm_, &raw);
  absl::StatusOr<std::unique_ptr<EnvelopeReceive>> receive =
      EnvelopeReceive::Start(*channel_, previous_, 10);
  ASSERT_THAT(receive, IsOk());
  ASSERT_THAT((*receive)->Wait(), IsOk());
  EXPECT_THAT((*receive)->TakeMessage(), StatusIs(absl::StatusCode::kDataLoss));
  MPI_Wait(&raw, MPI_STATUS_IGNORE);
}

TEST_F(TransportTest, BufferedSendCompletesBeforeTheReceiverArrives) {
  TransportOptions options;
  options.buffered_send_capacity = 1 << 20;
  absl::StatusOr<std::unique_ptr<Channel>> channel =
      Channel::Create(comm_, options);
  ASSERT_THAT(channel, IsOk());
  std::vector<std::string> mine = {"b", Pattern(200000, rank_)};
  for (int round = 0; round < 3; ++round) {
    // Complete at once, whoever receives; the copies are the channel's.
    EXPECT_THAT(Send(**channel, Pieces(mine), next_, 12, SendMode::kBuffered),
                IsOk());
  }
  mine[1].assign(mine[1].size(), 'Z');
  for (int round = 0; round < 3; ++round) {
    absl::StatusOr<IncomingMessage> message =
        ProbeMessage(**channel, previous_, 12);
    ASSERT_THAT(message, IsOk());
    EXPECT_THAT(ReceiveAll(*message), ElementsAreArray(std::vector<std::string>{
                                          "b", Pattern(200000, previous_)}));
  }
}

TEST_F(TransportTest, BufferedSendBeyondTheCapacityFailsCleanly) {
  TransportOptions options;
  options.buffered_send_capacity = 64 << 10;
  absl::StatusOr<std::unique_ptr<Channel>> channel =
      Channel::Create(comm_, options);
  ASSERT_THAT(channel, IsOk());
  const std::vector<std::string> mine = {"b", Pattern(500000, rank_)};
  EXPECT_THAT(Send(**channel, Pieces(mine), next_, 13, SendMode::kBuffered),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("buffered_send_capacity")));
  // Nothing was sent, and the channel goes on working.
  EXPECT_THAT(RingExchange(**channel, {"next", Pattern(10000, rank_)}, 13),
              ElementsAreArray(
                  std::vector<std::string>{"next", Pattern(10000, previous_)}));
  EXPECT_THAT(Send(*channel_, Pieces(mine), next_, 13, SendMode::kBuffered),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(TransportTest, DestroyingAPendingReceiveLosesNothing) {
  {
    absl::StatusOr<std::unique_ptr<EnvelopeReceive>> abandoned =
        EnvelopeReceive::Start(*channel_, previous_, 15);
    ASSERT_THAT(abandoned, IsOk());
  }
  // Nobody sends before every abandoned receive is gone: one that matched
  // would rightly consume (and drain) the message.
  MPI_Barrier(comm_);
  EXPECT_THAT(RingExchange(*channel_, {"kept", Pattern(10000, rank_)}, 15),
              ElementsAreArray(
                  std::vector<std::string>{"kept", Pattern(10000, previous_)}));
}

TEST_F(TransportTest, ChannelTagsWrapAround) {
  TransportOptions options;
  options.channel_tag_bound = 2;
  absl::StatusOr<std::unique_ptr<Channel>> channel =
      Channel::Create(comm_, options);
  ASSERT_THAT(channel, IsOk());
  std::vector<std::vector<std::string>> objects;
  for (int i = 0; i < 10; ++i) {
    objects.push_back({std::to_string(i), Pattern(6000, rank_ * 100 + i)});
  }
  std::vector<std::unique_ptr<SendOperation>> sends;
  std::vector<std::vector<ConstPiece>> pieces;
  for (const auto& object : objects) pieces.push_back(Pieces(object));
  for (const auto& object_pieces : pieces) {
    absl::StatusOr<std::unique_ptr<SendOperation>> send = SendOperation::Start(
        **channel, object_pieces, next_, 17, SendMode::kStandard);
    ASSERT_THAT(send, IsOk());
    sends.push_back(*std::move(send));
  }
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<IncomingMessage> message =
        ProbeMessage(**channel, previous_, 17);
    ASSERT_THAT(message, IsOk());
    EXPECT_THAT(ReceiveAll(*message),
                ElementsAreArray(std::vector<std::string>{
                    std::to_string(i), Pattern(6000, previous_ * 100 + i)}));
  }
  for (auto& send : sends) EXPECT_THAT(send->Wait(), IsOk());
}

// TransportOptions::part_window: a blocking send or receive of more channel
// pieces than the window posts them a window at a time; every combination
// with the other side windowed or posting everything delivers the object.
class PartWindowTest : public TransportTest {
 protected:
  static constexpr int kTag = 18;

  void SetUp() override {
    TransportTest::SetUp();
    TransportOptions options;
    options.part_window = 3;
    absl::StatusOr<std::unique_ptr<Channel>> windowed =
        Channel::Create(comm_, options);
    ASSERT_THAT(windowed, IsOk());
    windowed_ = *std::move(windowed);
  }
  void TearDown() override {
    windowed_.reset();
    TransportTest::TearDown();
  }

  // A small piece, then 20 of 5000 bytes: all but the first on the channel.
  std::vector<std::string> Object(int rank) const {
    std::vector<std::string> object = {"first"};
    for (int i = 0; i < 20; ++i) object.push_back(Pattern(5000, rank * 50 + i));
    return object;
  }

  // Receives the previous rank's object, windowed or with every piece
  // posted at once.
  void ExpectReceived(bool windowed_receive) {
    absl::StatusOr<IncomingMessage> message =
        ProbeMessage(*windowed_, previous_, kTag);
    ASSERT_THAT(message, IsOk());
    const std::vector<std::string> expected = Object(previous_);
    std::vector<std::string> received;
    for (size_t i = 0; i < expected.size(); ++i) {
      received.emplace_back(message->piece_size(i), '\0');
    }
    std::vector<MutablePiece> destinations;
    for (std::string& piece : received) {
      destinations.push_back({piece.data(), piece.size()});
    }
    if (windowed_receive) {
      EXPECT_THAT(message->ReceiveRest(destinations), IsOk());
    } else {
      absl::StatusOr<std::unique_ptr<PendingOperation>> rest =
          message->StartReceiveRest(destinations);
      ASSERT_THAT(rest, IsOk());
      EXPECT_THAT((*rest)->Wait(), IsOk());
    }
    EXPECT_TRUE(message->complete());
    EXPECT_THAT(received, ElementsAreArray(expected));
  }

  std::unique_ptr<Channel> windowed_;
};

TEST_F(PartWindowTest, PostedSendToAWindowedReceive) {
  const std::vector<std::string> object = Object(rank_);
  absl::StatusOr<std::unique_ptr<SendOperation>> send = SendOperation::Start(
      *windowed_, Pieces(object), next_, kTag, SendMode::kStandard);
  ASSERT_THAT(send, IsOk());
  ExpectReceived(/*windowed_receive=*/true);
  EXPECT_THAT((*send)->Wait(), IsOk());
}

TEST_F(PartWindowTest, WindowedBlockingSendToBothKindsOfReceive) {
  if (size_ == 1) GTEST_SKIP() << "a blocking send to self cannot complete";
  for (const bool windowed_receive : {false, true}) {
    // Rank 0 sends first, the others receive first: a chain, no cycle.
    const std::vector<std::string> object = Object(rank_);
    if (rank_ == 0) {
      EXPECT_THAT(
          Send(*windowed_, Pieces(object), next_, kTag, SendMode::kStandard),
          IsOk());
    }
    ExpectReceived(windowed_receive);
    if (rank_ != 0) {
      EXPECT_THAT(
          Send(*windowed_, Pieces(object), next_, kTag, SendMode::kSynchronous),
          IsOk());
    }
  }
}

}  // namespace
}  // namespace pkl5::transport_internal
