#include "pkl5/transport/internal/envelope.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/transport_testing.h"

namespace pkl5::transport_internal {
namespace {

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
  EXPECT_EQ(info->channel_tag, 17);
  EXPECT_THAT(info->piece_sizes, ElementsAre(6, 0, 6, 3));
  EXPECT_EQ(info->inline_pieces, 4u);
  EXPECT_EQ(info->ChannelMessages(), 0u);
  EXPECT_EQ(info->inline_bytes, "headerinbandbuf");
}

TEST(EnvelopeTest, PiecesThatDoNotFitGoToTheChannelInOrder) {
  const std::vector<std::string> strings = {"h", std::string(5000, 'x'), "y"};
  const std::string envelope = BuildEnvelope(Pieces(strings), 3);
  absl::StatusOr<EnvelopeInfo> info = ParseEnvelope(envelope);
  ASSERT_THAT(info, IsOk());
  EXPECT_THAT(info->piece_sizes, ElementsAre(1, 5000, 1));
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
  absl::StatusOr<EnvelopeInfo> info = ParseEnvelope(envelope);
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
      absl::StatusOr<EnvelopeInfo> info = ParseEnvelope(envelope);
      ASSERT_THAT(info, IsOk());
      EXPECT_EQ(FitsInEnvelope(Pieces(strings), bound),
                info->ChannelMessages() == 0)
          << "bound " << bound << ", first piece " << first;
    }
  }
}

}  // namespace
}  // namespace pkl5::transport_internal
