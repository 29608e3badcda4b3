#include "pkl5/collectives/internal/parts.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/transport/internal/large_count.h"

namespace pkl5::collectives_internal {

absl::Status BcastSource::Receive(void* data, size_t size) {
  PKL5_ASSIGN_OR_RETURN(
      const transport_internal::ByteLayout layout,
      transport_internal::ByteLayout::Create(size, block_bytes_));
  return base_internal::MpiCallStatus(
      MPI_Bcast(data, layout.count(), layout.type(), root_, comm_),
      "MPI_Bcast (pkl5 part)");
}

absl::Status RecvSource::Receive(void* data, size_t size) {
  PKL5_ASSIGN_OR_RETURN(
      const transport_internal::ByteLayout layout,
      transport_internal::ByteLayout::Create(size, block_bytes_));
  MPI_Status status;
  PKL5_RETURN_IF_ERROR(
      base_internal::MpiCallStatus(MPI_Recv(data, layout.count(), layout.type(),
                                            source_, tag_, comm_, &status),
                                   "MPI_Recv (pkl5 part)"));
  return layout.CheckReceived(status);
}

absl::Status LocalSource::Receive(void* data, size_t size) {
  if (next_ >= parts_.size() || parts_[next_].size != size) {
    return absl::InternalError("pkl5 collective: local parts out of step");
  }
  if (size > 0) std::memcpy(data, parts_[next_].data, size);
  ++next_;
  return absl::OkStatus();
}

absl::Status BcastParts(absl::Span<const ConstPiece> parts, MPI_Comm comm,
                        int root, size_t block_bytes) {
  for (const ConstPiece& part : parts) {
    PKL5_ASSIGN_OR_RETURN(
        const transport_internal::ByteLayout layout,
        transport_internal::ByteLayout::Create(part.size, block_bytes));
    // MPI_Bcast takes a non-const buffer; the root only reads it.
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Bcast(const_cast<void*>(part.data), layout.count(), layout.type(),
                  root, comm),
        "MPI_Bcast (pkl5 part)"));
  }
  return absl::OkStatus();
}

absl::Status IbcastParts(absl::Span<const ConstPiece> parts, MPI_Comm comm,
                         int root, size_t block_bytes,
                         std::vector<MPI_Request>& requests) {
  for (const ConstPiece& part : parts) {
    PKL5_ASSIGN_OR_RETURN(
        const transport_internal::ByteLayout layout,
        transport_internal::ByteLayout::Create(part.size, block_bytes));
    MPI_Request request = MPI_REQUEST_NULL;
    // MPI_Ibcast takes a non-const buffer; the root only reads it.
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Ibcast(const_cast<void*>(part.data), layout.count(), layout.type(),
                   root, comm, &request),
        "MPI_Ibcast (pkl5 part)"));
    requests.push_back(request);
  }
  return absl::OkStatus();
}

absl::Status IsendParts(absl::Span<const ConstPiece> parts, MPI_Comm comm,
                        int dest, int tag, size_t block_bytes,
                        std::vector<MPI_Request>& requests) {
  for (const ConstPiece& part : parts) {
    PKL5_ASSIGN_OR_RETURN(
        const transport_internal::ByteLayout layout,
        transport_internal::ByteLayout::Create(part.size, block_bytes));
    MPI_Request request = MPI_REQUEST_NULL;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Isend(part.data, layout.count(), layout.type(), dest, tag, comm,
                  &request),
        "MPI_Isend (pkl5 part)"));
    requests.push_back(request);
  }
  return absl::OkStatus();
}

}  // namespace pkl5::collectives_internal
