#include "pkl5/transport/internal/sink_followed.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "pkl5/transport/internal/discard_buffer.h"

namespace pkl5::transport_internal {
namespace {

// The memory every sink maps over and over: what a raw message into a
// sink can cost at most.
constexpr size_t kWindowBytes = size_t{64} << 20;
static_assert(kSinkBytes % kWindowBytes == 0);

// The head pages, then the sink.
struct Region {
  char* base = nullptr;
  size_t head_bytes = 0;
};

size_t PageBytes() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

class Pool {
 public:
  // The sizes a buffer the sink follows is made for.
  static bool Holds(size_t bytes) {
    return bytes > 0 && bytes <= kMaxSinkFollowedBytes;
  }
  SinkFollowedBytes Take(size_t bytes) {
    if (!Holds(bytes)) return {};
    std::lock_guard<std::mutex> lock(mutex_);
    Region* region = nullptr;
    for (size_t i = 0; i < free_.size(); ++i) {
      if (free_[i]->head_bytes >= bytes) {
        region = free_[i];
        free_[i] = free_.back();
        free_.pop_back();
        break;
      }
    }
    if (region == nullptr) region = Make(bytes);
    NoteAvailability();
    if (region == nullptr) return {};
    return {region->base + region->head_bytes - bytes, bytes, region};
  }

  void Return(const SinkFollowedBytes& buffer) {
    if (buffer.region == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(static_cast<Region*>(buffer.region));
    NoteAvailability();
  }

  bool MayTake(size_t bytes) const {
    return Holds(bytes) && available_.load(std::memory_order_relaxed);
  }

  void ReleaseWindow() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (window_ >= 0) {
      // Later writes into a sink map fresh zero pages again.
      (void)fallocate(window_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                      static_cast<off_t>(kWindowBytes));
    }
  }

 private:
  void NoteAvailability() {
    available_.store(
        !free_.empty() || (!broken_ && made_ < kMaxSinkFollowedBuffers),
        std::memory_order_relaxed);
  }

  // A new region whose head holds `bytes`, or nullptr (then no more are
  // tried: what failed would fail again, at the cost of the attempt).
  Region* Make(size_t bytes) {
    if (broken_ || made_ == kMaxSinkFollowedBuffers) return nullptr;
    if (window_ < 0) {
      window_ = CreateDiscardWindow(kWindowBytes);
      if (window_ < 0) {
        broken_ = true;
        return nullptr;
      }
    }
    const size_t head_bytes =
        (bytes + PageBytes() - 1) / PageBytes() * PageBytes();
    void* reserved = mmap(nullptr, head_bytes + kSinkBytes, PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED) {
      broken_ = true;
      return nullptr;
    }
    char* const base = static_cast<char*>(reserved);
    const bool mapped =
        mmap(base, head_bytes, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED &&
        MapDiscardWindow(window_, kWindowBytes, base + head_bytes, kSinkBytes);
    if (!mapped) {
      munmap(base, head_bytes + kSinkBytes);
      broken_ = true;
      return nullptr;
    }
    ++made_;
    // Kept for the process's life, as the shared sink is: reused, never
    // unmapped.
    return new Region{base, head_bytes};
  }

  std::mutex mutex_;
  std::vector<Region*> free_;
  size_t made_ = 0;
  bool broken_ = false;
  int window_ = -1;
  // Whether Take may succeed, for callers that ask without the lock.
  std::atomic<bool> available_{true};
};

Pool& ThePool() {
  static Pool* const pool = new Pool();
  return *pool;
}

}  // namespace

SinkFollowedBytes TakeSinkFollowedBytes(size_t bytes) {
  return ThePool().Take(bytes);
}

void ReturnSinkFollowedBytes(const SinkFollowedBytes& buffer) {
  ThePool().Return(buffer);
}

bool SinkFollowedBytesMayBeTaken(size_t bytes) {
  return ThePool().MayTake(bytes);
}

void ReleaseSinkWindow() { ThePool().ReleaseWindow(); }

}  // namespace pkl5::transport_internal
