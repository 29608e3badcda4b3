// Runs the decoder's fuzz target under `bazel test`: on the checked-in
// corpus (regression inputs, including any crash a fuzzing campaign found),
// on seeds encoded from real objects, and on a fixed number of
// deterministic mutations of those seeds.
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/serialization/decode_fuzzer.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/testing/fuzz_corpus.h"

namespace pkl5 {
namespace {

int RunFuzzTarget(const std::string& input) {
  return FuzzDecode(reinterpret_cast<const uint8_t*>(input.data()),
                    input.size());
}

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds;
  auto add = [&seeds](uint8_t type, const auto& value, uint64_t threshold) {
    const Frame frame = Encode(value, EncodeOptions{threshold});
    seeds.push_back(RawFuzzInput(type, frame.header, frame.inband));
    // The forged-mode twin: the in-band bytes, then the buffer sizes.
    std::string forged(1, static_cast<char>(0x10 | type));
    forged += frame.inband;
    for (const BufferView& buffer : frame.buffers) {
      forged.push_back(static_cast<char>(buffer.size & 0xff));
      forged.push_back(static_cast<char>((buffer.size >> 8) & 0xff));
    }
    forged.push_back(static_cast<char>(frame.buffers.size()));
    seeds.push_back(forged);
  };
  for (uint64_t threshold : {uint64_t{0}, uint64_t{1} << 40}) {
    add(0, std::vector<double>{1, 2, 3}, threshold);
    add(1, std::string("seed"), threshold);
    add(2, std::vector<std::string>{"a", "bc"}, threshold);
    add(3, std::map<std::string, std::vector<int>>{{"k", {1, 2}}}, threshold);
  }
  return seeds;
}

TEST(DecodeFuzzerRegressionTest, CorpusFiles) {
  const auto corpus =
      ::pkl5::internal_testing::ReadFuzzCorpus("serialization/fuzz_corpus");
  for (const auto& [path, input] : corpus) {
    EXPECT_EQ(RunFuzzTarget(input), 0) << path;
  }
  EXPECT_GT(corpus.size(), 0u);
}

TEST(DecodeFuzzerRegressionTest, SeedsAndTheirMutations) {
  std::mt19937_64 random(20261123);
  const std::vector<std::string> seeds = Seeds();
  for (const std::string& seed : seeds) EXPECT_EQ(RunFuzzTarget(seed), 0);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string input = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !input.empty(); ++e) {
      const size_t at = random() % input.size();
      switch (random() % 4) {
        case 0:
          input[at] = static_cast<char>(random());
          break;
        case 1:
          input.resize(at);
          break;
        case 2:
          input.insert(at, 1, static_cast<char>(random()));
          break;
        default:
          input[at] = static_cast<char>(input[at] ^ (1 << (random() % 8)));
      }
    }
    if (!input.empty()) input[0] = static_cast<char>(random());
    EXPECT_EQ(RunFuzzTarget(input), 0);
  }
}

}  // namespace
}  // namespace pkl5
