#include "pkl5/testing/transport_conformance.h"

#include <mpi.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/transport_testing.h"

namespace pkl5::internal_testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using Strings = std::vector<std::string>;

int Next(ConformanceEnvironment& env) { return (env.rank() + 1) % env.size(); }
int Previous(ConformanceEnvironment& env) {
  return (env.rank() + env.size() - 1) % env.size();
}

// Sends `mine` to the next rank, receives the previous rank's by probe.
Strings RingExchange(ConformanceEnvironment& env, const Strings& mine, int tag,
                     SendMode mode = SendMode::kStandard) {
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send =
      env.transport().StartSend(pieces, Next(env), tag, mode);
  EXPECT_THAT(send, IsOk());
  absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
      env.transport().Probe(Previous(env), tag);
  EXPECT_THAT(object, IsOk());
  Strings received;
  if (object.ok()) {
    EXPECT_EQ((*object)->source(), Previous(env));
    EXPECT_EQ((*object)->tag(), tag);
    received = ReceiveAll(**object);
  }
  if (send.ok()) {
    EXPECT_THAT((*send)->Wait(), IsOk());
  }
  return received;
}

void PiecesOfEverySizeArriveInOrder(ConformanceEnvironment& env) {
  const int me = env.rank();
  const int them = Previous(env);
  EXPECT_THAT(RingExchange(env, {"h", "", Pattern(100000, me), "x"}, 1),
              ElementsAreArray(Strings{"h", "", Pattern(100000, them), "x"}));
  EXPECT_THAT(RingExchange(env, {}, 1), ElementsAreArray(Strings{}));
}

void AThousandSmallPieces(ConformanceEnvironment& env) {
  Strings mine;
  Strings theirs;
  for (int i = 0; i < 1000; ++i) {
    mine.push_back(Pattern(static_cast<size_t>(i % 21), env.rank() + i));
    theirs.push_back(Pattern(static_cast<size_t>(i % 21), Previous(env) + i));
  }
  EXPECT_THAT(RingExchange(env, mine, 2), ElementsAreArray(theirs));
}

void MessagesOnOneTagKeepTheirOrder(ConformanceEnvironment& env) {
  std::vector<Strings> objects;
  for (int i = 0; i < 20; ++i) {
    objects.push_back({std::to_string(i), Pattern(5000, env.rank() + i)});
  }
  std::vector<std::vector<ConstPiece>> pieces;
  for (const Strings& object : objects) pieces.push_back(Pieces(object));
  std::vector<std::unique_ptr<PendingOperation>> sends;
  for (const auto& object_pieces : pieces) {
    absl::StatusOr<std::unique_ptr<PendingOperation>> send =
        env.transport().StartSend(object_pieces, Next(env), 3,
                                  SendMode::kStandard);
    ASSERT_THAT(send, IsOk());
    sends.push_back(*std::move(send));
  }
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
        env.transport().Probe(MPI_ANY_SOURCE, MPI_ANY_TAG);
    ASSERT_THAT(object, IsOk());
    EXPECT_THAT(ReceiveAll(**object),
                ElementsAreArray(Strings{std::to_string(i),
                                         Pattern(5000, Previous(env) + i)}));
  }
  for (auto& send : sends) EXPECT_THAT(send->Wait(), IsOk());
}

void AnySourceResolvesEachSender(ConformanceEnvironment& env) {
  const Strings mine = {std::to_string(env.rank()), Pattern(20000, env.rank())};
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send =
      env.transport().StartSend(pieces, 0, 7, SendMode::kStandard);
  ASSERT_THAT(send, IsOk());
  if (env.rank() == 0) {
    std::vector<bool> seen(static_cast<size_t>(env.size()), false);
    for (int i = 0; i < env.size(); ++i) {
      absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
          env.transport().Probe(MPI_ANY_SOURCE, 7);
      ASSERT_THAT(object, IsOk());
      const int source = (*object)->source();
      EXPECT_THAT(ReceiveAll(**object),
                  ElementsAreArray(
                      Strings{std::to_string(source), Pattern(20000, source)}));
      seen[static_cast<size_t>(source)] = true;
    }
    EXPECT_THAT(seen, ::testing::Each(true));
  }
  EXPECT_THAT((*send)->Wait(), IsOk());
}

