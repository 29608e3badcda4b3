// One conformance suite for every Transport: the MPI transport runs it under
// mpirun (mpi_conformance_test), the loopback transport in threads
// (loopback_conformance_test, also under tsan).
//
// Each case runs on every rank at once, SPMD style: it sends to the next
// rank and receives from the previous one (itself on a single rank).
#ifndef PKL5_TESTING_TRANSPORT_CONFORMANCE_H_
#define PKL5_TESTING_TRANSPORT_CONFORMANCE_H_

#include <string>

#include "absl/types/span.h"
#include "pkl5/transport/transport.h"

namespace pkl5::internal_testing {

// One rank's view of the world a case runs in.
class ConformanceEnvironment {
 public:
  virtual ~ConformanceEnvironment() = default;
  virtual Transport& transport() = 0;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Blocks until every rank reached it.
  virtual void Barrier() = 0;
};

struct ConformanceCase {
  const char* name;
  void (*run)(ConformanceEnvironment& environment);
};

// Every case, for INSTANTIATE_TEST_SUITE_P.
absl::Span<const ConformanceCase> ConformanceCases();

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_TRANSPORT_CONFORMANCE_H_
