// //bench's output: Markdown tables with ratios to raw MPI (printed and
// written to a file, for docs/benchmarks.md), a CSV, and a bandwidth plot.
#ifndef PKL5_BENCH_REPORT_H_
#define PKL5_BENCH_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "bench/samples.h"

namespace pkl5::bench {

// What a report says about its run, first.
struct RunInfo {
  std::string date;     // e.g. 2026-12-02 20:30 UTC
  std::string commit;   // git commit of the workspace
  std::string machine;  // cores, MPI library, compiler
  std::string command;  // the exact command line
};

// The tables and the targets the issue set, as Markdown.
std::string FormatReport(const Results& results, const RunInfo& run);

// One row per case and contender: median, quartiles, repetitions.
absl::Status WriteCsv(const Results& results, const std::string& path);

// Point-to-point bandwidth against size, log axes, one line per contender,
// drawn by gnuplot into `svg_path` (its data and script are kept beside).
absl::Status PlotBandwidth(const Results& results, const std::string& svg_path);

}  // namespace pkl5::bench

#endif  // PKL5_BENCH_REPORT_H_
