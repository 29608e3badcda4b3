#include "pkl5/serialization/storage.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace pkl5 {

void AdviseHugePages(void* data, size_t size) {
#ifdef MADV_HUGEPAGE
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + page - 1) / page * page;
  const uintptr_t last = (begin + size) / page * page;
  if (last > first) {
    // Advice only: failure (no THP support) leaves ordinary pages.
    (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
#else
  (void)data;
  (void)size;
#endif
}

}  // namespace pkl5
