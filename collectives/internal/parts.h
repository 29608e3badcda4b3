// Moving the parts that follow a block (the pieces of an object too large
// for it), zero-copy and at any size (large counts through ByteLayout).
#ifndef PKL5_COLLECTIVES_INTERNAL_PARTS_H_
#define PKL5_COLLECTIVES_INTERNAL_PARTS_H_

#include <mpi.h>

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "pkl5/transport/internal/envelope.h"

namespace pkl5::collectives_internal {

// Where the parts of one object come from, in order.
class PartSource {
 public:
  virtual ~PartSource() = default;
  // Receives the next part, of exactly `size` bytes, into `data`.
  virtual absl::Status Receive(void* data, size_t size) = 0;
};

// Parts broadcast by `root` (MPI_Bcast; `root` as MPI takes it).
class BcastSource final : public PartSource {
 public:
  BcastSource(MPI_Comm comm, int root, size_t block_bytes)
      : comm_(comm), root_(root), block_bytes_(block_bytes) {}
  absl::Status Receive(void* data, size_t size) override;

 private:
  MPI_Comm comm_;
  int root_;
  size_t block_bytes_;
};

// Parts sent by `source` with `tag` (MPI_Recv).
class RecvSource final : public PartSource {
 public:
  RecvSource(MPI_Comm comm, int source, int tag, size_t block_bytes)
      : comm_(comm), source_(source), tag_(tag), block_bytes_(block_bytes) {}
  absl::Status Receive(void* data, size_t size) override;

 private:
  MPI_Comm comm_;
  int source_;
  int tag_;
  size_t block_bytes_;
};

// Parts this rank has at hand (its own object in a gather, say): copied.
class LocalSource final : public PartSource {
 public:
  explicit LocalSource(absl::Span<const ConstPiece> parts) : parts_(parts) {}
  absl::Status Receive(void* data, size_t size) override;

 private:
  absl::Span<const ConstPiece> parts_;
  size_t next_ = 0;
};

// The sending side of BcastSource: broadcasts each part from this rank.
absl::Status BcastParts(absl::Span<const ConstPiece> parts, MPI_Comm comm,
                        int root, size_t block_bytes);

// The nonblocking BcastParts: posts an MPI_Ibcast of each part from this
// rank, appending the requests to `requests`.
absl::Status IbcastParts(absl::Span<const ConstPiece> parts, MPI_Comm comm,
                         int root, size_t block_bytes,
                         std::vector<MPI_Request>& requests);

// The sending side of RecvSource: posts a send of each part, appending the
// requests to `requests`.
absl::Status IsendParts(absl::Span<const ConstPiece> parts, MPI_Comm comm,
                        int dest, int tag, size_t block_bytes,
                        std::vector<MPI_Request>& requests);

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_PARTS_H_
