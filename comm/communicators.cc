// Creation of Intracomm and Intercomm over MPI.
#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/comm/intercomm.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/transport/mpi_transport.h"

namespace pkl5 {
namespace {

// Checks that MPI can be used and that `comm` is of the kind wanted before
// anything collective happens, so a mistake fails on every rank alike
// instead of hanging. Returns the threads that may use the communicator.
absl::StatusOr<comm_internal::ThreadPolicy> CheckCreate(MPI_Comm comm,
                                                        bool inter) {
  PKL5_ASSIGN_OR_RETURN(
      comm_internal::ThreadPolicy threads,
      comm_internal::ThreadPolicy::FromMpi(inter ? "pkl5::Intercomm::Create"
                                                 : "pkl5::Intracomm::Create"));
  if (comm == MPI_COMM_NULL) {
    return absl::InvalidArgumentError(
        "cannot wrap MPI_COMM_NULL in a pkl5 communicator");
  }
  int is_inter = 0;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Comm_test_inter(comm, &is_inter), "MPI_Comm_test_inter"));
  if ((is_inter != 0) != inter) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pkl5::", inter ? "Intercomm" : "Intracomm", "::Create was given an ",
        is_inter ? "inter" : "intra",
        "communicator; use pkl5::", is_inter ? "Intercomm" : "Intracomm"));
  }
  return threads;
}

}  // namespace

absl::StatusOr<Intracomm> Intracomm::Create(MPI_Comm comm,
                                            const CommOptions& options) {
  PKL5_ASSIGN_OR_RETURN(comm_internal::ThreadPolicy threads,
                        CheckCreate(comm, /*inter=*/false));
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<Transport> transport,
                        CreateMpiTransport(comm, options.transport));
  return Intracomm(MakeState(std::move(transport), comm, options, threads));
}

absl::StatusOr<Intracomm> Intracomm::Create(
    std::shared_ptr<Transport> transport, const CommOptions& options) {
  if (transport == nullptr || transport->is_inter()) {
    return absl::InvalidArgumentError(
        "pkl5::Intracomm needs a transport over one group");
  }
  return Intracomm(MakeState(std::move(transport), MPI_COMM_NULL, options));
}

absl::StatusOr<Intercomm> Intercomm::Create(MPI_Comm comm,
                                            const CommOptions& options) {
  PKL5_ASSIGN_OR_RETURN(comm_internal::ThreadPolicy threads,
                        CheckCreate(comm, /*inter=*/true));
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<Transport> transport,
                        CreateMpiTransport(comm, options.transport));
  return Intercomm(MakeState(std::move(transport), comm, options, threads));
}

int Intercomm::remote_size() const { return peer_count(); }

}  // namespace pkl5
