// The transport conformance suite on the MPI transport, under mpirun.
#include <mpi.h>

#include <memory>

#include "gtest/gtest.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/transport_conformance.h"
#include "pkl5/transport/mpi_transport.h"

namespace pkl5::internal_testing {
namespace {

class MpiEnvironment : public ConformanceEnvironment {
 public:
  MpiEnvironment(MPI_Comm comm, Transport& transport)
      : comm_(comm), transport_(transport) {}
  Transport& transport() override { return transport_; }
  int rank() const override { return transport_.rank(); }
  int size() const override { return transport_.peer_count(); }
  void Barrier() override { MPI_Barrier(comm_); }

 private:
  MPI_Comm comm_;
  Transport& transport_;
};

class MpiConformanceTest : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(MpiConformanceTest, Conforms) {
  MPI_Comm comm = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  {
    absl::StatusOr<std::unique_ptr<Transport>> transport =
        CreateMpiTransport(comm);
    ASSERT_THAT(transport, IsOk());
    MpiEnvironment environment(comm, **transport);
    MPI_Barrier(comm);
    GetParam().run(environment);
    MPI_Barrier(comm);
    int pending = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &pending, MPI_STATUS_IGNORE);
    EXPECT_FALSE(pending) << "a message was left behind";
  }
  MPI_Comm_free(&comm);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MpiConformanceTest, ::testing::ValuesIn(ConformanceCases()),
    [](const ::testing::TestParamInfo<ConformanceCase>& param_info) {
      return std::string(param_info.param.name);
    });

}  // namespace
}  // namespace pkl5::internal_testing
