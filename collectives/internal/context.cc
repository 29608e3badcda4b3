#include "pkl5/collectives/internal/context.h"

#include <mutex>

#include "pkl5/base/mpi_error.h"
#include "pkl5/base/mpi_tag_bound.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::collectives_internal {
namespace {

int DeleteContext(MPI_Comm, int, void* context, void*) {
  delete static_cast<CollectiveContext*>(context);
  return MPI_SUCCESS;
}

absl::StatusOr<int> Keyval() {
  static int keyval = MPI_KEYVAL_INVALID;
  static int code = MPI_SUCCESS;
  static std::once_flag once;
  std::call_once(once, [] {
    code = MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, DeleteContext, &keyval,
                                  nullptr);
  });
  PKL5_RETURN_IF_ERROR(
      base_internal::MpiCallStatus(code, "MPI_Comm_create_keyval"));
  return keyval;
}

}  // namespace

absl::StatusOr<CollectiveContext*> CollectiveContext::Of(MPI_Comm comm) {
  PKL5_ASSIGN_OR_RETURN(const int keyval, Keyval());
  void* value = nullptr;
  int found = 0;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Comm_get_attr(comm, keyval, &value, &found), "MPI_Comm_get_attr"));
  if (found) return static_cast<CollectiveContext*>(value);
  MPI_Comm dup = MPI_COMM_NULL;
  PKL5_RETURN_IF_ERROR(
      base_internal::MpiCallStatus(MPI_Comm_dup(comm, &dup), "MPI_Comm_dup"));
  MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
  auto* context = new CollectiveContext(dup, base_internal::TagUpperBound(dup));
  if (absl::Status status = base_internal::MpiCallStatus(
          MPI_Comm_set_attr(comm, keyval, context), "MPI_Comm_set_attr");
      !status.ok()) {
    delete context;
    return status;
  }
  return context;
}

CollectiveContext::~CollectiveContext() {
  if (!base_internal::MpiFinalized()) MPI_Comm_free(&comm_);
}

int CollectiveContext::NextTag() {
  const int tag = next_tag_;
  next_tag_ = next_tag_ == tag_bound_ ? 0 : next_tag_ + 1;
  return tag;
}

}  // namespace pkl5::collectives_internal
