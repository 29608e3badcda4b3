#include "pkl5/comm/internal/receive_object.h"

#include <string>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::comm_internal {
namespace {

std::string From(int source, int tag) {
  return absl::StrCat("from rank ", source, " with tag ", tag);
}
std::string From(const ReceivedObject& object) {
  return From(object.source(), object.tag());
}

// What every receive checks first, whether the object's pieces follow or
// it arrived whole: enough pieces for a frame, and a size under the cap.
// CheckPiecesAndSize's errors, out of line.
ABSL_ATTRIBUTE_NOINLINE absl::Status PiecesOrSizeError(
    size_t pieces, uint64_t bytes, int source, int tag,
    const DecodeOptions& options) {
  if (pieces < kFixedPieces) {
    return absl::DataLossError(absl::StrCat(
        "not a pkl5 object: a message of ", pieces, " parts ",
        From(source, tag),
        " (a pkl5 object has a header and in-band bytes); discarded"));
  }
  if (bytes > options.max_object_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a pkl5 object of ", bytes, " bytes ", From(source, tag),
                     " is over DecodeOptions::max_object_bytes (",
                     options.max_object_bytes, "); discarded"));
  }
  return absl::OkStatus();
}

absl::Status CheckPiecesAndSize(size_t pieces, uint64_t bytes, int source,
                                int tag, const DecodeOptions& options) {
  if (ABSL_PREDICT_TRUE(pieces >= kFixedPieces &&
                        bytes <= options.max_object_bytes)) {
    return absl::OkStatus();
  }
  return PiecesOrSizeError(pieces, bytes, source, tag, options);
}

// With `blocking`, receives the buffers before returning (nullptr).
absl::StatusOr<std::unique_ptr<PendingOperation>> Start(
    ReceivedObject& object, DecodeTarget& target, const DecodeOptions& options,
    bool blocking) {
  PKL5_RETURN_IF_ERROR(CheckPiecesAndSize(object.piece_count(),
                                          object.total_bytes(), object.source(),
                                          object.tag(), options));
  PKL5_ASSIGN_OR_RETURN(const std::string header_bytes,
                        object.ReceiveNextAsString());
  PKL5_ASSIGN_OR_RETURN(const FrameHeader header,
                        ParseFrameHeader(header_bytes, options));
  // Before the in-band bytes, which may be large: a mismatch needs none.
  if (absl::Status status = target.CheckType(header); !status.ok()) {
    return absl::Status(
        status.code(), absl::StrCat(status.message(), " (object ", From(object),
                                    ", discarded)"));
  }
  const size_t buffers = object.piece_count() - kFixedPieces;
  if (header.buffer_sizes.size() != buffers) {
    return absl::DataLossError(absl::StrCat(
        "pkl5 object ", From(object), " lists ", header.buffer_sizes.size(),
        " buffers in its header but ", buffers, " in its envelope"));
  }
  PKL5_ASSIGN_OR_RETURN(const std::string inband, object.ReceiveNextAsString());
  PKL5_ASSIGN_OR_RETURN(const std::vector<LandingZone> zones,
                        target.BeginDecode(header, inband, options));
  std::vector<MutablePiece> destinations;
  destinations.reserve(zones.size());
  for (size_t i = 0; i < zones.size(); ++i) {
    if (zones[i].size != object.piece_sizes()[kFixedPieces + i]) {
      return absl::DataLossError(
          absl::StrCat("pkl5 object ", From(object), ": buffer ", i, " has ",
                       object.piece_sizes()[kFixedPieces + i],
                       " bytes but its header says ", zones[i].size));
    }
    destinations.push_back({zones[i].data, zones[i].size});
  }
  if (destinations.empty()) return nullptr;
  if (blocking) {
    PKL5_RETURN_IF_ERROR(object.ReceiveRest(destinations));
    return nullptr;
  }
  return object.StartReceiveRest(destinations);
}

// Start, draining the object if it fails.
absl::StatusOr<std::unique_ptr<PendingOperation>> StartOrDrain(
    ReceivedObject& object, DecodeTarget& target, const DecodeOptions& options,
    bool blocking) {
  if (object.is_null()) return nullptr;
  absl::StatusOr<std::unique_ptr<PendingOperation>> started =
      Start(object, target, options, blocking);
  if (!started.ok() && !object.complete()) {
    if (absl::Status drained = object.Drain(); !drained.ok()) {
      return absl::Status(started.status().code(),
                          absl::StrCat(started.status().message(),
                                       "; draining the rest of it failed too: ",
                                       drained.ToString()));
    }
  }
  return started;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PendingOperation>> StartReceiveObject(
    ReceivedObject& object, DecodeTarget& target,
    const DecodeOptions& options) {
  return StartOrDrain(object, target, options, /*blocking=*/false);
}

absl::Status ReceiveObject(ReceivedObject& object, DecodeTarget& target,
                           const DecodeOptions& options,
                           ReceiveProgress& progress) {
  // When no posted receive needs this rank's progress, the buffers are
  // received blocking, which the transport may window.
  PKL5_ASSIGN_OR_RETURN(
      std::unique_ptr<PendingOperation> rest,
      StartOrDrain(object, target, options,
                   /*blocking=*/!progress.AnyBesides(nullptr)));
  if (rest == nullptr) return absl::OkStatus();
  return WaitAdvancing(
      progress, nullptr, /*self_listed=*/false, [&] { return rest->Test(); },
      [&] { return rest->Wait(); });
}

absl::Status OutOfMemory() {
  return absl::ResourceExhaustedError(
      "out of memory while allocating a received pkl5 object (lower "
      "DecodeOptions::max_object_bytes to reject such objects first)");
}

absl::Status Discarded(const absl::Status& status, int source, int tag) {
  return absl::Status(status.code(),
                      absl::StrCat(status.message(), " (object ",
                                   From(source, tag), ", discarded)"));
}

absl::Status DecodeWholeInGeneral(const WholeObject& object,
                                  DecodeTarget& target,
                                  const DecodeOptions& options) {
  // As Start does for an object whose pieces follow, with every piece in
  // `object.bytes`. The pieces are checked to add up to the bytes (the MPI
  // transport's envelope parser checked it already; another transport may
  // not have).
  const size_t pieces = object.piece_count();
  PKL5_RETURN_IF_ERROR(CheckPiecesAndSize(pieces, object.bytes.size(),
                                          object.source, object.tag, options));
  auto text = [](const BufferView& view) {
    return absl::string_view(static_cast<const char*>(view.data), view.size);
  };
  absl::InlinedVector<BufferView, 4> views;
  size_t offset = 0;
  for (size_t i = 0; i < pieces; ++i) {
    const uint64_t size = object.piece_size(i);
    if (size > object.bytes.size() - offset) break;
    views.push_back({object.bytes.data() + offset, static_cast<size_t>(size)});
    offset += static_cast<size_t>(size);
  }
  if (views.size() != pieces || offset != object.bytes.size()) {
    return absl::DataLossError(
        absl::StrCat("corrupt pkl5 object ", From(object.source, object.tag),
                     ": ", pieces, " piece sizes that do not add up to its ",
                     object.bytes.size(), " bytes; discarded"));
  }
  absl::Status status = target.DecodeWhole(
      text(views[0]), text(views[1]),
      absl::MakeConstSpan(views).subspan(kFixedPieces), options);
  if (status.ok()) return status;
  return Discarded(status, object.source, object.tag);
}

Status StatusOf(const ReceivedObject& object) {
  Status status;
  status.source = object.source();
  status.tag = object.tag();
  status.count = object.total_bytes();
  return status;
}

}  // namespace pkl5::comm_internal
