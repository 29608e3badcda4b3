#include "pkl5/collectives/internal/receive_from_block.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/collectives/internal/block.h"
#include "pkl5/serialization/serialization.h"

namespace pkl5::collectives_internal {
namespace {

absl::Status AlsoFailed(const absl::Status& first, const absl::Status& then) {
  return absl::Status(
      first.code(),
      absl::StrCat(first.message(),
                   "; receiving the rest failed too: ", then.ToString()));
}

}  // namespace

ObjectAssembler::ObjectAssembler(absl::string_view block,
                                 comm_internal::DecodeTarget& target,
                                 const DecodeOptions& options)
    : target_(&target), options_(options) {
  absl::StatusOr<transport_internal::EnvelopeInfo> info = ReadBlock(block);
  if (!info.ok()) {
    // An error block, or not a block at all: no parts follow.
    status_ = info.status();
    return;
  }
  info_ = *std::move(info);
  sizes_ = info_.PieceSizes();
  if (info_.size_table_inline) {
    if (absl::Status begun = Begin(); !begun.ok()) Fail(std::move(begun));
  } else {
    sizes_.resize(info_.piece_count);
    stage_ = Stage::kTable;
  }
}

absl::Status ObjectAssembler::Begin() {
  stage_ = Stage::kHeader;
  if (sizes_.size() < 2) {
    return absl::DataLossError(
        absl::StrCat("not a pkl5 object: ", sizes_.size(), " pieces"));
  }
  uint64_t total = 0;
  for (uint64_t size : sizes_) total += size;
  if (total > options_.max_object_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a pkl5 object of ", total,
                     " bytes is over DecodeOptions::max_object_bytes (",
                     options_.max_object_bytes, ")"));
  }
  return absl::OkStatus();
}

void ObjectAssembler::Fail(absl::Status status) {
  status_ = std::move(status);
  stage_ = Stage::kSkip;
}

std::optional<PartSlot> ObjectAssembler::Take(void* data) {
  const size_t size = sizes_[next_];
  if (next_++ < info_.inline_pieces) {
    if (size > 0) {
      std::memcpy(data, info_.inline_bytes.data() + inline_offset_, size);
    }
    inline_offset_ += size;
    return std::nullopt;
  }
  return PartSlot{data, size};
}

std::optional<PartSlot> ObjectAssembler::Next() {
  while (true) {
    switch (stage_) {
      case Stage::kTable:
        // Begin runs once the table has landed, at the next call.
        stage_ = Stage::kHeader;
        next_ = SIZE_MAX;  // marks the table as not yet checked
        return PartSlot{sizes_.data(), sizes_.size() * sizeof(uint64_t)};
      case Stage::kHeader: {
        if (next_ == SIZE_MAX) {
          next_ = 0;
          if (absl::Status begun = Begin(); !begun.ok()) {
            Fail(std::move(begun));
            break;
          }
        }
        header_.assign(sizes_[0], '\0');
        stage_ = Stage::kInband;
        if (std::optional<PartSlot> slot = Take(header_.data())) return slot;
        break;
      }
      case Stage::kInband: {
        absl::StatusOr<FrameHeader> header =
            ParseFrameHeader(header_, options_);
        absl::Status checked = header.status();
        if (checked.ok()) checked = target_->CheckType(*header);
        if (checked.ok() && header->buffer_sizes.size() != sizes_.size() - 2) {
          checked = absl::DataLossError(
              absl::StrCat("pkl5 object lists ", header->buffer_sizes.size(),
                           " buffers in its header but ", sizes_.size() - 2,
                           " in its block"));
        }
        if (!checked.ok()) {
          Fail(std::move(checked));
          break;
        }
        parsed_ = *std::move(header);
        inband_.assign(sizes_[1], '\0');
        stage_ = Stage::kBuffers;
        zone_ = SIZE_MAX;  // BeginDecode runs once the in-band bytes landed
        if (std::optional<PartSlot> slot = Take(inband_.data())) return slot;
        break;
      }
      case Stage::kBuffers: {
        if (zone_ == SIZE_MAX) {
          absl::StatusOr<std::vector<LandingZone>> zones =
              target_->BeginDecode(*parsed_, inband_, options_);
          if (!zones.ok()) {
            Fail(zones.status());
            break;
          }
          zones_ = *std::move(zones);
          zone_ = 0;
        }
        if (zone_ == zones_.size()) {
          stage_ = Stage::kDone;
          break;
        }
        const LandingZone& zone = zones_[zone_++];
        if (next_ >= sizes_.size() || zone.size != sizes_[next_]) {
          Fail(absl::DataLossError(
              absl::StrCat("pkl5 object buffer of ",
                           next_ < sizes_.size() ? sizes_[next_] : 0,
                           " bytes where its header says ", zone.size)));
          break;
        }
        if (std::optional<PartSlot> slot = Take(zone.data)) return slot;
        break;
      }
      case Stage::kSkip: {
        if (next_ >= sizes_.size()) {
          stage_ = Stage::kDone;
          break;
        }
        if (next_ < info_.inline_pieces) {
          inline_offset_ += sizes_[next_++];
          break;
        }
        sink_.reset();
        absl::StatusOr<transport_internal::DiscardBuffer> sink =
            transport_internal::DiscardBuffer::Create(sizes_[next_]);
        if (!sink.ok()) {
          status_ = AlsoFailed(status_, sink.status());
          stage_ = Stage::kDone;
          break;
        }
        sink_.emplace(*std::move(sink));
        return PartSlot{sink_->data(), sizes_[next_++]};
      }
      case Stage::kDone:
        return std::nullopt;
    }
  }
}

absl::Status ReceiveFromBlock(absl::string_view block,
                              comm_internal::DecodeTarget& target,
                              const DecodeOptions& options, PartSource& parts) {
  ObjectAssembler assembler(block, target, options);
  while (std::optional<PartSlot> slot = assembler.Next()) {
    absl::Status received = parts.Receive(slot->data, slot->size);
    if (!received.ok()) {
      return assembler.status().ok() ? received
                                     : AlsoFailed(assembler.status(), received);
    }
  }
  return assembler.status();
}

}  // namespace pkl5::collectives_internal
