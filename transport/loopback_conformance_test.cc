// The transport conformance suite on the loopback transport: each rank is a
// thread. Runs without mpirun, so under tsan too.
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/testing/transport_conformance.h"
#include "pkl5/transport/loopback_transport.h"

namespace pkl5::internal_testing {
namespace {

class LoopbackEnvironment : public ConformanceEnvironment {
 public:
  LoopbackEnvironment(LoopbackWorld& world, int rank)
      : world_(world), rank_(rank) {}
  Transport& transport() override { return world_.transport(rank_); }
  int rank() const override { return rank_; }
  int size() const override { return world_.size(); }
  void Barrier() override { world_.Barrier(); }

 private:
  LoopbackWorld& world_;
  int rank_;
};

class LoopbackConformanceTest
    : public ::testing::TestWithParam<std::tuple<ConformanceCase, int>> {};

TEST_P(LoopbackConformanceTest, Conforms) {
  const auto& [conformance_case, size] = GetParam();
  LoopbackWorld world(size);
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < size; ++rank) {
    ranks.emplace_back([&world, rank, run = conformance_case.run] {
      LoopbackEnvironment environment(world, rank);
      run(environment);
      environment.Barrier();
    });
  }
  for (std::thread& rank : ranks) rank.join();
  EXPECT_EQ(world.UnreceivedCount(), 0u) << "a message was left behind";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LoopbackConformanceTest,
    ::testing::Combine(::testing::ValuesIn(ConformanceCases()),
                       ::testing::Values(1, 2, 3, 5)),
    [](const ::testing::TestParamInfo<std::tuple<ConformanceCase, int>>&
           param_info) {
      return std::string(std::get<0>(param_info.param).name) + "_" +
             std::to_string(std::get<1>(param_info.param)) + "ranks";
    });

}  // namespace
}  // namespace pkl5::internal_testing
