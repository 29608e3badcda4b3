// The GoogleTest main of every MPI test (linked by `mpi_cc_test`).
//
// It initialises MPI with MPI_THREAD_MULTIPLE and makes a test's verdict
// global: a failure seen by any rank fails the test on rank 0, which owns the
// console summary and the one XML report Bazel reads, and the message names
// the rank that saw it ("rank 1 saw 1 failure(s): ..."). Other ranks print
// only their failures, each line tagged with the rank, so a rank that hangs or
// crashes afterwards still leaves its evidence in the log.
//
// Every rank must run the same tests in the same order (same filter, no
// shuffling): the verdict of each test is agreed collectively at its end.
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace {

class RankFailureReporter : public ::testing::EmptyTestEventListener {
 public:
  RankFailureReporter(int rank, int size) : rank_(rank), size_(size) {}

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed() || forwarding_) return;
    const std::string where =
        result.file_name() == nullptr
            ? std::string("unknown file")
            : absl::StrCat(result.file_name(), ":", result.line_number());
    const std::string line = absl::StrCat(where, ": ", result.summary());
    absl::StrAppend(&failures_, line, "\n");
    if (rank_ != 0) {
      std::fprintf(stderr, "[rank %d] %s\n", rank_, line.c_str());
      std::fflush(stderr);
    }
  }

  // Runs before the default printer's OnTestEnd (GoogleTest calls "end"
  // events in reverse order of registration), so failures added here are
  // counted in the printed verdict and in the XML report.
  void OnTestEnd(const ::testing::TestInfo& /*test_info*/) override {
    GatherFailuresToRankZero();
    failures_.clear();
  }

 private:
  void GatherFailuresToRankZero() {
    int length = static_cast<int>(failures_.size());
    std::vector<int> lengths(static_cast<size_t>(size_));
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0,
               MPI_COMM_WORLD);
    std::vector<int> displacements(static_cast<size_t>(size_), 0);
    int total = 0;
    for (size_t r = 0; r < lengths.size(); ++r) {
      displacements[r] = total;
      total += lengths[r];
    }
    std::string all(rank_ == 0 ? static_cast<size_t>(total) : 0, '\0');
    MPI_Gatherv(failures_.data(), length, MPI_CHAR, all.data(), lengths.data(),
                displacements.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank_ != 0) return;
    forwarding_ = true;
    for (int r = 1; r < size_; ++r) {
      const auto index = static_cast<size_t>(r);
      if (lengths[index] == 0) continue;
      ADD_FAILURE() << "rank " << r << " failed:\n"
                    << all.substr(static_cast<size_t>(displacements[index]),
                                  static_cast<size_t>(lengths[index]));
    }
    forwarding_ = false;
  }

  const int rank_;
  const int size_;
  std::string failures_;
  bool forwarding_ = false;
};

// The thread level to ask for: MPI_THREAD_MULTIPLE, or MPI_THREAD_FUNNELED
// with --pkl5_thread_level=funneled (removed from the arguments), under
// which pkl5 takes no locks (ThreadPolicy::concurrent).
int RequestedThreadLevel(int& argc, char** argv) {
  int level = MPI_THREAD_MULTIPLE;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pkl5_thread_level=funneled") == 0) {
      level = MPI_THREAD_FUNNELED;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return level;
}

}  // namespace

int main(int argc, char** argv) {
  int provided = MPI_THREAD_SINGLE;
  const int requested = RequestedThreadLevel(argc, argv);
  if (MPI_Init_thread(&argc, &argv, requested, &provided) != MPI_SUCCESS) {
    std::fprintf(stderr, "MPI_Init_thread failed\n");
    return 2;
  }
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (provided < requested && rank == 0) {
    std::fprintf(stderr,
                 "warning: MPI provides thread level %d, not the %d asked "
                 "for; multi-threaded tests may fail\n",
                 provided, requested);
  }

  if (rank != 0) {
    // Bazel's per-test files belong to one process: rank 0.
    unsetenv("XML_OUTPUT_FILE");
    unsetenv("TEST_PREMATURE_EXIT_FILE");
  }
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::TestEventListeners& listeners =
      ::testing::UnitTest::GetInstance()->listeners();
  if (rank != 0) {
    // One XML writer and one console summary: rank 0's.
    delete listeners.Release(listeners.default_result_printer());
    delete listeners.Release(listeners.default_xml_generator());
  }
  listeners.Append(new RankFailureReporter(rank, size));

  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any_failed = failed;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any_failed;
}
