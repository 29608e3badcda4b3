// Byte counts as the benchmark tables name them: "8 B", "4 KiB", "1 GiB".
#ifndef PKL5_BENCH_SIZE_NAME_H_
#define PKL5_BENCH_SIZE_NAME_H_

#include <cstddef>
#include <string>

#include "absl/strings/str_format.h"

namespace pkl5::bench {

// The largest binary unit that divides `bytes` exactly.
inline std::string SizeName(size_t bytes) {
  static const char* const kUnits[] = {"GiB", "MiB", "KiB"};
  for (int shift = 30, unit = 0; shift >= 10; shift -= 10, ++unit) {
    const size_t size = size_t{1} << shift;
    if (bytes >= size && bytes % size == 0) {
      return absl::StrFormat("%zu %s", bytes >> shift, kUnits[unit]);
    }
  }
  return absl::StrFormat("%zu B", bytes);
}

}  // namespace pkl5::bench

#endif  // PKL5_BENCH_SIZE_NAME_H_
