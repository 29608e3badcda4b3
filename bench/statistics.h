// Summary statistics shared by the benchmarks.
#ifndef PKL5_BENCH_STATISTICS_H_
#define PKL5_BENCH_STATISTICS_H_

#include <algorithm>
#include <vector>

namespace pkl5::bench {

// The median of `values` (the upper one for an even count); robust to the
// outliers a shared machine produces.
inline double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace pkl5::bench

#endif  // PKL5_BENCH_STATISTICS_H_