void ProcNullCompletesAtOnce(ConformanceEnvironment& env) {
  const Strings mine = {"x", Pattern(100000, 0)};
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send =
      env.transport().StartSend(pieces, MPI_PROC_NULL, 0,
                                SendMode::kSynchronous);
  ASSERT_THAT(send, IsOk());
  EXPECT_THAT((*send)->Test(), IsOkAndHolds(true));
  for (bool probe : {true, false}) {
    absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
        probe ? env.transport().Probe(MPI_PROC_NULL, MPI_ANY_TAG)
              : env.transport().TryProbe(MPI_PROC_NULL, 4);
    ASSERT_THAT(object, IsOk());
    ASSERT_NE(*object, nullptr);
    EXPECT_TRUE((*object)->is_null());
    EXPECT_EQ((*object)->piece_count(), 0u);
  }
  absl::StatusOr<std::unique_ptr<PendingReceive>> receive =
      env.transport().StartReceive(MPI_PROC_NULL, 3);
  ASSERT_THAT(receive, IsOk());
  EXPECT_THAT((*receive)->Test(), IsOkAndHolds(true));
  absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
      (*receive)->TakeObject();
  ASSERT_THAT(object, IsOk());
  EXPECT_TRUE((*object)->is_null());
}

void ARejectedObjectIsDrainedAndTheNextArrives(ConformanceEnvironment& env) {
  const Strings rejected = {"h", Pattern(50000, 1), Pattern(3 << 20, 2), ""};
  const Strings accepted = {"h2", Pattern(7000, env.rank())};
  const std::vector<ConstPiece> first = Pieces(rejected);
  const std::vector<ConstPiece> second = Pieces(accepted);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send_first =
      env.transport().StartSend(first, Next(env), 4, SendMode::kStandard);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send_second =
      env.transport().StartSend(second, Next(env), 4, SendMode::kStandard);
  ASSERT_THAT(send_first, IsOk());
  ASSERT_THAT(send_second, IsOk());
  absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
      env.transport().Probe(Previous(env), 4);
  ASSERT_THAT(object, IsOk());
  EXPECT_EQ((*object)->total_bytes(), 1u + 50000u + (3u << 20));
  EXPECT_THAT((*object)->ReceiveNextAsString(), IsOkAndHolds("h"));
  EXPECT_THAT((*object)->Drain(), IsOk());
  EXPECT_TRUE((*object)->complete());
  EXPECT_THAT((*send_first)->Wait(), IsOk());
  absl::StatusOr<std::unique_ptr<ReceivedObject>> next =
      env.transport().Probe(Previous(env), 4);
  ASSERT_THAT(next, IsOk());
  EXPECT_THAT(ReceiveAll(**next),
              ElementsAreArray(Strings{"h2", Pattern(7000, Previous(env))}));
  EXPECT_THAT((*send_second)->Wait(), IsOk());
}

void SynchronousSendToAProbingReceiverCompletes(ConformanceEnvironment& env) {
  const Strings mine = {"s", Pattern(300000, env.rank())};
  Strings received;
  std::thread receiver([&] {
    absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
        env.transport().Probe(Previous(env), 11);
    ASSERT_THAT(object, IsOk());
    received = ReceiveAll(**object);
  });
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send =
      env.transport().StartSend(pieces, Next(env), 11, SendMode::kSynchronous);
  ASSERT_THAT(send, IsOk());
  EXPECT_THAT((*send)->Wait(), IsOk());
  receiver.join();
  EXPECT_THAT(received,
              ElementsAreArray(Strings{"s", Pattern(300000, Previous(env))}));
}

