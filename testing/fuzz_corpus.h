// Reads a checked-in fuzzing corpus (a directory of input files that is a
// test's `data`) for the regression tests that replay it under `bazel test`.
#ifndef PKL5_TESTING_FUZZ_CORPUS_H_
#define PKL5_TESTING_FUZZ_CORPUS_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace pkl5::internal_testing {

// Every file of `directory` (workspace-relative, e.g.
// "transport/fuzz_corpus") as (path, contents); empty outside `bazel test`.
inline std::vector<std::pair<std::string, std::string>> ReadFuzzCorpus(
    const std::string& directory) {
  std::vector<std::pair<std::string, std::string>> inputs;
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return inputs;
  const std::filesystem::path corpus =
      std::filesystem::path(srcdir) / workspace / directory;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    inputs.emplace_back(entry.path().string(),
                        std::string(std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>()));
  }
  return inputs;
}

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_FUZZ_CORPUS_H_
