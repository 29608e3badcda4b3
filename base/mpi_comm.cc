#include "pkl5/base/mpi_comm.h"

#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::base_internal {

int TagUpperBound(MPI_Comm comm) {
  int* tag_ub = nullptr;
  int found = 0;
  MPI_Comm_get_attr(comm, MPI_TAG_UB, &tag_ub, &found);
  return found && tag_ub != nullptr ? *tag_ub : 32767;
}

absl::StatusOr<MPI_Comm> PrivateDuplicate(MPI_Comm comm) {
  MPI_Comm duplicate = MPI_COMM_NULL;
  PKL5_RETURN_IF_ERROR(
      MpiCallStatus(MPI_Comm_dup(comm, &duplicate), "MPI_Comm_dup"));
  MPI_Comm_set_errhandler(duplicate, MPI_ERRORS_RETURN);
  return duplicate;
}

int CallAtFinalize(void (*function)()) {
  const auto call = [](MPI_Comm, int, void* value, void*) {
    reinterpret_cast<void (*)()>(value)();
    return MPI_SUCCESS;
  };
  int keyval = MPI_KEYVAL_INVALID;
  int code =
      MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, call, &keyval, nullptr);
  if (code != MPI_SUCCESS) return code;
  code = MPI_Comm_set_attr(MPI_COMM_SELF, keyval,
                           reinterpret_cast<void*>(function));
  // The attribute keeps the key alive until MPI deletes it.
  MPI_Comm_free_keyval(&keyval);
  return code;
}

}  // namespace pkl5::base_internal
