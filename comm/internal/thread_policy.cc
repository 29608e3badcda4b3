#include "pkl5/comm/internal/thread_policy.h"

#include <mpi.h>

#include "absl/strings/str_cat.h"

namespace pkl5::comm_internal {
namespace {

const char* LevelName(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE:
      return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED:
      return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED:
      return "MPI_THREAD_SERIALIZED";
    default:
      return "MPI_THREAD_MULTIPLE";
  }
}

}  // namespace

absl::StatusOr<ThreadPolicy> ThreadPolicy::FromMpi(const char* creator) {
  // MPI_Initialized, MPI_Finalized and MPI_Query_thread may be called at
  // any time, from any thread.
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) {
    return absl::FailedPreconditionError(absl::StrCat(
        creator, " needs MPI: call MPI_Init_thread (or MPI_Init) first and ",
        "MPI_Finalize only after every pkl5 object is gone; MPI is ",
        finalized ? "already finalized" : "not initialized"));
  }
  ThreadPolicy policy;
  MPI_Query_thread(&policy.provided_);
  policy.concurrent_ = policy.provided_ >= MPI_THREAD_MULTIPLE;
  if (policy.provided_ >= MPI_THREAD_SERIALIZED) return policy;
  int is_main = 0;
  MPI_Is_thread_main(&is_main);
  policy.main_thread_only_ = true;
  if (!is_main) return policy.WrongThread();
  policy.main_thread_ = std::this_thread::get_id();
  return policy;
}

absl::Status ThreadPolicy::WrongThread() const {
  return absl::FailedPreconditionError(absl::StrCat(
      "pkl5 was called from a thread other than the main thread, but MPI ",
      "was initialized with ", LevelName(provided_),
      ", under which only the main thread may call MPI: initialize it with ",
      "MPI_Init_thread(..., MPI_THREAD_SERIALIZED, ...) for calls from any ",
      "one thread at a time, or MPI_THREAD_MULTIPLE for concurrent calls"));
}

}  // namespace pkl5::comm_internal
