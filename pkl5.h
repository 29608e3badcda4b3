// pkl5: send any C++ object over MPI, in the manner of mpi4py.util.pkl5.
//
//   #include "pkl5.h"
//
//   struct Snapshot {
//     std::string label;
//     std::map<std::string, int> counters;
//     std::vector<float> field;  // any size: zero copy, far past 2 GiB
//     PKL5_FIELDS(Snapshot, label, counters, field);
//   };
//
//   int main(int argc, char** argv) {
//     int provided;
//     MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
//     {
//       absl::StatusOr<pkl5::Intracomm> comm =
//           pkl5::Intracomm::Create(MPI_COMM_WORLD);  // collective
//       if (!comm.ok()) return 1;
//       if (comm->rank() == 0) {
//         absl::Status sent = comm->send(Snapshot{...}, /*dest=*/1);
//       } else if (comm->rank() == 1) {
//         absl::StatusOr<Snapshot> snapshot = comm->recv<Snapshot>(0);
//       }
//       // Nonblocking, with a receive posted before the send arrives:
//       absl::StatusOr<pkl5::RecvRequest<Snapshot>> request =
//           comm->irecv<Snapshot>(MPI_ANY_SOURCE);
//       ...
//       absl::StatusOr<Snapshot> snapshot = request->wait();
//     }  // pkl5 objects go before MPI_Finalize
//     MPI_Finalize();
//   }
//
// Every call returns absl::Status or absl::StatusOr. See comm/comm.h for
// the point-to-point API (mpi4py.util.pkl5's Comm, Request, Message),
// collectives/collectives.h for bcast, gather, scatter, allgather and
// alltoall, and serialization/serialization.h for the supported types.
#ifndef PKL5_PKL5_H_
#define PKL5_PKL5_H_

#include "collectives/collectives.h"
#include "comm/comm.h"
#include "comm/intercomm.h"
#include "comm/intracomm.h"
#include "comm/message.h"
#include "comm/options.h"
#include "comm/request.h"
#include "comm/status.h"
#include "serialization/serialization.h"

#endif  // PKL5_PKL5_H_
