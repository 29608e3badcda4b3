#include "pkl5/collectives/internal/context.h"

#include <memory>

#include "pkl5/base/mpi_comm.h"
#include "pkl5/base/mpi_comm_cache.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::collectives_internal {

absl::StatusOr<CollectiveContext*> CollectiveContext::Of(MPI_Comm comm) {
  using Cache = base_internal::CommCache<CollectiveContext>;
  PKL5_ASSIGN_OR_RETURN(CollectiveContext * found, Cache::Find(comm));
  if (found != nullptr) return found;
  PKL5_ASSIGN_OR_RETURN(MPI_Comm dup, base_internal::PrivateDuplicate(comm));
  return Cache::Store(
      comm, std::unique_ptr<CollectiveContext>(
                new CollectiveContext(dup, base_internal::TagUpperBound(dup))));
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
