// Summary statistics shared by the benchmarks.
#ifndef PKL5_BENCH_STATISTICS_H_
#define PKL5_BENCH_STATISTICS_H_

#include <algorithm>
#include <cstddef>
#include <vector>

namespace pkl5::bench {

// The median of `values` (the upper one for an even count); robust to the
// outliers a shared machine produces.
inline double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The `q` quantile (0..1) of `sorted` (ascending, not empty), linearly
// interpolated between order statistics: medians and quartiles of //bench.
inline double Quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<size_t>(position);
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double weight = position - static_cast<double>(lower);
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}

}  // namespace pkl5::bench

#endif  // PKL5_BENCH_STATISTICS_H_
