// An intracommunicator (mpi4py.util.pkl5.Intracomm): one group whose ranks
// exchange objects.
#ifndef PKL5_COMM_INTRACOMM_H_
#define PKL5_COMM_INTRACOMM_H_

#include <mpi.h>

#include <memory>

#include "absl/status/statusor.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/options.h"
#include "pkl5/transport/transport.h"

namespace pkl5 {

class Intracomm : public Comm {
 public:
  Intracomm() = default;

  // Wraps `comm`. Collective over `comm`: it duplicates it once for the
  // private channel that carries large parts (as MPI_Comm_dup, every rank
  // must call it, in the same order as other collectives). Leaves `comm`
  // as it is, its error handler included (docs/user_guide.md, "MPI
  // errors"). Does not take ownership: `comm` must outlive the Intracomm
  // and everything made from it. kInvalidArgument on an intercommunicator;
  // kFailedPrecondition before MPI_Init or after MPI_Finalize, or on a
  // thread other than the main one under MPI_THREAD_FUNNELED or below.
  static absl::StatusOr<Intracomm> Create(MPI_Comm comm,
                                          const CommOptions& options = {});
  // A communicator over any transport, e.g. LoopbackWorld's for tests
  // without MPI. CommOptions::transport is not used (the transport has its
  // own).
  static absl::StatusOr<Intracomm> Create(std::shared_ptr<Transport> transport,
                                          const CommOptions& options = {});

 private:
  using Comm::Comm;
};

}  // namespace pkl5

#endif  // PKL5_COMM_INTRACOMM_H_
