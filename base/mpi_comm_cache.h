// An object cached on a communicator as an MPI attribute (MPI 3.1 §6.7, the
// mechanism meant for layered libraries): found again by every later call
// on that communicator, deleted when the communicator is freed, and not
// inherited by its duplicates. One attribute key per type T.
//
// Communicators that are never freed (MPI_COMM_WORLD, or a caller's that
// outlives MPI) would keep their objects, and the key, past MPI_Finalize:
// MPI deletes only MPI_COMM_SELF's attributes there. So the cache remembers
// where it stored objects, and when MPI_Finalize starts (the moment it
// deletes MPI_COMM_SELF's attributes, with MPI still usable) deletes those
// that are left and frees its key.
#ifndef PKL5_BASE_MPI_COMM_CACHE_H_
#define PKL5_BASE_MPI_COMM_CACHE_H_

#include <mpi.h>

#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "pkl5/base/mpi_comm.h"
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
    {
      std::lock_guard<std::mutex> lock(state().mutex);
      state().holders.insert(comm);
    }
    return value.release();
  }

 private:
  struct State {
    std::once_flag once;
    int keyval = MPI_KEYVAL_INVALID;
    int code = MPI_SUCCESS;
    std::mutex mutex;
    std::set<MPI_Comm> holders;  // communicators with a T cached
  };
  static State& state() {
    static State* const state = new State();  // used until MPI_Finalize
    return *state;
  }

  static int Delete(MPI_Comm comm, int, void* value, void*) {
    {
      std::lock_guard<std::mutex> lock(state().mutex);
      state().holders.erase(comm);
    }
    delete static_cast<T*>(value);
    return MPI_SUCCESS;
  }

  // At MPI_Finalize: deletes what is still cached, then the key.
  static void ReleaseAll() {
    std::vector<MPI_Comm> holders;
    {
      std::lock_guard<std::mutex> lock(state().mutex);
      holders.assign(state().holders.begin(), state().holders.end());
    }
    for (MPI_Comm comm : holders) {
      // MPI deletes MPI_COMM_SELF's own attributes as it finalizes.
      if (comm != MPI_COMM_SELF) MPI_Comm_delete_attr(comm, state().keyval);
    }
    MPI_Comm_free_keyval(&state().keyval);
  }

  static absl::StatusOr<int> Keyval() {
    State& s = state();
    std::call_once(s.once, [&s] {
      s.code = MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, Delete, &s.keyval,
                                      nullptr);
      if (s.code == MPI_SUCCESS) s.code = CallAtFinalize(&ReleaseAll);
    });
    PKL5_RETURN_IF_ERROR(MpiCallStatus(s.code, "MPI_Comm_create_keyval"));
    return s.keyval;
  }
};

}  // namespace pkl5::base_internal

#endif  // PKL5_BASE_MPI_COMM_CACHE_H_
