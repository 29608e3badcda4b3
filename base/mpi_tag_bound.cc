#include "pkl5/base/mpi_tag_bound.h"

namespace pkl5::base_internal {

int TagUpperBound(MPI_Comm comm) {
  int* tag_ub = nullptr;
  int found = 0;
  MPI_Comm_get_attr(comm, MPI_TAG_UB, &tag_ub, &found);
  return found && tag_ub != nullptr ? *tag_ub : 32767;
}

}  // namespace pkl5::base_internal
