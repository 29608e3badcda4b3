// Counts the MPI handles a program holds, for tests that prove pkl5 leaks
// none: link `//testing:mpi_handle_counter` into an MPI test and compare
// LiveMpiHandles() before and after some traffic.
//
// It works through MPI's profiling interface: this library defines the
// handle-creating and handle-freeing MPI functions pkl5 calls (they count,
// then call the PMPI_ versions), so only traffic through those is counted:
// communicators from MPI_Comm_dup/split/Intercomm_create, datatypes from
// MPI_Type_contiguous/vector/create_struct, and requests from
// MPI_Isend/Issend/Irecv until MPI_Wait/Waitall/Test/Testall complete them.
#ifndef PKL5_TESTING_MPI_HANDLE_COUNTER_H_
#define PKL5_TESTING_MPI_HANDLE_COUNTER_H_

#include <cstdint>
#include <ostream>

namespace pkl5::internal_testing {

struct MpiHandles {
  int64_t communicators = 0;
  int64_t datatypes = 0;
  int64_t requests = 0;
  bool operator==(const MpiHandles& other) const {
    return communicators == other.communicators &&
           datatypes == other.datatypes && requests == other.requests;
  }
};

inline std::ostream& operator<<(std::ostream& out, const MpiHandles& h) {
  return out << "{communicators " << h.communicators << ", datatypes "
             << h.datatypes << ", requests " << h.requests << "}";
}

// Handles created and not yet freed (or completed), by this process.
MpiHandles LiveMpiHandles();

// Handles created so far, freed or not: proves the counting saw traffic.
MpiHandles CreatedMpiHandles();

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_MPI_HANDLE_COUNTER_H_
