// Memory of objects made and destroyed once per call (an irecv's request
// state and its posted receive), recycled by the thread that frees it for
// its next object of the same size: steady traffic then allocates nothing
// (comm/allocation_test), where a malloc and a free cost about 150
// instructions each (tools/instruction_budget.sh).
//
//   class PerCallState : public base_internal::Recycled { ... };
//
// A class that derives from Recycled gets its operator new and delete; a
// class with a virtual destructor recycles by the size of the object's
// dynamic type. Each thread keeps at most kRecycledBlocks blocks of each
// of kRecycledSizes sizes and frees them when it exits. Under
// AddressSanitizer nothing is recycled, so that a use after free is still
// found.
#ifndef PKL5_BASE_RECYCLED_H_
#define PKL5_BASE_RECYCLED_H_

#include <cstddef>

namespace pkl5::base_internal {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kRecyclesMemory = false;
#else
inline constexpr bool kRecyclesMemory = true;
#endif
inline constexpr size_t kRecycledSizes = 4;
inline constexpr size_t kRecycledBlocks = 16;

// A block of `size` bytes: one this thread freed, or a new one.
void* TakeBlock(size_t size);
// Keeps `block` (from TakeBlock) for this thread's next TakeBlock(size),
// or frees it.
void KeepBlock(void* block, size_t size) noexcept;

class Recycled {
 public:
  static void* operator new(size_t size) { return TakeBlock(size); }
  static void operator delete(void* block, size_t size) noexcept {
    KeepBlock(block, size);
  }
};

}  // namespace pkl5::base_internal

#endif  // PKL5_BASE_RECYCLED_H_
