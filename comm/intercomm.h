// An intercommunicator (mpi4py.util.pkl5.Intercomm): two groups; every
// rank given to a send or receive names a rank of the remote group.
#ifndef PKL5_COMM_INTERCOMM_H_
#define PKL5_COMM_INTERCOMM_H_

#include <mpi.h>

#include "absl/status/statusor.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/options.h"

namespace pkl5 {

class Intercomm : public Comm {
 public:
  Intercomm() = default;

  // Wraps `comm`, collectively over both groups (see Intracomm::Create).
  // kInvalidArgument on an intracommunicator.
  static absl::StatusOr<Intercomm> Create(MPI_Comm comm,
                                          const CommOptions& options = {});

  // The size of the remote group.
  int remote_size() const;

 private:
  using Comm::Comm;
};

}  // namespace pkl5

#endif  // PKL5_COMM_INTERCOMM_H_
