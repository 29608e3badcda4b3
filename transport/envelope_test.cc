#include "pkl5/transport/internal/envelope.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/transport_testing.h"

namespace pkl5::transport_internal {
namespace {

using ::pkl5::internal_testing::ForgedEnvelope;
using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::Pieces;
using ::pkl5::internal_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(EnvelopeTest, SmallObjectsTravelWholeInTheEnvelope) {
  const std::vector<std::string> strings = {"header", "", "inband", "buf"};
  const std::string envelope = BuildEnvelope(Pieces(strings), 17);
  EXPECT_LE(envelope.size(), kEnvelopeBytes);
  absl::StatusOr<EnvelopeInfo> info = ParseEnvelope(envelope);
  ASSERT_THAT(info, IsOk());
  // Nothing follows on the channel: the tag is not spent.
  EXPECT_EQ(info->channel_tag, 0);
  EXPECT_THAT(info->PieceSizes(), ElementsAre(6, 0, 6, 3));
  EXPECT_EQ(info->inline_pieces, 4u);
  EXPECT_EQ(info->ChannelMessages(), 0u);
  EXPECT_EQ(info->inline_bytes, "headerinbandbuf");
}

// The head written in front of pieces already in memory (the blocking send
// of a small object) makes exactly BuildEnvelope's bytes.
TEST(EnvelopeTest, AWholeEnvelopeHeadInFrontOfThePiecesIsBuildEnvelope) {
  for (const std::vector<std::string>& strings :
       std::vector<std::vector<std::string>>{{"header", "inband"},
                                             {"h", ""},
                                             {"", ""},
                                             {std::string(4000, 'x')}}) {
    const std::vector<ConstPiece> pieces = Pieces(strings);
    ASSERT_TRUE(FitsInEnvelope(pieces));
    std::string envelope(WholeEnvelopeHeadBytes(pieces.size()), '?');
    WriteWholeEnvelopeHead(pieces, envelope.data());
    for (const std::string& piece : strings) envelope += piece;
    EXPECT_EQ(envelope, BuildEnvelope(pieces, 7)) << strings.size();
    EXPECT_THAT(ParseEnvelope(envelope), IsOk());
  }
}

// No sender puts a channel tag on an envelope nothing follows.
TEST(EnvelopeTest, AWholeEnvelopeWithAChannelTagIsRejected) {
  std::string envelope = BuildEnvelope(Pieces({"header", "inband"}), 0);
  const int32_t tag = 5;
  std::memcpy(&envelope[8], &tag, sizeof(tag));
  EXPECT_THAT(ParseEnvelope(envelope),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("channel tag 5 on an object")));
}

TEST(EnvelopeTest, PiecesThatDoNotFitGoToTheChannelInOrder) {
  const std::vector<std::string> strings = {"h", std::string(5000, 'x'), "y"};
  const std::string envelope = BuildEnvelope(Pieces(strings), 3);
  absl::StatusOr<EnvelopeInfo> info = ParseEnvelope(envelope);
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->PieceSizes(), ElementsAre(1, 5000, 1));
  // Only the prefix of pieces that fits is inline: "y" follows the big one.
  EXPECT_EQ(info->inline_pieces, 1u);
  EXPECT_EQ(info->ChannelMessages(), 2u);
  EXPECT_EQ(info->inline_bytes, "h");
}

TEST(EnvelopeTest, AHugeSizeTableGoesFirstOnTheChannel) {
  const std::vector<std::string> strings(1000, "p");
  const std::string envelope = BuildEnvelope(Pieces(strings), 9);
  EXPECT_EQ(envelope.size(), kEnvelopePrefixBytes);
  absl::StatusOr<EnvelopeInfo> info = ParseEnvelope(envelope);
  ASSERT_THAT(info, IsOk());
  EXPECT_FALSE(info->size_table_inline);
  EXPECT_EQ(info->piece_count, 1000u);
  EXPECT_EQ(info->ChannelMessages(), 1001u);
  // Bytes after a prefix without a size table (found by tools/fuzz.sh).
  EXPECT_THAT(ParseEnvelope(envelope + "x"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("after a prefix that announces none")));
}

