// The largest tag a communicator accepts.
#ifndef PKL5_BASE_MPI_TAG_BOUND_H_
#define PKL5_BASE_MPI_TAG_BOUND_H_

#include <mpi.h>

namespace pkl5::base_internal {

// MPI_TAG_UB of `comm`, or 32767 (the least MPI guarantees) if MPI does
// not say.
int TagUpperBound(MPI_Comm comm);

}  // namespace pkl5::base_internal

#endif  // PKL5_BASE_MPI_TAG_BOUND_H_
