#include "pkl5/base/recycled.h"

#include <new>

#include "absl/base/attributes.h"

namespace pkl5::base_internal {
namespace {

// Zero-initialized as a thread_local (no constructor to run).
struct Slot {
  size_t size;
  size_t count;
  void* blocks[kRecycledBlocks];
};

// Trivially destructible, so that a thread's access is a plain TLS load: a
// thread_local with a destructor is checked for construction on every use
// (twice per irecv here).
thread_local Slot slots[kRecycledSizes];
// Set once the thread's blocks were freed: objects destroyed later in the
// thread's exit (by other thread_local destructors) free their memory.
thread_local bool cache_gone = false;
thread_local bool release_registered = false;

// Frees the thread's kept blocks when it exits.
struct Release {
  ~Release() {
    cache_gone = true;
    for (Slot& slot : slots) {
      while (slot.count > 0) {
        ::operator delete(slot.blocks[--slot.count], slot.size);
      }
    }
  }
};

// The first time a thread keeps a block: from then its exit frees them.
ABSL_ATTRIBUTE_NOINLINE void RegisterRelease() {
  thread_local Release release;
  (void)release;
  release_registered = true;
}

}  // namespace

void* TakeBlock(size_t size) {
  if (kRecyclesMemory && !cache_gone) {
    for (Slot& slot : slots) {
      if (slot.size == size && slot.count > 0) {
        return slot.blocks[--slot.count];
      }
    }
  }
  return ::operator new(size);
}

void KeepBlock(void* block, size_t size) noexcept {
  if (kRecyclesMemory && !cache_gone) {
    if (!release_registered) RegisterRelease();
    for (Slot& slot : slots) {
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
