#include "bench/samples.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "pkl5/bench/statistics.h"

namespace pkl5::bench {
std::optional<Sample> ParseSample(const std::string& line) {
  std::vector<std::string> fields = absl::StrSplit(line, ',');
  if (fields.size() < 7 || fields[0] != "sample") return std::nullopt;
  // A case name may hold commas ("pair<int,string>"): it is everything
  // between the section and the last four fields.
  const size_t n = fields.size();
  const std::string case_name = absl::StrJoin(
      fields.begin() + 2, fields.begin() + static_cast<ptrdiff_t>(n - 4), ",");
  Sample sample{fields[1], case_name, fields[n - 4]};
  if (!absl::SimpleAtoi(fields[n - 3], &sample.ranks) ||
      !absl::SimpleAtoi(fields[n - 2], &sample.bytes) ||
      !absl::SimpleAtod(fields[n - 1], &sample.value)) {
    return std::nullopt;
  }
  return sample;
}

Results Summarize(const std::vector<Sample>& samples) {
  std::map<Case, std::map<std::string, std::vector<double>>> values;
  for (const Sample& sample : samples) {
    values[Case{sample.section, sample.case_name, sample.ranks, sample.bytes}]
          [sample.contender]
              .push_back(sample.value);
  }
  Results results;
  for (auto& [measured, by_contender] : values) {
    for (auto& [contender, repetitions] : by_contender) {
      std::sort(repetitions.begin(), repetitions.end());
      results[measured][contender] = Summary{
          Quantile(repetitions, 0.5), Quantile(repetitions, 0.25),
          Quantile(repetitions, 0.75), static_cast<int>(repetitions.size())};
    }
  }
  return results;
}

}  // namespace pkl5::bench
