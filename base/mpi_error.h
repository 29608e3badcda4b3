// Turns the return code of an MPI call into an `absl::Status`.
//
// The value-returning twin of KaMPIng's THROW_IF_MPI_ERROR: the status names
// the MPI call and carries `MPI_Error_string`, so a user sees
//   "MPI_Send failed: MPI_ERR_RANK: invalid rank"
// instead of an abort. MPI only returns codes on communicators whose error
// handler is `MPI_ERRORS_RETURN`.
//
//   PKL5_RETURN_IF_ERROR(MpiCallStatus(
//       MPI_Send(data, count, MPI_BYTE, dest, tag, comm), "MPI_Send"));
#ifndef PKL5_BASE_MPI_ERROR_H_
#define PKL5_BASE_MPI_ERROR_H_

#include <mpi.h>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pkl5::base_internal {

// Returns OK for `MPI_SUCCESS`; otherwise a status whose message names `call`
// and the MPI error string, and whose code follows the MPI error class:
// bad arguments (rank, tag, count, root, communicator, datatype) are
// `kInvalidArgument`, truncation is `kDataLoss`, exhausted memory or buffer
// space is `kResourceExhausted`, anything else is `kInternal`.
[[nodiscard]] inline absl::Status MpiCallStatus(int mpi_error_code,
                                                absl::string_view call);

// MpiCallStatus of a code that is not MPI_SUCCESS.
[[nodiscard]] absl::Status MpiErrorStatus(int mpi_error_code,
                                          absl::string_view call);

// Inline: every MPI call of pkl5 goes through it, and nearly all succeed.
inline absl::Status MpiCallStatus(int mpi_error_code, absl::string_view call) {
  if (ABSL_PREDICT_TRUE(mpi_error_code == MPI_SUCCESS)) {
    return absl::OkStatus();
  }
  return MpiErrorStatus(mpi_error_code, call);
}

// Whether MPI_Finalize has run. Destructors of pkl5 objects that outlive it
// make no MPI call (any would be erroneous): what was pending is abandoned.
bool MpiFinalized();

}  // namespace pkl5::base_internal

#endif  // PKL5_BASE_MPI_ERROR_H_
