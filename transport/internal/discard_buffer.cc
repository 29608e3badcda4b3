#include "pkl5/transport/internal/discard_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pkl5::transport_internal {

absl::StatusOr<DiscardBuffer> DiscardBuffer::Create(size_t bytes) {
  DiscardBuffer buffer;
  if (bytes <= kWindowBytes) {
    buffer.small_.reset(new char[bytes == 0 ? 1 : bytes]);
    buffer.data_ = buffer.small_.get();
    return buffer;
  }
  const size_t windows = (bytes + kWindowBytes - 1) / kWindowBytes;
  const size_t span = windows * kWindowBytes;
  const int fd = memfd_create("pkl5-discard", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(kWindowBytes)) != 0) {
    const int error = errno;
    if (fd >= 0) close(fd);
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create a discard window: ", std::strerror(error)));
  }
  void* range = mmap(nullptr, span, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (range == MAP_FAILED) {
    close(fd);
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot reserve ", span, " bytes of address space to drain a part"));
  }
  buffer.mapping_ = range;
  buffer.mapping_bytes_ = span;
  buffer.data_ = range;
  for (size_t i = 0; i < windows; ++i) {
    void* window = static_cast<char*>(range) + i * kWindowBytes;
    if (mmap(window, kWindowBytes, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
      const int error = errno;
      close(fd);
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot map a discard window: ", std::strerror(error)));
    }
  }
  // The mappings keep the memory alive.
  close(fd);
  return buffer;
}

DiscardBuffer::DiscardBuffer(DiscardBuffer&& other) noexcept
    : small_(std::move(other.small_)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_bytes_(std::exchange(other.mapping_bytes_, 0)),
      data_(std::exchange(other.data_, nullptr)) {}

DiscardBuffer::~DiscardBuffer() {
  if (mapping_ != nullptr) munmap(mapping_, mapping_bytes_);
}

}  // namespace pkl5::transport_internal
