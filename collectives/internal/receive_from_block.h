// Decoding one object of a collective from its block and its parts.
#ifndef PKL5_COLLECTIVES_INTERNAL_RECEIVE_FROM_BLOCK_H_
#define PKL5_COLLECTIVES_INTERNAL_RECEIVE_FROM_BLOCK_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pkl5/collectives/internal/parts.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/serialization/options.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/transport/internal/discard_buffer.h"
#include "pkl5/transport/internal/envelope.h"

namespace pkl5::collectives_internal {

// Where the next part of an object lands.
struct PartSlot {
  void* data = nullptr;
  size_t size = 0;
};

// Decodes the object whose block is `block` into `target`, one part at a
// time, without receiving anything itself: Next() says where the next
// part must land, and is called again once it has. So a blocking receive
// (ReceiveFromBlock) and a nonblocking collective share one decoder.
//
// An error block ends it at once with the error (no parts follow one).
// When decoding fails after the block (another type, over
// `options.max_object_bytes`, corrupt), the remaining parts are still
// asked for, into memory that is dropped, so every rank of a collective
// makes the same MPI calls and the next collective is intact.
class ObjectAssembler {
 public:
  // `block` must stay alive while the assembler is used.
  ObjectAssembler(absl::string_view block, comm_internal::DecodeTarget& target,
                  const DecodeOptions& options);
  // Not movable: a slot handed out may point into it.
  ObjectAssembler(const ObjectAssembler&) = delete;
  ObjectAssembler& operator=(const ObjectAssembler&) = delete;

  // Where the next part lands, or std::nullopt when none is left: the
  // object is decoded, or status() says why not. Pieces inside the block
  // are taken in passing.
  std::optional<PartSlot> Next();
  // Final once Next returned std::nullopt.
  const absl::Status& status() const { return status_; }

 private:
  enum class Stage { kTable, kHeader, kInband, kBuffers, kSkip, kDone };
  // Piece `next_` into `data`: copied when inline (std::nullopt), else the
  // slot to receive it into.
  std::optional<PartSlot> Take(void* data);
  // Validates the sizes, parses the header and starts decoding.
  absl::Status Begin();
  void Fail(absl::Status status);

  comm_internal::DecodeTarget* target_;
  DecodeOptions options_;
  transport_internal::EnvelopeInfo info_;
  Stage stage_ = Stage::kDone;
  absl::Status status_;
  std::vector<uint64_t> sizes_;
  size_t next_ = 0;
  size_t inline_offset_ = 0;
  std::string header_;
  std::optional<FrameHeader> parsed_;  // of header_
  std::string inband_;
  std::vector<LandingZone> zones_;
  size_t zone_ = 0;
  std::optional<transport_internal::DiscardBuffer> sink_;
};

// Receives the object whose block is `block` into `target` (see
// ObjectAssembler), its parts arriving from `parts` straight into their
// landing zones.
absl::Status ReceiveFromBlock(absl::string_view block,
                              comm_internal::DecodeTarget& target,
                              const DecodeOptions& options, PartSource& parts);

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_RECEIVE_FROM_BLOCK_H_
