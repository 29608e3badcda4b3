// Runs the envelope decoder's fuzz target under `bazel test`: on the
// checked-in corpus (what tools/fuzz.sh campaigns kept, including any
// crash they found), on envelopes built from real pieces, and on
// deterministic mutations of those.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/testing/fuzz_corpus.h"
#include "pkl5/transport/envelope_fuzzer.h"
#include "pkl5/transport/internal/envelope.h"

namespace pkl5::transport_internal {
namespace {

int RunFuzzTarget(const std::string& input) {
  return FuzzEnvelope(reinterpret_cast<const uint8_t*>(input.data()),
                      input.size());
}

// Envelopes as senders make them, each with the bound it was built for.
struct Seed {
  std::string bytes;
  size_t envelope_bytes;
};

std::vector<Seed> Seeds() {
  const std::string header(40, 'h');
  const std::string inband = "in-band bytes";
  const std::string big(9000, 'b');
  std::vector<Seed> seeds;
  for (size_t envelope_bytes : {size_t{64}, size_t{4096}}) {
    for (const std::vector<ConstPiece>& pieces :
         std::vector<std::vector<ConstPiece>>{
             {},
             {{header.data(), header.size()}},
             {{header.data(), header.size()}, {inband.data(), inband.size()}},
             {{header.data(), header.size()},
              {inband.data(), inband.size()},
              {big.data(), big.size()}}}) {
      seeds.push_back({BuildEnvelope(pieces, /*channel_tag=*/7, envelope_bytes),
                       envelope_bytes});
    }
  }
  return seeds;
}

TEST(EnvelopeFuzzerRegressionTest, CorpusFiles) {
  const auto corpus =
      ::pkl5::internal_testing::ReadFuzzCorpus("transport/fuzz_corpus");
  for (const auto& [path, input] : corpus) {
    EXPECT_EQ(RunFuzzTarget(input), 0) << path;
  }
  EXPECT_GT(corpus.size(), 0u);
}

TEST(EnvelopeFuzzerRegressionTest, SeedsParseAndMutationsAreSafe) {
  std::mt19937_64 random(20261130);
  const std::vector<Seed> seeds = Seeds();
  for (const Seed& seed : seeds) {
    EXPECT_TRUE(ParseEnvelope(seed.bytes, seed.envelope_bytes).ok());
    EXPECT_EQ(RunFuzzTarget(seed.bytes), 0);
  }
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string input = seeds[random() % seeds.size()].bytes;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !input.empty(); ++e) {
      const size_t at = random() % input.size();
      switch (random() % 3) {
        case 0:  // flip a byte
          input[at] = static_cast<char>(random());
          break;
        case 1:  // truncate
          input.resize(at);
          break;
        default:  // grow
          input.insert(at, 1 + random() % 16, static_cast<char>(random()));
          break;
      }
    }
    EXPECT_EQ(RunFuzzTarget(input), 0);
  }
}

}  // namespace
}  // namespace pkl5::transport_internal
