// What pkl5 asks of and makes from a communicator: its tag bound and
// private duplicates.
#ifndef PKL5_BASE_MPI_COMM_H_
#define PKL5_BASE_MPI_COMM_H_

#include <mpi.h>

#include "absl/status/statusor.h"

namespace pkl5::base_internal {

// MPI_TAG_UB of `comm`, or 32767 (the least MPI guarantees) if MPI does
// not say.
int TagUpperBound(MPI_Comm comm);

// A duplicate of `comm` (collective, as MPI_Comm_dup) that pkl5 owns, with
// MPI_ERRORS_RETURN so that its errors become statuses. `comm` itself is
// left as it is.
absl::StatusOr<MPI_Comm> PrivateDuplicate(MPI_Comm comm);

// Has MPI call `function` when MPI_Finalize starts, while every MPI call is
// still allowed (an attribute of MPI_COMM_SELF, MPI 3.1 §8.7.1). Returns
// MPI's error code.
int CallAtFinalize(void (*function)());

}  // namespace pkl5::base_internal

#endif  // PKL5_BASE_MPI_COMM_H_
