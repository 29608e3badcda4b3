// Byte spans of any size as one MPI message (MPI 3.1 counts are `int`).
//
// Open MPI 4.1 implements MPI 3.1, which has no `MPI_Send_c`: a part larger
// than `INT_MAX` bytes is described by one element of a derived datatype,
// `q` blocks of `block_bytes` (an `MPI_Type_vector`) followed by the `r`
// remaining bytes (together an `MPI_Type_create_struct`), the BigMPI
// technique mpi4py uses. Both sides build the layout from the same byte
// count, and since MPI matches type signatures by their sequence of basic
// types (n x MPI_BYTE), a layout matches a plain MPI_BYTE count of the same
// size too.
//
// Each layout owns its datatype and frees it when destroyed; MPI lets a
// datatype be freed while operations using it are pending, so a layout may
// die right after the operation is posted. No cache is shared between
// threads (mpi4py's is a race): building a type costs microseconds, next to
// the > 2 GiB transfer that needs it.
//
//   PKL5_ASSIGN_OR_RETURN(ByteLayout layout, ByteLayout::Create(size));
//   MPI_Send(data, layout.count(), layout.type(), dest, tag, comm);
#ifndef PKL5_TRANSPORT_INTERNAL_LARGE_COUNT_H_
#define PKL5_TRANSPORT_INTERNAL_LARGE_COUNT_H_

#include <mpi.h>

#include <climits>
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/transport/options.h"

namespace pkl5::transport_internal {

// `count` elements of `type` that cover a span of bytes exactly.
class ByteLayout {
 public:
  // Describes `bytes` bytes: `bytes` x MPI_BYTE when `bytes <= block_bytes`,
  // otherwise one element of a derived type of blocks of `block_bytes`.
  // Tests pass small block sizes to drive the large path with small data.
  // Precondition-like errors: kInvalidArgument for a block size of 0 or
  // above INT_MAX, or more than INT_MAX blocks.
  static absl::StatusOr<ByteLayout> Create(
      size_t bytes, size_t block_bytes = kDefaultBlockBytes);

  ByteLayout(ByteLayout&& other) noexcept;
  ByteLayout& operator=(ByteLayout&& other) noexcept;
  ByteLayout(const ByteLayout&) = delete;
  ByteLayout& operator=(const ByteLayout&) = delete;
  ~ByteLayout();

  int count() const { return count_; }
  MPI_Datatype type() const { return type_; }
  size_t bytes() const { return bytes_; }
  // Whether `type()` is a derived datatype (the large-count path).
  bool is_derived() const { return type_ != MPI_BYTE; }

  // Checks a completed receive with this layout got exactly `bytes()` bytes,
  // counted in 64 bits (`MPI_Get_elements_x`). kDataLoss otherwise: a size
  // mismatch is never silent corruption.
  absl::Status CheckReceived(const MPI_Status& status) const;

 private:
  ByteLayout(size_t bytes, int count, MPI_Datatype type)
      : bytes_(bytes), count_(count), type_(type) {}

  size_t bytes_ = 0;
  int count_ = 0;
  MPI_Datatype type_ = MPI_BYTE;
};

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_LARGE_COUNT_H_
