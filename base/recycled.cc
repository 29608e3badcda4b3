#include "pkl5/base/recycled.h"

#include <new>

namespace pkl5::base_internal {
namespace {

struct Slot {
  size_t size = 0;
  size_t count = 0;
  void* blocks[kRecycledBlocks];
};

struct ThreadCache {
  Slot slots[kRecycledSizes];
  ~ThreadCache();
};

// Set once the thread's cache is gone: objects destroyed later in the
// thread's exit (by other thread_local destructors) free their memory.
thread_local bool cache_gone = false;
thread_local ThreadCache cache;

ThreadCache::~ThreadCache() {
  cache_gone = true;
  for (Slot& slot : slots) {
    while (slot.count > 0) {
      ::operator delete(slot.blocks[--slot.count], slot.size);
    }
  }
}

}  // namespace

void* TakeBlock(size_t size) {
  if (kRecyclesMemory && !cache_gone) {
    for (Slot& slot : cache.slots) {
      if (slot.size == size && slot.count > 0) {
        return slot.blocks[--slot.count];
      }
    }
  }
  return ::operator new(size);
}

void KeepBlock(void* block, size_t size) noexcept {
  if (kRecyclesMemory && !cache_gone) {
    for (Slot& slot : cache.slots) {
      if (slot.size == 0) slot.size = size;  // a free slot: this size's now
      if (slot.size != size) continue;
      if (slot.count == kRecycledBlocks) break;
      slot.blocks[slot.count++] = block;
      return;
    }
  }
  ::operator delete(block, size);
}

}  // namespace pkl5::base_internal
