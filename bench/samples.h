// Measurements as //bench's workers print them, and their summaries.
#ifndef PKL5_BENCH_SAMPLES_H_
#define PKL5_BENCH_SAMPLES_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace pkl5::bench {

// One measurement: "sample,<section>,<case>,<contender>,<ranks>,<bytes>,
// <value>" (see bench/workloads.h).
struct Sample {
  std::string section;
  std::string case_name;
  std::string contender;
  int ranks = 0;
  size_t bytes = 0;
  double value = 0;
};

// Parses one line of a worker's output; std::nullopt for other lines.
std::optional<Sample> ParseSample(const std::string& line);

// What is measured, without the contender.
struct Case {
  std::string section;
  std::string case_name;
  int ranks = 0;
  size_t bytes = 0;
  bool operator<(const Case& other) const {
    return std::tie(section, case_name, ranks, bytes) <
           std::tie(other.section, other.case_name, other.ranks, other.bytes);
  }
};

// The repetitions of one contender on one case.
struct Summary {
  double median = 0;
  double q1 = 0;  // lower and upper quartile
  double q3 = 0;
  int count = 0;
  // The interquartile range relative to the median, in percent.
  double SpreadPercent() const {
    return median > 0 ? 100 * (q3 - q1) / median : 0;
  }
};

// case -> contender -> summary.
using Results = std::map<Case, std::map<std::string, Summary>>;

Results Summarize(const std::vector<Sample>& samples);

}  // namespace pkl5::bench

#endif  // PKL5_BENCH_SAMPLES_H_