void PostedReceivesCancelBeforeMatchingOnly(ConformanceEnvironment& env) {
  absl::StatusOr<std::unique_ptr<PendingReceive>> early =
      env.transport().StartReceive(Previous(env), 14);
  ASSERT_THAT(early, IsOk());
  EXPECT_THAT((*early)->Test(), IsOkAndHolds(false));
  EXPECT_THAT((*early)->Cancel(), IsOkAndHolds(true));
  EXPECT_THAT((*early)->TakeObject(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  env.Barrier();  // every early receive is gone before anyone sends

  absl::StatusOr<std::unique_ptr<PendingReceive>> receive =
      env.transport().StartReceive(MPI_ANY_SOURCE, MPI_ANY_TAG);
  ASSERT_THAT(receive, IsOk());
  const Strings mine = {"i", Pattern(30000, env.rank())};
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send =
      env.transport().StartSend(pieces, Next(env), 14, SendMode::kStandard);
  ASSERT_THAT(send, IsOk());
  ASSERT_THAT((*receive)->Wait(), IsOk());
  EXPECT_THAT((*receive)->Cancel(), IsOkAndHolds(false));
  absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
      (*receive)->TakeObject();
  ASSERT_THAT(object, IsOk());
  EXPECT_EQ((*object)->source(), Previous(env));
  EXPECT_EQ((*object)->tag(), 14);
  EXPECT_THAT(ReceiveAll(**object),
              ElementsAreArray(Strings{"i", Pattern(30000, Previous(env))}));
  EXPECT_THAT((*receive)->TakeObject(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT((*send)->Wait(), IsOk());
}

void TryProbeNeverBlocks(ConformanceEnvironment& env) {
  absl::StatusOr<std::unique_ptr<ReceivedObject>> nothing =
      env.transport().TryProbe(MPI_ANY_SOURCE, 16);
  ASSERT_THAT(nothing, IsOk());
  EXPECT_EQ(*nothing, nullptr);
  env.Barrier();  // only now may anyone send
  const Strings mine = {"t"};
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send =
      env.transport().StartSend(pieces, Next(env), 16, SendMode::kStandard);
  ASSERT_THAT(send, IsOk());
  std::unique_ptr<ReceivedObject> found;
  while (found == nullptr) {
    absl::StatusOr<std::unique_ptr<ReceivedObject>> probed =
        env.transport().TryProbe(MPI_ANY_SOURCE, 16);
    ASSERT_THAT(probed, IsOk());
    found = *std::move(probed);
  }
  EXPECT_THAT(ReceiveAll(*found), ElementsAreArray(Strings{"t"}));
  EXPECT_THAT((*send)->Wait(), IsOk());
}

void RemainingPiecesLandNonblocking(ConformanceEnvironment& env) {
  const Strings mine = {"hdr", "in", Pattern(70000, env.rank()), "",
                        Pattern(9000, env.rank() + 3)};
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send =
      env.transport().StartSend(pieces, Next(env), 6, SendMode::kStandard);
  ASSERT_THAT(send, IsOk());
  absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
      env.transport().Probe(Previous(env), 6);
  ASSERT_THAT(object, IsOk());
  EXPECT_THAT((*object)->ReceiveNextAsString(), IsOkAndHolds("hdr"));
  Strings rest;
  for (size_t i = (*object)->next_piece(); i < (*object)->piece_count(); ++i) {
    rest.emplace_back((*object)->piece_sizes()[i], '\0');
  }
  std::vector<MutablePiece> destinations;
  for (std::string& piece : rest) {
    destinations.push_back({piece.data(), piece.size()});
  }
  EXPECT_THAT((*object)->StartReceiveRest({destinations.data(), 1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<std::unique_ptr<PendingOperation>> receiving =
      (*object)->StartReceiveRest(destinations);
  ASSERT_THAT(receiving, IsOk());
  EXPECT_THAT((*receiving)->Wait(), IsOk());
  EXPECT_THAT(rest,
              ElementsAreArray(Strings{"in", Pattern(70000, Previous(env)), "",
                                       Pattern(9000, Previous(env) + 3)}));
  EXPECT_THAT((*send)->Wait(), IsOk());
}

// The blocking send: one message (all inline) or several. A blocking send
// of many bytes waits for its receiver, so another thread receives (the
// receiver may be this very rank).
void BlockingSendsArrive(ConformanceEnvironment& env) {
  for (SendMode mode : {SendMode::kStandard, SendMode::kSynchronous}) {
    for (const Strings& mine :
         {Strings{"small", "one message"},
          Strings{"big", Pattern(20000, env.rank()), ""}}) {
      Strings expected = mine;
      if (expected.size() == 3) expected[1] = Pattern(20000, Previous(env));
      std::thread receiver([&] {
        absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
            env.transport().Probe(Previous(env), 9);
        ASSERT_THAT(object, IsOk());
        EXPECT_THAT(ReceiveAll(**object), ElementsAreArray(expected));
      });
      EXPECT_THAT(env.transport().Send(Pieces(mine), Next(env), 9, mode),
                  IsOk());
      receiver.join();
    }
  }
}

// SendContiguous: pieces back to back after kSendHeadroomBytes of room
// arrive as Send's do, whether they fit one envelope or not, lie back to
// back or not, standard or synchronous (buffered mode needs a capacity
// the MPI transport has none of by default: it is Send's); the transport
// writes nothing outside the headroom. Received both by Probe and by
// Receive (whole or not).
void ContiguousSendsArrive(ConformanceEnvironment& env) {
  const std::string big = Pattern(20000, env.rank());
  const std::string big_received = Pattern(20000, Previous(env));
  struct Layout {
    Strings pieces;
    bool contiguous;
  };
  const Layout layouts[] = {
      {{"header", "in-band bytes"}, true},
      {{"h", ""}, true},
      {{"header", big}, true},          // over one envelope
      {{"a", "b", "c"}, true},          // a head larger than the headroom
      {{"header", "elsewhere"}, false}  // not back to back
  };
  constexpr char kGuard = 'g';
  for (SendMode mode : {SendMode::kStandard, SendMode::kSynchronous}) {
    for (const Layout& layout : layouts) {
      for (bool by_probe : {true, false}) {
        std::string memory(kSendHeadroomBytes + 16, kGuard);
        const size_t start = memory.size();
        for (const std::string& piece : layout.pieces) memory += piece;
        memory += std::string(16, kGuard);
        std::vector<ConstPiece> pieces;
        size_t offset = start;
        for (const std::string& piece : layout.pieces) {
          pieces.push_back({memory.data() + offset, piece.size()});
          offset += piece.size();
        }
        const std::string separate = layout.pieces.back();
        if (!layout.contiguous) {
          pieces.back() = {separate.data(), separate.size()};
        }
        Strings expected = layout.pieces;
        if (expected.back() == big) expected.back() = big_received;
        std::thread receiver([&] {
          if (by_probe) {
            absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
                env.transport().Probe(Previous(env), 12);
            ASSERT_THAT(object, IsOk());
            EXPECT_THAT(ReceiveAll(**object), ElementsAreArray(expected));
            return;
          }
          Arrival arrival;
          ASSERT_THAT(env.transport().Receive(Previous(env), 12, arrival),
                      IsOk());
          if (arrival.object != nullptr) {
            EXPECT_THAT(ReceiveAll(*arrival.object),
                        ElementsAreArray(expected));
            return;
          }
          Strings whole;
          size_t at = 0;
          for (size_t i = 0; i < arrival.whole.piece_count(); ++i) {
            const size_t size =
                static_cast<size_t>(arrival.whole.piece_size(i));
            whole.emplace_back(arrival.whole.bytes.substr(at, size));
            at += size;
          }
          EXPECT_EQ(at, arrival.whole.bytes.size());
          EXPECT_THAT(whole, ElementsAreArray(expected));
        });
        EXPECT_THAT(env.transport().SendContiguous(pieces, Next(env), 12, mode),
                    IsOk());
        receiver.join();
        EXPECT_EQ(memory.substr(0, 16), std::string(16, kGuard));
        EXPECT_EQ(memory.substr(memory.size() - 16), std::string(16, kGuard));
        offset = start;
        for (const std::string& piece : layout.pieces) {
          EXPECT_EQ(memory.substr(offset, piece.size()), piece);
          offset += piece.size();
        }
      }
    }
  }
}

// A non-matching probe reports the sender and tag and takes nothing.
void PeekEnvelopeTakesNothing(ConformanceEnvironment& env) {
  absl::StatusOr<std::optional<ProbedEnvelope>> none =
      env.transport().PeekEnvelope(MPI_ANY_SOURCE, 21, /*block=*/false);
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
  absl::StatusOr<std::optional<ProbedEnvelope>> proc_null =
      env.transport().PeekEnvelope(MPI_PROC_NULL, 21, /*block=*/true);
  ASSERT_THAT(proc_null, IsOk());
  ASSERT_TRUE(proc_null->has_value());
  EXPECT_EQ((*proc_null)->source, MPI_PROC_NULL);
  EXPECT_EQ((*proc_null)->tag, MPI_ANY_TAG);
  env.Barrier();  // only now may anyone send
  const Strings mine = {"peek", Pattern(10000, env.rank())};
  const std::vector<ConstPiece> pieces = Pieces(mine);
  absl::StatusOr<std::unique_ptr<PendingOperation>> send =
      env.transport().StartSend(pieces, Next(env), 21, SendMode::kStandard);
  ASSERT_THAT(send, IsOk());
  for (bool block : {true, false}) {
    absl::StatusOr<std::optional<ProbedEnvelope>> peeked =
        env.transport().PeekEnvelope(MPI_ANY_SOURCE, MPI_ANY_TAG, block);
    ASSERT_THAT(peeked, IsOk());
    ASSERT_TRUE(peeked->has_value());
    EXPECT_EQ((*peeked)->source, Previous(env));
    EXPECT_EQ((*peeked)->tag, 21);
  }
  absl::StatusOr<std::unique_ptr<ReceivedObject>> object =
      env.transport().Probe(Previous(env), 21);
  ASSERT_THAT(object, IsOk());
  EXPECT_THAT(ReceiveAll(**object),
              ElementsAreArray(Strings{"peek", Pattern(10000, Previous(env))}));
  EXPECT_THAT((*send)->Wait(), IsOk());
  EXPECT_THAT(env.transport().PeekEnvelope(-3, 0, false),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

void BadRanksAndTagsAreInvalidArguments(ConformanceEnvironment& env) {
  const Strings mine = {"x"};
  const std::vector<ConstPiece> pieces = Pieces(mine);
  Transport& transport = env.transport();
  EXPECT_THAT(
      transport.StartSend(pieces, env.size(), 0, SendMode::kStandard),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid rank")));
  EXPECT_THAT(transport.StartSend(pieces, -7, 0, SendMode::kStandard),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      transport.StartSend(pieces, Next(env), -1, SendMode::kStandard),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid tag")));
  EXPECT_THAT(transport.Probe(env.size() + 3, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(transport.TryProbe(0, -5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(transport.StartReceive(0, -2),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RingExchange(env, {"still", "works"}, 0),
              ElementsAreArray(Strings{"still", "works"}));
}

constexpr ConformanceCase kCases[] = {
    {"PiecesOfEverySizeArriveInOrder", PiecesOfEverySizeArriveInOrder},
    {"AThousandSmallPieces", AThousandSmallPieces},
    {"MessagesOnOneTagKeepTheirOrder", MessagesOnOneTagKeepTheirOrder},
    {"AnySourceResolvesEachSender", AnySourceResolvesEachSender},
    {"ProcNullCompletesAtOnce", ProcNullCompletesAtOnce},
    {"ARejectedObjectIsDrainedAndTheNextArrives",
     ARejectedObjectIsDrainedAndTheNextArrives},
    {"SynchronousSendToAProbingReceiverCompletes",
     SynchronousSendToAProbingReceiverCompletes},
    {"PostedReceivesCancelBeforeMatchingOnly",
     PostedReceivesCancelBeforeMatchingOnly},
    {"TryProbeNeverBlocks", TryProbeNeverBlocks},
    {"RemainingPiecesLandNonblocking", RemainingPiecesLandNonblocking},
    {"BlockingSendsArrive", BlockingSendsArrive},
    {"ContiguousSendsArrive", ContiguousSendsArrive},
    {"PeekEnvelopeTakesNothing", PeekEnvelopeTakesNothing},
    {"BadRanksAndTagsAreInvalidArguments", BadRanksAndTagsAreInvalidArguments},
};

}  // namespace

absl::Span<const ConformanceCase> ConformanceCases() { return kCases; }

}  // namespace pkl5::internal_testing
