#include "pkl5/serialization/decoder.h"

#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"

namespace pkl5 {

absl::Status Decoder::Corrupt(absl::string_view what) const {
  return absl::DataLossError(absl::StrCat("corrupt pkl5 frame: ", what,
                                          " at in-band byte ", position_,
                                          " of ", inband_.size()));
}

absl::Status Decoder::Truncated(size_t wanted) const {
  return absl::DataLossError(absl::StrCat(
      "truncated pkl5 frame: need ", wanted, " in-band bytes at byte ",
      position_, " but only ", remaining(), " remain of ", inband_.size()));
}

absl::StatusOr<uint64_t> Decoder::ReadCount(size_t min_inband_bytes,
                                            size_t element_memory) {
  uint64_t count = 0;
  if (absl::Status status = ReadScalar(count); !status.ok()) return status;
  if (min_inband_bytes > 0 && count > remaining() / min_inband_bytes) {
    return Corrupt(absl::StrCat("a count of ", count,
                                " elements that cannot fit in the ",
                                remaining(), " remaining bytes"));
  }
  if (element_memory > 0 &&
      count > options_.max_object_bytes / element_memory) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "pkl5 frame claims ", count, " elements of ", element_memory,
        " bytes, more than DecodeOptions::max_object_bytes = ",
        options_.max_object_bytes));
  }
  return count;
}

absl::Status Decoder::CheckUnusualArray(size_t element_size,
                                        ArrayHeader& header) {
  // Element sizes are at least one byte, so the product only overflows for
  // counts beyond any buffer.
  if (header.count > std::numeric_limits<uint64_t>::max() / element_size) {
    return Corrupt(absl::StrCat("an array of ", header.count, " elements"));
  }
  const uint64_t bytes = header.count * element_size;
  if (!header.out_of_band) {
    if (bytes > remaining()) return Truncated(bytes);
    return absl::OkStatus();
  }
  if (in_band_only_depth_ > 0) {
    return Corrupt("an out-of-band array inside a map key or set element");
  }
  if (next_buffer_ >= buffer_sizes_.size()) {
    return Corrupt(absl::StrCat("out-of-band array number ", next_buffer_ + 1,
                                " but the header lists only ",
                                buffer_sizes_.size(), " buffers"));
  }
  if (buffer_sizes_[next_buffer_] != bytes) {
    return Corrupt(absl::StrCat("an out-of-band array of ", bytes,
                                " bytes where the header says buffer ",
                                next_buffer_, " has ",
                                buffer_sizes_[next_buffer_]));
  }
  ++next_buffer_;
  return absl::OkStatus();
}

absl::Status Decoder::FinishOutOfLine() const {
  if (remaining() != 0) {
    return Corrupt(absl::StrCat(remaining(), " trailing bytes"));
  }
  if (next_buffer_ != buffer_sizes_.size()) {
    return Corrupt(absl::StrCat("only ", next_buffer_, " of the ",
                                buffer_sizes_.size(),
                                " buffers in the header used"));
  }
  return absl::OkStatus();
}

}  // namespace pkl5
