#include "pkl5/testing/mpi_handle_counter.h"

#include <mpi.h>

#include <atomic>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace pkl5::internal_testing {
namespace {

std::atomic<int64_t> live_communicators{0};
std::atomic<int64_t> live_datatypes{0};
std::atomic<int64_t> created_communicators{0};
std::atomic<int64_t> created_datatypes{0};
std::atomic<int64_t> created_requests{0};

// Requests are tracked by handle: a completed one is set to
// MPI_REQUEST_NULL in the caller's variable, so the handle must be known
// before the completing call.
std::mutex& RequestsMutex() {
  static std::mutex* const mutex = new std::mutex;
  return *mutex;
}
std::unordered_set<MPI_Request>& Requests() {
  static auto* const requests = new std::unordered_set<MPI_Request>;
  return *requests;
}

void Created(int result, MPI_Request request) {
  if (result != MPI_SUCCESS || request == MPI_REQUEST_NULL) return;
  ++created_requests;
  std::lock_guard<std::mutex> lock(RequestsMutex());
  Requests().insert(request);
}

void Completed(MPI_Request before, MPI_Request after) {
  if (before == MPI_REQUEST_NULL || after != MPI_REQUEST_NULL) return;
  std::lock_guard<std::mutex> lock(RequestsMutex());
  Requests().erase(before);
}

void NewCommunicator(int result) {
  if (result != MPI_SUCCESS) return;
  ++live_communicators;
  ++created_communicators;
}

void NewDatatype(int result) {
  if (result != MPI_SUCCESS) return;
  ++live_datatypes;
  ++created_datatypes;
}

}  // namespace

MpiHandles LiveMpiHandles() {
  std::lock_guard<std::mutex> lock(RequestsMutex());
  return MpiHandles{live_communicators.load(), live_datatypes.load(),
                    static_cast<int64_t>(Requests().size())};
}

MpiHandles CreatedMpiHandles() {
  return MpiHandles{created_communicators.load(), created_datatypes.load(),
                    created_requests.load()};
}

}  // namespace pkl5::internal_testing

using pkl5::internal_testing::Completed;
using pkl5::internal_testing::Created;
using pkl5::internal_testing::NewCommunicator;
using pkl5::internal_testing::NewDatatype;

extern "C" {

int MPI_Comm_dup(MPI_Comm comm, MPI_Comm* newcomm) {
  const int result = PMPI_Comm_dup(comm, newcomm);
  NewCommunicator(result);
  return result;
}

int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm* newcomm) {
  const int result = PMPI_Comm_split(comm, color, key, newcomm);
  if (*newcomm != MPI_COMM_NULL) NewCommunicator(result);
  return result;
}

int MPI_Intercomm_create(MPI_Comm local_comm, int local_leader,
                         MPI_Comm peer_comm, int remote_leader, int tag,
                         MPI_Comm* newintercomm) {
  const int result = PMPI_Intercomm_create(local_comm, local_leader, peer_comm,
                                           remote_leader, tag, newintercomm);
  NewCommunicator(result);
  return result;
}

int MPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm* newintracomm) {
  const int result = PMPI_Intercomm_merge(intercomm, high, newintracomm);
  NewCommunicator(result);
  return result;
}

int MPI_Comm_free(MPI_Comm* comm) {
  const int result = PMPI_Comm_free(comm);
  if (result == MPI_SUCCESS) --pkl5::internal_testing::live_communicators;
  return result;
}

int MPI_Type_contiguous(int count, MPI_Datatype oldtype,
                        MPI_Datatype* newtype) {
  const int result = PMPI_Type_contiguous(count, oldtype, newtype);
  NewDatatype(result);
  return result;
}

int MPI_Type_vector(int count, int blocklength, int stride,
                    MPI_Datatype oldtype, MPI_Datatype* newtype) {
  const int result =
      PMPI_Type_vector(count, blocklength, stride, oldtype, newtype);
  NewDatatype(result);
  return result;
}

int MPI_Type_create_struct(int count, const int blocklengths[],
                           const MPI_Aint displacements[],
                           const MPI_Datatype types[], MPI_Datatype* newtype) {
  const int result = PMPI_Type_create_struct(count, blocklengths, displacements,
                                             types, newtype);
  NewDatatype(result);
  return result;
}

