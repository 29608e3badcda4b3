#include "pkl5/python/internal/binder.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pkl5::python_internal {

Binder::Binder(const PickleTree& tree, size_t stream_bytes,
               absl::Span<const uint64_t> buffer_sizes,
               uint64_t max_object_bytes)
    : tree_(tree),
      buffer_sizes_(buffer_sizes),
      max_object_bytes_(max_object_bytes),
      visits_left_(64 * uint64_t{stream_bytes} + (uint64_t{1} << 22)),
      destinations_(buffer_sizes.size()) {
  path_.reserve(16);
}

absl::Status Binder::Enter(NodeId id) {
  if (depth_ >= kMaxDepth) {
    return Error(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("the object nests deeper than ", kMaxDepth,
                              " levels (a container holding itself?)"));
  }
  if (visits_left_ == 0) {
    return Error(absl::StatusCode::kInvalidArgument,
                 "the stream's shared references expand to far more values "
                 "than it holds");
  }
  --visits_left_;
  if (tree_[id].kind == Kind::kError) {
    return Error(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("the Python sender sent an exception instead "
                              "of a value: ",
                              tree_[id].text));
  }
  ++depth_;
  if (path_.size() < depth_) path_.resize(depth_);
  path_[depth_ - 1] = PathStep{-2, absl::string_view()};
  return absl::OkStatus();
}

std::string Binder::Where() const {
  std::string where = "object";
  for (size_t i = 0; i < depth_ && i < path_.size(); ++i) {
    const PathStep& step = path_[i];
    if (step.index >= 0) {
      absl::StrAppend(&where, "[", step.index, "]");
    } else if (step.index == -1) {
      absl::StrAppend(&where, "['", step.key.substr(0, 64), "']");
    }
  }
  return where;
}

absl::Status Binder::Error(absl::StatusCode code,
                           absl::string_view message) const {
  return absl::Status(code, absl::StrCat("at ", Where(), ": ", message));
}

absl::Status Binder::Mismatch(NodeId id, absl::string_view want) const {
  const Node& node = tree_[id];
  std::string got(KindName(node.kind));
  if (node.kind == Kind::kArray || node.kind == Kind::kNumpyScalar) {
    absl::StrAppend(&got, " of dtype ", node.dtype.code);
    if (node.kind == Kind::kArray) {
      absl::StrAppend(&got, ", ", tree_[node.items[1]].items.size(), "-d");
    }
  }
  return Error(absl::StatusCode::kInvalidArgument,
               absl::StrCat("expected ", want, ", got ", got));
}

absl::Status Binder::Allocate(uint64_t bytes) {
  if (bytes > max_object_bytes_ - allocated_) {
    return Error(absl::StatusCode::kResourceExhausted,
                 absl::StrCat("the object would hold more than "
                              "max_object_bytes (",
                              max_object_bytes_, ") bytes"));
  }
  allocated_ += bytes;
  return absl::OkStatus();
}

absl::Status Binder::Claim(uint64_t index, MutableSegments into) {
  uint64_t total = 0;
  for (const MutableSegment& segment : into) total += segment.bytes;
  if (index >= buffer_sizes_.size()) {
    return Error(absl::StatusCode::kDataLoss,
                 "an out-of-band buffer is missing");
  }
  if (total != buffer_sizes_[index]) {
    return Error(absl::StatusCode::kDataLoss,
                 absl::StrFormat("out-of-band buffer %d has %d bytes, the "
                                 "array it backs needs %d",
                                 index, buffer_sizes_[index], total));
  }
  if (destinations_[index].empty() && total > 0) {
    destinations_[index] = std::move(into);
  } else if (total > 0) {
    copies_.emplace_back(index, std::move(into));
  }
  return absl::OkStatus();
}

void Scatter(absl::string_view bytes, absl::Span<const MutableSegment> into) {
  size_t offset = 0;
  for (const MutableSegment& segment : into) {
    if (segment.bytes == 0) continue;
    std::memcpy(segment.data, bytes.data() + offset, segment.bytes);
    offset += segment.bytes;
  }
}

void Binder::Finish() {
  for (auto& [index, into] : copies_) {
    const MutableSegments& from = destinations_[index];
    // Gather the first place's rows, then scatter them into the second.
    std::string bytes;
    for (const MutableSegment& segment : from) {
      bytes.append(static_cast<const char*>(segment.data), segment.bytes);
    }
    Scatter(bytes, into);
  }
  for (auto& step : after_) step();
}

}  // namespace pkl5::python_internal
