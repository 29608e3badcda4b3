// Memory that receives bytes nobody will read: the parts of a rejected
// message, which must still be received so the sender completes and the
// channel stays in order.
//
// MPI cannot drain a message without receiving all of it (Open MPI's
// shared-memory single copy writes a truncated receive's full size into
// the buffer and crashes), so the buffer must span the part. Up to one
// window it is ordinary memory; beyond, one shared-memory window is mapped
// over and over across a reserved address range, so draining 10 GiB costs
// 10 GiB of address space but one window of memory.
#ifndef PKL5_TRANSPORT_INTERNAL_DISCARD_BUFFER_H_
#define PKL5_TRANSPORT_INTERNAL_DISCARD_BUFFER_H_

#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"

namespace pkl5::transport_internal {

// A shared-memory window of `bytes` to map over and over: its descriptor,
// or -1 with errno set. Shared with sink_followed.cc.
int CreateDiscardWindow(size_t bytes);
// Maps `window` (`window_bytes` long) over and over across the `span`
// bytes at `at`, a multiple of it, replacing what was mapped there; false
// with errno set when a mapping fails.
bool MapDiscardWindow(int window, size_t window_bytes, char* at, size_t span);

class DiscardBuffer {
 public:
  // Physical memory used, whatever the size.
  static constexpr size_t kWindowBytes = size_t{16} << 20;

  // kResourceExhausted when the address range cannot be reserved.
  static absl::StatusOr<DiscardBuffer> Create(size_t bytes);

  DiscardBuffer(DiscardBuffer&& other) noexcept;
  DiscardBuffer& operator=(DiscardBuffer&&) = delete;
  DiscardBuffer(const DiscardBuffer&) = delete;
  DiscardBuffer& operator=(const DiscardBuffer&) = delete;
  ~DiscardBuffer();

  // `bytes` writable bytes (aliased onto one window when large).
  void* data() const { return data_; }

 private:
  DiscardBuffer() = default;

  std::unique_ptr<char[]> small_;
  void* mapping_ = nullptr;
  size_t mapping_bytes_ = 0;
  void* data_ = nullptr;
};

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_DISCARD_BUFFER_H_
