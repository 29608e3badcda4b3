// Runs the pickle reader's fuzz target under `bazel test`: on the
// checked-in corpus (what campaigns of tools/fuzz.sh pickle kept, crash
// reproducers included), on Python's goldens read into every fuzzed type,
// and on deterministic mutations of them.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "pkl5/python/pickle_fuzzer.h"
#include "pkl5/testing/fuzz_corpus.h"

namespace pkl5::python {
namespace {

int RunTarget(const std::string& input) {
  return FuzzPickle(reinterpret_cast<const uint8_t*>(input.data()),
                    input.size());
}

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds;
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return seeds;
  std::ifstream in(std::string(srcdir) + "/" + workspace +
                   "/python/testdata/golden.txt");
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    std::vector<std::string> buffers;
    for (size_t i = 2; i < fields.size(); ++i) {
      buffers.push_back(fields[i] == "-" ? ""
                                         : absl::HexStringToBytes(fields[i]));
    }
    for (uint8_t type = 0; type < kPickleFuzzTypeCount; ++type) {
      seeds.push_back(
          PickleFuzzInput(type, absl::HexStringToBytes(fields[1]), buffers));
    }
  }
  return seeds;
}

TEST(PickleFuzzerRegressionTest, CorpusFiles) {
  const auto corpus = internal_testing::ReadFuzzCorpus("python/fuzz_corpus");
  EXPECT_FALSE(corpus.empty());
  for (const auto& [path, input] : corpus) {
    SCOPED_TRACE(path);
    EXPECT_EQ(RunTarget(input), 0);
  }
}

TEST(PickleFuzzerRegressionTest, GoldensAndTheirMutations) {
  const std::vector<std::string> seeds = Seeds();
  ASSERT_GT(seeds.size(), 300u);
  std::mt19937 random(5);
  for (const std::string& seed : seeds) {
    EXPECT_EQ(RunTarget(seed), 0);
    for (int i = 0; i < 20; ++i) {
      std::string mutated = seed;
      const size_t at = 2 + random() % (mutated.size() - 2);
      mutated[at] = static_cast<char>(random());
      if (i % 4 == 0) mutated.resize(at);
      EXPECT_EQ(RunTarget(mutated), 0);
    }
  }
}

}  // namespace
}  // namespace pkl5::python