TEST(EnvelopeTest, ForeignBytesAreDataLoss) {
  EXPECT_THAT(ParseEnvelope("short"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("shorter")));
  EXPECT_THAT(ParseEnvelope(std::string(64, 'r')),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("magic")));
}

TEST(EnvelopeTest, TruncationAndInconsistencyAreDataLoss) {
  const std::vector<std::string> strings = {"header", "inband"};
  const std::string envelope = BuildEnvelope(Pieces(strings), 1);
  for (size_t length = 0; length < envelope.size(); ++length) {
    EXPECT_THAT(ParseEnvelope(envelope.substr(0, length)),
                StatusIs(absl::StatusCode::kDataLoss))
        << "length " << length;
  }
  EXPECT_THAT(ParseEnvelope(envelope + "extra"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("add up")));
}

TEST(EnvelopeTest, OtherVersionsAreUnimplemented) {
  std::string envelope = BuildEnvelope({}, 0);
  envelope[4] = 9;
  EXPECT_THAT(ParseEnvelope(envelope),
              StatusIs(absl::StatusCode::kUnimplemented));
}

TEST(EnvelopeTest, SmallerBoundsAreHonoured) {
  const std::vector<std::string> strings = {std::string(40, 'a'), "b"};
  const std::string envelope = BuildEnvelope(Pieces(strings), 2, 64);
  EXPECT_LE(envelope.size(), 64u);
  absl::StatusOr<EnvelopeInfo> info = ParseEnvelope(envelope, 64);
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->inline_pieces, 0u);
  EXPECT_EQ(info->ChannelMessages(), 2u);
}

// The blocking send's one-message fast path relies on FitsInEnvelope
// agreeing exactly with BuildEnvelope, up to the last byte.
TEST(EnvelopeTest, FitsInEnvelopeAgreesWithTheLayout) {
  for (size_t bound : {size_t{64}, size_t{100}, kEnvelopeBytes}) {
    for (size_t first = 0; first <= bound; first += 3) {
      const std::vector<std::string> strings = {std::string(first, 'a'), "bc"};
      const std::string envelope = BuildEnvelope(Pieces(strings), 0, bound);
      absl::StatusOr<EnvelopeInfo> info = ParseEnvelope(envelope, bound);
      ASSERT_THAT(info, IsOk());
      EXPECT_EQ(FitsInEnvelope(Pieces(strings), bound),
                info->ChannelMessages() == 0)
          << "bound " << bound << ", first piece " << first;
    }
  }
}

// The two-piece forms every small object's send and receive take inline
// agree with the general ones: the same head, the same fit, the same parse.
TEST(EnvelopeTest, TheTwoPieceFastFormsAgreeWithTheGeneralOnes) {
  for (size_t bound : {size_t{32}, size_t{48}, size_t{64}, kEnvelopeBytes}) {
    for (size_t first = 0; first <= bound + 1; first += 3) {
      for (size_t second : {size_t{0}, size_t{1}, size_t{7}, bound / 2}) {
        const std::vector<std::string> strings = {std::string(first, 'a'),
                                                  std::string(second, 'b')};
        const std::vector<ConstPiece> pieces = Pieces(strings);
        ASSERT_EQ(TwoPiecesFitWhole(first, second, bound),
                  FitsInEnvelope(pieces, bound))
            << "bound " << bound << ", pieces " << first << " + " << second;
        if (!FitsInEnvelope(pieces, bound)) continue;
        std::string envelope(WholeEnvelopeHeadBytes(2), '?');
        WriteWholeEnvelopeHead(pieces, envelope.data());
        envelope += strings[0] + strings[1];
        ASSERT_EQ(envelope, BuildEnvelope(pieces, 0, bound));
        absl::string_view table;
        absl::string_view bytes;
        ASSERT_TRUE(ParseWholeTwoPieces(envelope, bound, table, bytes));
        absl::StatusOr<EnvelopeInfo> general = ParseEnvelope(envelope, bound);
        ASSERT_THAT(general, IsOk());
        EXPECT_TRUE(general->whole());
        EXPECT_EQ(table, general->size_table);
        EXPECT_EQ(bytes, general->inline_bytes);
        // One byte short or long, and it is not a whole envelope of two.
        EXPECT_FALSE(ParseWholeTwoPieces(
            absl::string_view(envelope).substr(0, envelope.size() - 1), bound,
            table, bytes));
        EXPECT_FALSE(
            ParseWholeTwoPieces(envelope + "x", bound + 1, table, bytes));
      }
    }
  }
  // Other layouts are for the general parse, which says what is wrong.
  absl::string_view table;
  absl::string_view bytes;
  EXPECT_FALSE(ParseWholeTwoPieces(BuildEnvelope(Pieces({"h", "i", "j"}), 0),
                                   kEnvelopeBytes, table, bytes));
  EXPECT_FALSE(
      ParseWholeTwoPieces(std::string(64, '\0'), kEnvelopeBytes, table, bytes));
}

