// Decoding one object of a collective from its block and its parts.
#ifndef PKL5_COLLECTIVES_INTERNAL_RECEIVE_FROM_BLOCK_H_
#define PKL5_COLLECTIVES_INTERNAL_RECEIVE_FROM_BLOCK_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pkl5/collectives/internal/parts.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/serialization/options.h"

namespace pkl5::collectives_internal {

// Decodes the object whose block is `block` into `target`, its parts
// arriving from `parts` straight into their landing zones. An error block
// is returned as the error (no parts follow it). When decoding fails after
// the block (another type, over `options.max_object_bytes`, corrupt), the
// remaining parts are still received and dropped, so every rank of a
// collective makes the same MPI calls and the next collective is intact.
absl::Status ReceiveFromBlock(absl::string_view block,
                              comm_internal::DecodeTarget& target,
                              const DecodeOptions& options, PartSource& parts);

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_RECEIVE_FROM_BLOCK_H_
