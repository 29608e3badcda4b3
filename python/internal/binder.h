// Binds a PickleTree to a C++ object: the codecs of pickle_codecs.h walk
// the tree and fill the object, copying in-band values and claiming the
// out-of-band buffers, which then land straight in the object's storage
// (zero copy: the receiver posts its MPI receives there).
//
// Bounds, since a forged stream may describe anything: nesting deeper than
// kMaxDepth (a list that contains itself) and walking the tree more than
// ~64 times its stream's length (shared references nested to blow up) are
// kInvalidArgument; the bytes a binding copies or allocates are capped by
// `max_object_bytes` (kResourceExhausted).
#ifndef PKL5_PYTHON_INTERNAL_BINDER_H_
#define PKL5_PYTHON_INTERNAL_BINDER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "pkl5/python/internal/pickle_tree.h"

namespace pkl5::python_internal {

// Where an out-of-band buffer lands: the rows of an array, back to back.
struct MutableSegment {
  void* data;
  size_t bytes;
};
using MutableSegments = absl::InlinedVector<MutableSegment, 1>;

class Binder {
 public:
  static constexpr size_t kMaxDepth = 512;

  // `buffer_sizes`: the bytes of each out-of-band buffer, as announced.
  Binder(const PickleTree& tree, size_t stream_bytes,
         absl::Span<const uint64_t> buffer_sizes, uint64_t max_object_bytes);

  const PickleTree& tree() const { return tree_; }
  const Node& node(NodeId id) const { return tree_[id]; }

  // Around every value a codec reads: counts the work and the depth, and
  // names where in the object a failure happened. `key` (a list index or
  // a dict key) is for messages.
  absl::Status Enter(NodeId id);
  void Leave() { --depth_; }
  void At(size_t index) {
    path_[depth_ - 1] = PathStep{static_cast<int64_t>(index), {}};
  }
  void At(absl::string_view key) { path_[depth_ - 1] = PathStep{-1, key}; }

  // kInvalidArgument "<where>: expected <want>, got <what id is>".
  absl::Status Mismatch(NodeId id, absl::string_view want) const;
  // An error at the current place.
  absl::Status Error(absl::StatusCode code, absl::string_view message) const;

  // Counts bytes the object will hold (copied or allocated).
  absl::Status Allocate(uint64_t bytes);

  // Out-of-band buffer `index` (a kBuffer node's integer) lands in `into`,
  // whose size must be the buffer's. A buffer referenced twice is copied
  // into the second place once it arrived.
  absl::Status Claim(uint64_t index, MutableSegments into);
  // Runs once every buffer arrived (a std::vector<bool> unpacked).
  void AfterArrival(std::function<void()> step) {
    after_.push_back(std::move(step));
  }
  // Where each buffer goes (empty: nobody claimed it, so it is discarded).
  const std::vector<MutableSegments>& destinations() const {
    return destinations_;
  }
  // 0 for an index past the buffers (Claim then fails).
  uint64_t buffer_size(uint64_t index) const {
    return index < buffer_sizes_.size() ? buffer_sizes_[index] : 0;
  }
  // The copies and steps after the buffers arrived.
  void Finish();

 private:
  struct PathStep {
    int64_t index;
    absl::string_view key;
  };
  std::string Where() const;

  const PickleTree& tree_;
  absl::Span<const uint64_t> buffer_sizes_;
  uint64_t max_object_bytes_;
  uint64_t allocated_ = 0;
  uint64_t visits_left_;
  size_t depth_ = 0;
  std::vector<PathStep> path_;
  std::vector<MutableSegments> destinations_;
  std::vector<std::pair<uint64_t, MutableSegments>> copies_;
  std::vector<std::function<void()>> after_;
};

// Copies `bytes` (in-band data) into `into`, segment by segment.
void Scatter(absl::string_view bytes, absl::Span<const MutableSegment> into);

}  // namespace pkl5::python_internal

#endif  // PKL5_PYTHON_INTERNAL_BINDER_H_