// Layouts no sender makes are rejected at once, before anything is
// received: otherwise the receiver would wait for channel messages nobody
// sends (or, for a huge table, allocate it).
TEST(EnvelopeTest, LayoutsNoSenderMakesAreDataLoss) {
  // A table-less envelope of no pieces (32 bytes).
  EXPECT_THAT(ParseEnvelope(ForgedEnvelope(false, 0, 0)),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("on the channel although it fits")));
  // No inline table for 2 pieces, although it fits.
  EXPECT_THAT(ParseEnvelope(ForgedEnvelope(false, 2, 0)),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("on the channel although it fits")));
  // Header and in-band inline, an 8-byte third piece "on the channel".
  EXPECT_THAT(ParseEnvelope(ForgedEnvelope(true, 3, 2, {4, 2, 8}, "headin")),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("piece 2 of 8 bytes is announced on the "
                                 "channel although it fits inline")));
  // A table marked inline that cannot fit in the bound.
  EXPECT_THAT(
      ParseEnvelope(ForgedEnvelope(true, 600, 0, std::vector<uint64_t>(600))),
      StatusIs(absl::StatusCode::kDataLoss));
  // Nonzero reserved bytes.
  std::string reserved = BuildEnvelope(Pieces({"abc"}), 1);
  reserved[kEnvelopePrefixBytes - 1] = 1;
  EXPECT_THAT(ParseEnvelope(reserved),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("prefix")));
  // Tables that do not fit are legitimately on the channel, even huge ones
  // (the receiver bounds them before receiving: incoming_message.h).
  EXPECT_THAT(ParseEnvelope(ForgedEnvelope(false, 0xffffffffu, 0)), IsOk());
}

TEST(EnvelopeTest, MoreThanTheBoundIsNotAnEnvelope) {
  const std::string envelope =
      BuildEnvelope(Pieces({std::string(100, 'x')}), 1, 4096);
  EXPECT_THAT(ParseEnvelope(envelope, 4096), IsOk());
  EXPECT_THAT(ParseEnvelope(envelope, 64),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("more than the envelope's 64")));
}

// What a receive whose status lost the count reads the length from: the
// envelope alone, followed by anything (here zeros, as in a posted buffer).
TEST(EnvelopeTest, EnvelopeLengthIsTheBuiltLength) {
  const std::vector<std::vector<std::string>> objects = {
      {},
      {"a"},
      {"header", "inband", std::string(3000, 'x')},
      {"header", std::string(5000, 'y')},
      std::vector<std::string>(1000, "z"),  // size table on the channel
  };
  for (const std::vector<std::string>& object : objects) {
    const std::string envelope = BuildEnvelope(Pieces(object), 5);
    std::string posted = envelope;
    posted.resize(kEnvelopeBytes + 64, '\0');
    EXPECT_EQ(EnvelopeLength(posted, kEnvelopeBytes), envelope.size())
        << object.size() << " pieces";
  }
  EXPECT_EQ(EnvelopeLength("", kEnvelopeBytes), 0u);
  EXPECT_EQ(EnvelopeLength(ForgedEnvelope(true, 600, 0), kEnvelopeBytes), 0u);
}

}  // namespace
}  // namespace pkl5::transport_internal
