// Receive storage: sized without needless work, backed by huge pages.
//
// On these machines the first touch of fresh memory costs more than the
// transfer that fills it (0.5-0.7 s per GiB with 4 KiB pages); advising a
// large fresh allocation for transparent huge pages before its first touch
// roughly doubles receive bandwidth (docs/benchmarks.md). Reusing storage
// avoids the cost entirely, so decoding keeps a container's storage when it
// fits.
#ifndef PKL5_SERIALIZATION_STORAGE_H_
#define PKL5_SERIALIZATION_STORAGE_H_

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace pkl5 {

// Fresh storage of at least this many bytes is advised for huge pages.
inline constexpr size_t kHugePageAdviceBytes = size_t{4} << 20;

// Asks the kernel to back the whole pages inside [data, data + size) with
// transparent huge pages. Best effort: does nothing where unsupported.
void AdviseHugePages(void* data, size_t size);

// An allocator that default-initialises instead of value-initialising, so
// `std::vector<double, DefaultInitAllocator<double>>::resize` leaves new
// elements unwritten: a received array is then written exactly once.
template <typename T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };

  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// A vector whose decoding never zero-fills: `pkl5::UninitVector<double>`.
template <typename T>
using UninitVector = std::vector<T, DefaultInitAllocator<T>>;

// Makes `container` (vector-like: data/size/capacity/reserve/resize) hold
// `size` elements whose values are about to be overwritten: keeps it as is
// when the size matches, resizes within its capacity, and otherwise builds
// fresh storage, advised for huge pages before its first touch when large.
template <typename Container>
void ResizeForOverwrite(Container& container, size_t size) {
  using Value = typename Container::value_type;
  if (container.size() == size) return;
  if (size <= container.capacity() ||
      size * sizeof(Value) < kHugePageAdviceBytes) {
    container.resize(size);
    return;
  }
  Container fresh;
  fresh.reserve(size);
  AdviseHugePages(fresh.data(), size * sizeof(Value));
  fresh.resize(size);
  using std::swap;
  swap(container, fresh);
}

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STORAGE_H_
