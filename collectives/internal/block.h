// The fixed-size block that opens every object in a collective. Because it
// has one size on every rank, native MPI collectives (MPI_Bcast,
// MPI_Gather, MPI_Scatter, MPI_Allgather, MPI_Alltoall) move the blocks of
// all objects at once. A block holds either the object's envelope (which
// carries the whole object when it is small) or an error, so a failure at
// a sender reaches every receiver instead of leaving it waiting.
#ifndef PKL5_COLLECTIVES_INTERNAL_BLOCK_H_
#define PKL5_COLLECTIVES_INTERNAL_BLOCK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "pkl5/serialization/options.h"
#include "pkl5/transport/internal/envelope.h"

namespace pkl5::collectives_internal {

// Chosen with bench/collectives_bench (2 ranks, Open MPI 4.1 shared
// memory): a bcast of an 8-byte object took 0.42 us with 256-byte blocks
// (within Open MPI's 256-byte inline send), 3.2 us with 1 KiB blocks and
// 3.5 us with 4000-byte ones. Objects of up to ~120 bytes (a scalar, a
// short string; the frame header takes ~80) travel inside; larger ones send
// their other pieces after it.
inline constexpr size_t kBlockBytes = 256;

// Writes the block of an object made of `pieces` into `block` (kBlockBytes)
// and returns the parts that must follow it, in order: the piece size
// table when it did not fit, then every piece that did not fit.
// `table` keeps the table's bytes alive.
std::vector<ConstPiece> WriteObjectBlock(absl::Span<const ConstPiece> pieces,
                                         char* block,
                                         std::vector<uint64_t>& table);

// The check every sender makes before anything travels: receivers would
// reject an object over `decode.max_object_bytes`, so the sender sends
// this kResourceExhausted to all of them instead.
absl::Status CheckObjectSize(absl::Span<const ConstPiece> pieces,
                             const DecodeOptions& decode);

// Writes a block that carries `error` (not OK) instead of an object.
void WriteErrorBlock(const absl::Status& error, char* block);

// Reads a block: the envelope of an object (whose inline bytes point into
// `block`), or the error it carries, or kDataLoss if it is neither.
absl::StatusOr<transport_internal::EnvelopeInfo> ReadBlock(
    absl::string_view block);

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_BLOCK_H_
