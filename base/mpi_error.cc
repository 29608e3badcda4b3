#include "pkl5/base/mpi_error.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace pkl5::base_internal {
namespace {

absl::StatusCode CodeForErrorClass(int error_class) {
  switch (error_class) {
    case MPI_ERR_ARG:
    case MPI_ERR_COMM:
    case MPI_ERR_COUNT:
    case MPI_ERR_RANK:
    case MPI_ERR_ROOT:
    case MPI_ERR_TAG:
    case MPI_ERR_TYPE:
      return absl::StatusCode::kInvalidArgument;
    case MPI_ERR_TRUNCATE:
      return absl::StatusCode::kDataLoss;
    case MPI_ERR_BUFFER:
    case MPI_ERR_NO_MEM:
      return absl::StatusCode::kResourceExhausted;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status MpiErrorStatus(int mpi_error_code, absl::string_view call) {
  int error_class = MPI_ERR_UNKNOWN;
  if (MPI_Error_class(mpi_error_code, &error_class) != MPI_SUCCESS) {
    error_class = MPI_ERR_UNKNOWN;
  }
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(mpi_error_code, text, &length) != MPI_SUCCESS) {
    length = 0;
  }
  return absl::Status(
      CodeForErrorClass(error_class),
      absl::StrCat(call, " failed: ",
                   length > 0
                       ? absl::string_view(text, static_cast<size_t>(length))
                       : absl::string_view("unknown MPI error"),
                   " (MPI error code ", mpi_error_code, ")"));
}

bool MpiFinalized() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  return finalized != 0;
}

}  // namespace pkl5::base_internal