int MPI_Type_free(MPI_Datatype* type) {
  const int result = PMPI_Type_free(type);
  if (result == MPI_SUCCESS) --pkl5::internal_testing::live_datatypes;
  return result;
}

int MPI_Isend(const void* buf, int count, MPI_Datatype datatype, int dest,
              int tag, MPI_Comm comm, MPI_Request* request) {
  const int result = PMPI_Isend(buf, count, datatype, dest, tag, comm, request);
  Created(result, *request);
  return result;
}

int MPI_Issend(const void* buf, int count, MPI_Datatype datatype, int dest,
               int tag, MPI_Comm comm, MPI_Request* request) {
  const int result =
      PMPI_Issend(buf, count, datatype, dest, tag, comm, request);
  Created(result, *request);
  return result;
}

int MPI_Irecv(void* buf, int count, MPI_Datatype datatype, int source, int tag,
              MPI_Comm comm, MPI_Request* request) {
  const int result =
      PMPI_Irecv(buf, count, datatype, source, tag, comm, request);
  Created(result, *request);
  return result;
}

int MPI_Ibarrier(MPI_Comm comm, MPI_Request* request) {
  const int result = PMPI_Ibarrier(comm, request);
  Created(result, *request);
  return result;
}

// The nonblocking collectives pkl5's nonblocking collectives post.
int MPI_Ibcast(void* buffer, int count, MPI_Datatype datatype, int root,
               MPI_Comm comm, MPI_Request* request) {
  const int result = PMPI_Ibcast(buffer, count, datatype, root, comm, request);
  Created(result, *request);
  return result;
}

int MPI_Igather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                void* recvbuf, int recvcount, MPI_Datatype recvtype, int root,
                MPI_Comm comm, MPI_Request* request) {
  const int result = PMPI_Igather(sendbuf, sendcount, sendtype, recvbuf,
                                  recvcount, recvtype, root, comm, request);
  Created(result, *request);
  return result;
}

int MPI_Iscatter(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                 void* recvbuf, int recvcount, MPI_Datatype recvtype, int root,
                 MPI_Comm comm, MPI_Request* request) {
  const int result = PMPI_Iscatter(sendbuf, sendcount, sendtype, recvbuf,
                                   recvcount, recvtype, root, comm, request);
  Created(result, *request);
  return result;
}

int MPI_Iallgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                   void* recvbuf, int recvcount, MPI_Datatype recvtype,
                   MPI_Comm comm, MPI_Request* request) {
  const int result = PMPI_Iallgather(sendbuf, sendcount, sendtype, recvbuf,
                                     recvcount, recvtype, comm, request);
  Created(result, *request);
  return result;
}

int MPI_Ialltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                  void* recvbuf, int recvcount, MPI_Datatype recvtype,
                  MPI_Comm comm, MPI_Request* request) {
  const int result = PMPI_Ialltoall(sendbuf, sendcount, sendtype, recvbuf,
                                    recvcount, recvtype, comm, request);
  Created(result, *request);
  return result;
}

int MPI_Iallreduce(const void* sendbuf, void* recvbuf, int count,
                   MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                   MPI_Request* request) {
  const int result =
      PMPI_Iallreduce(sendbuf, recvbuf, count, datatype, op, comm, request);
  Created(result, *request);
  return result;
}

int MPI_Wait(MPI_Request* request, MPI_Status* status) {
  const MPI_Request before = *request;
  const int result = PMPI_Wait(request, status);
  Completed(before, *request);
  return result;
}

int MPI_Test(MPI_Request* request, int* flag, MPI_Status* status) {
  const MPI_Request before = *request;
  const int result = PMPI_Test(request, flag, status);
  Completed(before, *request);
  return result;
}

int MPI_Waitall(int count, MPI_Request requests[], MPI_Status statuses[]) {
  const std::vector<MPI_Request> before(requests, requests + count);
  const int result = PMPI_Waitall(count, requests, statuses);
  for (int i = 0; i < count; ++i)
    Completed(before[static_cast<size_t>(i)], requests[i]);
  return result;
}

int MPI_Testall(int count, MPI_Request requests[], int* flag,
                MPI_Status statuses[]) {
  const std::vector<MPI_Request> before(requests, requests + count);
  const int result = PMPI_Testall(count, requests, flag, statuses);
  for (int i = 0; i < count; ++i)
    Completed(before[static_cast<size_t>(i)], requests[i]);
  return result;
}

}  // extern "C"
