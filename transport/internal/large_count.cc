#include "pkl5/transport/internal/large_count.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::transport_internal {

absl::StatusOr<ByteLayout> ByteLayout::Create(size_t bytes,
                                              size_t block_bytes) {
  if (block_bytes == 0 || block_bytes > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat("large-count block size must be 1..", INT_MAX,
                     " bytes, not ", block_bytes));
  }
  if (bytes <= block_bytes) {
    return ByteLayout(bytes, static_cast<int>(bytes), MPI_BYTE);
  }
  const size_t blocks = bytes / block_bytes;
  const size_t remainder = bytes % block_bytes;
  if (blocks > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat(bytes, " bytes need ", blocks, " blocks of ", block_bytes,
                     ", more than MPI's int count allows"));
  }
  MPI_Datatype vector = MPI_DATATYPE_NULL;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Type_vector(static_cast<int>(blocks), static_cast<int>(block_bytes),
                      static_cast<int>(block_bytes), MPI_BYTE, &vector),
      "MPI_Type_vector"));
  MPI_Datatype type = vector;
  if (remainder > 0) {
    const int lengths[2] = {1, static_cast<int>(remainder)};
    const MPI_Aint displacements[2] = {
        0, static_cast<MPI_Aint>(blocks * block_bytes)};
    const MPI_Datatype types[2] = {vector, MPI_BYTE};
    const absl::Status status = base_internal::MpiCallStatus(
        MPI_Type_create_struct(2, lengths, displacements, types, &type),
        "MPI_Type_create_struct");
    // The struct holds its own reference to the vector.
    MPI_Type_free(&vector);
    PKL5_RETURN_IF_ERROR(status);
  }
  if (absl::Status status = base_internal::MpiCallStatus(MPI_Type_commit(&type),
                                                         "MPI_Type_commit");
      !status.ok()) {
    MPI_Type_free(&type);
    return status;
  }
  return ByteLayout(bytes, 1, type);
}

ByteLayout::ByteLayout(ByteLayout&& other) noexcept
    : bytes_(other.bytes_),
      count_(other.count_),
      type_(std::exchange(other.type_, MPI_BYTE)) {}

ByteLayout& ByteLayout::operator=(ByteLayout&& other) noexcept {
  if (this != &other) {
    if (is_derived() && !base_internal::MpiFinalized()) MPI_Type_free(&type_);
    bytes_ = other.bytes_;
    count_ = other.count_;
    type_ = std::exchange(other.type_, MPI_BYTE);
  }
  return *this;
}

ByteLayout::~ByteLayout() {
  if (is_derived() && !base_internal::MpiFinalized()) MPI_Type_free(&type_);
}

absl::Status ByteLayout::CheckReceived(const MPI_Status& status) const {
  MPI_Count received = 0;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Get_elements_x(&status, type_, &received), "MPI_Get_elements_x"));
  if (received == MPI_UNDEFINED || static_cast<size_t>(received) != bytes_) {
    return absl::DataLossError(
        absl::StrCat("received ", received == MPI_UNDEFINED ? -1 : received,
                     " bytes where ", bytes_, " were announced"));
  }
  return absl::OkStatus();
}

}  // namespace pkl5::transport_internal
