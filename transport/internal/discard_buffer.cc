#include "pkl5/transport/internal/discard_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pkl5::transport_internal {

int CreateDiscardWindow(size_t bytes) {
  const int fd = memfd_create("pkl5-discard", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    const int error = errno;
    close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

bool MapDiscardWindow(int window, size_t window_bytes, char* at, size_t span) {
  for (size_t offset = 0; offset < span; offset += window_bytes) {
    if (mmap(at + offset, window_bytes, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED, window, 0) == MAP_FAILED) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<DiscardBuffer> DiscardBuffer::Create(size_t bytes) {
  DiscardBuffer buffer;
  if (bytes <= kWindowBytes) {
    buffer.small_.reset(new char[bytes == 0 ? 1 : bytes]);
    buffer.data_ = buffer.small_.get();
    return buffer;
  }
  const size_t windows = (bytes + kWindowBytes - 1) / kWindowBytes;
  const size_t span = windows * kWindowBytes;
  const int fd = CreateDiscardWindow(kWindowBytes);
  if (fd < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create a discard window: ", std::strerror(errno)));
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
  if (!MapDiscardWindow(fd, kWindowBytes, static_cast<char*>(range), span)) {
    const int error = errno;
    close(fd);
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot map a discard window: ", std::strerror(error)));
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
