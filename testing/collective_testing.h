// The fixture of the collective tests: one communicator per test (so each
// test's first collective makes its context afresh), intra or inter (groups
// of unequal size at odd rank counts), with every array out-of-band or at
// the default threshold, and with a tiny block size that drives the
// large-count path with small data.
#ifndef PKL5_TESTING_COLLECTIVE_TESTING_H_
#define PKL5_TESTING_COLLECTIVE_TESTING_H_

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "pkl5/comm/options.h"
#include "pkl5/testing/comm_testing.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5::internal_testing {

enum class Kind { kIntra, kInter };

struct Setting {
  Kind kind;
  uint64_t threshold;
  size_t block_bytes;  // small: the large-count path with small data
};

inline std::string SettingName(const ::testing::TestParamInfo<Setting>& info) {
  std::string name = info.param.kind == Kind::kIntra ? "Intra" : "Inter";
  name += info.param.threshold == 0 ? "AllOutOfBand" : "DefaultThreshold";
  if (info.param.block_bytes < 4096) name += "LargeCountPath";
  return name;
}

// The six settings every collective test runs under.
inline auto AllSettings() {
  return ::testing::Values(
      Setting{Kind::kIntra, 0, kDefaultBlockBytes},
      Setting{Kind::kIntra, kDefaultOutOfBandThreshold, kDefaultBlockBytes},
      Setting{Kind::kIntra, 0, 65},
      Setting{Kind::kInter, 0, kDefaultBlockBytes},
      Setting{Kind::kInter, kDefaultOutOfBandThreshold, kDefaultBlockBytes},
      Setting{Kind::kInter, 0, 65});
}

inline int WorldSize() {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

class CollectiveTest : public ::testing::TestWithParam<Setting> {
 protected:
  void SetUp() override {
    MPI_Barrier(MPI_COMM_WORLD);
    CommOptions options;
    options.encode.out_of_band_threshold = GetParam().threshold;
    options.transport.block_bytes = GetParam().block_bytes;
    if (!intra() && WorldSize() == 1) {
      GTEST_SKIP() << "an intercommunicator needs 2 ranks";
    }
    absl::StatusOr<std::unique_ptr<TestComm>> test =
        TestComm::Create(!intra(), options);
    ASSERT_THAT(test, IsOk());
    test_ = *std::move(test);
    low_ = test_->low();
  }
  void TearDown() override {
    test_.reset();
    MPI_Barrier(MPI_COMM_WORLD);
  }

  Comm& comm() { return test_->comm(); }
  bool intra() const { return GetParam().kind == Kind::kIntra; }
  int size() { return comm().size(); }
  int rank() { return comm().rank(); }
  int remote_size() { return test_->peers(); }
  // Whether this rank is the root (the `root` argument it passed).
  bool IsRoot(int root) { return intra() ? root == rank() : root == MPI_ROOT; }

  // Runs `body(root_argument, member)` for every root, in the order of
  // mpi4py's intercommunicator tests: the lower group's roots first.
  // `member`: this rank receives from (or sends to) the root.
  template <typename Body>
  void ForEachRoot(Body&& body) {
    if (intra()) {
      for (int root = 0; root < size(); ++root) body(root, true);
      return;
    }
    for (bool low_group_roots : {true, false}) {
      if (low_group_roots == low_) {
        for (int root = 0; root < size(); ++root) {
          body(root == rank() ? MPI_ROOT : MPI_PROC_NULL, false);
        }
      } else {
        for (int root = 0; root < remote_size(); ++root) body(root, true);
      }
    }
  }

  std::unique_ptr<TestComm> test_;
  bool low_ = false;
};

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_COLLECTIVE_TESTING_H_
