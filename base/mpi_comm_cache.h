// An object cached on a communicator as an MPI attribute (MPI 3.1 §6.7, the
// mechanism meant for layered libraries): found again by every later call
// on that communicator, deleted when the communicator is freed, and not
// inherited by its duplicates. One attribute key per type T.
#ifndef PKL5_BASE_MPI_COMM_CACHE_H_
#define PKL5_BASE_MPI_COMM_CACHE_H_

#include <mpi.h>

#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::base_internal {

template <typename T>
class CommCache {
 public:
  // The T cached on `comm`, or nullptr when there is none.
  static absl::StatusOr<T*> Find(MPI_Comm comm) {
    PKL5_ASSIGN_OR_RETURN(const int keyval, Keyval());
    void* value = nullptr;
    int found = 0;
    PKL5_RETURN_IF_ERROR(MpiCallStatus(
        MPI_Comm_get_attr(comm, keyval, &value, &found), "MPI_Comm_get_attr"));
    return found ? static_cast<T*>(value) : nullptr;
  }

  // Caches `value` on `comm`, which then owns it; on failure `value` is
  // deleted.
  static absl::StatusOr<T*> Store(MPI_Comm comm, std::unique_ptr<T> value) {
    PKL5_ASSIGN_OR_RETURN(const int keyval, Keyval());
    PKL5_RETURN_IF_ERROR(MpiCallStatus(
        MPI_Comm_set_attr(comm, keyval, value.get()), "MPI_Comm_set_attr"));
    return value.release();
  }

 private:
  static int Delete(MPI_Comm, int, void* value, void*) {
    delete static_cast<T*>(value);
    return MPI_SUCCESS;
  }

  static absl::StatusOr<int> Keyval() {
    static int keyval = MPI_KEYVAL_INVALID;
    static int code = MPI_SUCCESS;
    static std::once_flag once;
    std::call_once(once, [] {
      code = MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, Delete, &keyval,
                                    nullptr);
    });
    PKL5_RETURN_IF_ERROR(MpiCallStatus(code, "MPI_Comm_create_keyval"));
    return keyval;
  }
};

}  // namespace pkl5::base_internal

#endif  // PKL5_BASE_MPI_COMM_CACHE_H_
