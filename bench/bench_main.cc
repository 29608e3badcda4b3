// //bench: pkl5 next to raw MPI, Boost.MPI and Python's mpi4py.util.pkl5,
// measured in one run on this machine.
//
//   bazel run -c opt //bench -- --publish    # everything, into bench/results
//   bazel run -c opt //bench -- --quick      # small sizes, a minute
//   bazel run -c opt //bench -- --sections=p2p --huge   # adds 3 GiB
//
// The program is a driver: it launches itself (worker mode, the C++
// contenders) and bench/mpi4py_peer.py (the Python contender) under
// mpirun, round after round, so drift of a shared machine touches every
// contender alike; inside a worker the contenders take turns repetition by
// repetition. It prints Markdown tables of medians and ratios to raw MPI
// with the targets' verdicts, and writes them with a CSV and a bandwidth
// plot (gnuplot, SVG) to /tmp/pkl5-bench, or with --publish over the
// committed ones in bench/results/.
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/driver.h"
#include "bench/report.h"
#include "bench/samples.h"
#include "bench/workloads.h"

ABSL_FLAG(std::string, sections,
          "p2p,objects,collectives,memory,reductions,mixed",
          "which measurements to run");
ABSL_FLAG(int, rounds, 3, "launch rounds; C++ and Python take turns");
ABSL_FLAG(int, reps, 5, "repetitions per round below 16 MiB");
ABSL_FLAG(int, big_reps, 2, "repetitions per round from 16 MiB");
ABSL_FLAG(int64_t, max_bytes, int64_t{1} << 30, "largest point-to-point size");
ABSL_FLAG(bool, huge, false, "also a 3 GiB point-to-point array");
ABSL_FLAG(std::string, ranks, "2,4", "rank counts of the collectives");
ABSL_FLAG(bool, quick, false,
          "small sizes, one round, two repetitions: checks the harness");
ABSL_FLAG(std::string, python, "/usr/bin/python3",
          "the Python with Debian's mpi4py and NumPy");
ABSL_FLAG(std::string, out_dir, "",
          "where results go (default: /tmp/pkl5-bench, or with --publish "
          "bench/results of the workspace)");
ABSL_FLAG(bool, publish, false,
          "write the results over the committed ones in bench/results");
// Worker mode, used by the driver.
ABSL_FLAG(std::string, worker, "", "run one section as an MPI worker");
ABSL_FLAG(std::string, sizes, "", "a worker's sizes in bytes, comma separated");
ABSL_FLAG(std::string, languages, "",
          "a mixed job's language per rank (cpp or python), comma separated");

namespace {

using pkl5::bench::Sample;

std::vector<size_t> ParseSizes(const std::string& text) {
  std::vector<size_t> sizes;
  for (absl::string_view word : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    size_t size = 0;
    if (absl::SimpleAtoi(word, &size)) sizes.push_back(size);
  }
  return sizes;
}

int RunWorker(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  pkl5::bench::WorkloadOptions options;
  options.sizes = ParseSizes(absl::GetFlag(FLAGS_sizes));
  options.reps = absl::GetFlag(FLAGS_reps);
  options.big_reps = absl::GetFlag(FLAGS_big_reps);
  std::vector<std::string> languages =
      absl::StrSplit(absl::GetFlag(FLAGS_languages), ',', absl::SkipEmpty());
  options.languages = languages;
  const bool known =
      pkl5::bench::RunWorkload(absl::GetFlag(FLAGS_worker), options);
  MPI_Finalize();
  return known ? 0 : 2;
}

// One launch of the driver's plan: a job of the C++ worker or the Python
// peer on `ranks` ranks, or (the mixed section) one rank of each of
// `languages` in an MPMD job.
struct Launch {
  std::string section;
  int ranks = 2;
  std::vector<size_t> sizes;
  std::vector<std::string> languages;  // "cpp" or "python"
  int round = 1;
  std::string Contenders() const {
    if (section == "mixed") return absl::StrJoin(languages, " and ");
    return languages.at(0) == "python" ? "mpi4py pkl5" : "C++ contenders";
  }
};

std::string Join(const std::vector<size_t>& sizes) {
  return absl::StrJoin(sizes, ",");
}

std::string Workspace() {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  return workspace ? workspace : ".";
}

// A partial or trial run never overwrites the committed results: they are
// written only with --publish (or to an --out_dir asked for).
std::string OutputDirectory() {
  std::string directory = absl::GetFlag(FLAGS_out_dir);
  if (!directory.empty()) return directory;
  if (absl::GetFlag(FLAGS_publish)) return Workspace() + "/bench/results";
  return "/tmp/pkl5-bench";
}

// The first line `command` prints, or `fallback`.
std::string FirstLine(const std::string& command, const std::string& fallback) {
  std::string line;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[512];
    if (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) line = buffer;
    pclose(pipe);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  return line.empty() ? fallback : line;
}

pkl5::bench::RunInfo DescribeRun(int argc, char** argv) {
  pkl5::bench::RunInfo run;
  run.date =
      absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::Now(), absl::UTCTimeZone());
  run.commit = FirstLine(absl::StrCat("git -C '", Workspace(),
                                      "' describe --always --dirty "
                                      "2>/dev/null"),
                         "unknown");
  char library[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(library, &length);  // allowed before MPI_Init
  std::string mpi(library, static_cast<size_t>(length));
  if (const size_t end = mpi.find_first_of(",\n"); end != std::string::npos) {
    mpi.resize(end);
  }
  run.machine = absl::StrCat(std::thread::hardware_concurrency(), " cores (",
                             FirstLine("grep -m1 'model name' /proc/cpuinfo | "
                                       "cut -d: -f2 | sed 's/^ *//'",
                                       "unknown CPU"),
                             "), ", mpi, ", GCC ", __VERSION__);
  std::vector<std::string> words = {"bazel run -c opt //bench --"};
  for (int i = 1; i < argc; ++i) words.push_back(argv[i]);
  run.command = absl::StrJoin(words, " ");
  return run;
}

// One progress line per launch, with an estimate of the time left; on a
// terminal each replaces the last, elsewhere (a log) they are plain lines.
void ReportProgress(size_t step, size_t steps, const Launch& launch, int rounds,
                    absl::Duration elapsed) {
  std::string left = "";
  if (step > 0) {
    const absl::Duration remaining =
        elapsed / static_cast<double>(step) * static_cast<double>(steps - step);
    left = absl::StrFormat(", about %d s left",
                           static_cast<int>(absl::ToDoubleSeconds(remaining)));
  }
  const bool terminal = isatty(fileno(stderr)) != 0;
  std::fprintf(stderr, "%s[%zu/%zu] round %d/%d: %s, %s on %d ranks%s\n",
               terminal ? "\r\033[K" : "", step + 1, steps, launch.round,
               rounds, launch.section.c_str(), launch.Contenders().c_str(),
               launch.ranks, left.c_str());
}

// The command of the Python peer and of the C++ worker for `launch`.
std::vector<std::string> PythonCommand(const Launch& launch,
                                       const std::string& python,
                                       const std::string& peer, int reps,
                                       int big_reps) {
  std::vector<std::string> command = {python,
                                      peer,
                                      launch.section,
                                      "--reps",
                                      absl::StrCat(reps),
                                      "--big_reps",
                                      absl::StrCat(big_reps),
                                      "--languages",
                                      absl::StrJoin(launch.languages, ","),
                                      "--sizes"};
  for (size_t size : launch.sizes) command.push_back(absl::StrCat(size));
  return command;
}

std::vector<std::string> WorkerCommand(const Launch& launch,
                                       const std::string& self, int reps,
                                       int big_reps) {
  return {self,
          absl::StrCat("--worker=", launch.section),
          absl::StrCat("--sizes=", Join(launch.sizes)),
          absl::StrCat("--reps=", reps),
          absl::StrCat("--big_reps=", big_reps),
          absl::StrCat("--languages=", absl::StrJoin(launch.languages, ","))};
}

int RunDriver(const pkl5::bench::RunInfo& run) {
  const bool quick = absl::GetFlag(FLAGS_quick);
  const int rounds = quick ? 1 : absl::GetFlag(FLAGS_rounds);
  const int reps = quick ? 2 : absl::GetFlag(FLAGS_reps);
  const int big_reps = quick ? 1 : absl::GetFlag(FLAGS_big_reps);

  std::vector<size_t> p2p_sizes;
  const auto max_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_bytes));
  for (size_t size = 8; size <= max_bytes; size *= 8) p2p_sizes.push_back(size);
  if (p2p_sizes.empty() || p2p_sizes.back() != max_bytes) {
    p2p_sizes.push_back(max_bytes);
  }
  if (absl::GetFlag(FLAGS_huge)) p2p_sizes.push_back(size_t{3} << 30);
  std::vector<size_t> collective_sizes = {8, size_t{1} << 20,
                                          size_t{256} << 20};
  size_t memory_size = size_t{1} << 30;
  std::vector<size_t> mixed_sizes = {8, size_t{1} << 20, size_t{1} << 30};
  std::vector<int> collective_ranks;
  for (absl::string_view word :
       absl::StrSplit(absl::GetFlag(FLAGS_ranks), ',', absl::SkipEmpty())) {
    int ranks = 0;
    if (absl::SimpleAtoi(word, &ranks) && ranks >= 1) {
      collective_ranks.push_back(ranks);
    }
  }
  if (quick) {
    p2p_sizes = {8, 4096, size_t{1} << 20};
    collective_sizes = {8, size_t{1} << 20};
    memory_size = size_t{64} << 20;
    mixed_sizes = {8, size_t{1} << 20};
    collective_ranks = {2};
  }
  mixed_sizes.erase(
      std::remove_if(mixed_sizes.begin(), mixed_sizes.end(),
                     [&](size_t size) { return size > max_bytes; }),
      mixed_sizes.end());

  const std::string python = absl::GetFlag(FLAGS_python);
  const std::string peer = pkl5::bench::RunfilePath("bench/mpi4py_peer.py");
  const bool have_python =
      std::system(absl::StrCat(python, " -c 'import mpi4py, numpy' 2>/dev/null")
                      .c_str()) == 0;
  if (!have_python) {
    std::fprintf(stderr,
                 "bench: %s cannot import mpi4py and numpy; the mpi4py "
                 "columns stay empty (tools/setup.sh installs them)\n",
                 python.c_str());
  }

  std::vector<Launch> plan;
  for (int round = 1; round <= rounds; ++round) {
    for (absl::string_view section :
         absl::StrSplit(absl::GetFlag(FLAGS_sections), ',')) {
      std::vector<int> ranks_list = {2};
      std::vector<size_t> sizes;
      if (section == "p2p") {
        sizes = p2p_sizes;
      } else if (section == "collectives" || section == "reductions") {
        sizes = collective_sizes;
        ranks_list = collective_ranks;
      } else if (section == "memory") {
        if (round > 1) continue;  // one receive tells it
        sizes = {memory_size};
      } else if (section == "mixed") {
        // C++ and Python ranks in one job (Python mode) next to Python
        // alone and C++ alone on the same wire.
        std::vector<std::vector<std::string>> jobs = {{"cpp", "cpp"}};
        if (have_python) {
          jobs.push_back({"cpp", "python"});
          jobs.push_back({"python", "python"});
        }
        for (const std::vector<std::string>& languages : jobs) {
          plan.push_back(Launch{"mixed", 2, mixed_sizes, languages, round});
        }
        continue;
      } else if (section != "objects") {
        std::fprintf(stderr, "bench: unknown section %s\n",
                     std::string(section).c_str());
        return 2;
      }
      for (int ranks : ranks_list) {
        for (const char* language : {"cpp", "python"}) {
          if (language == std::string("python") && !have_python) continue;
          plan.push_back(
              Launch{std::string(section), ranks, sizes, {language}, round});
        }
      }
    }
  }

  std::vector<Sample> samples;
  const std::string self = pkl5::bench::SelfPath();
  const absl::Time start = absl::Now();
  for (size_t step = 0; step < plan.size(); ++step) {
    const Launch& launch = plan[step];
    ReportProgress(step, plan.size(), launch, rounds, absl::Now() - start);
    // A mixed job runs one rank of each language; the others run one
    // program on every rank.
    std::vector<pkl5::bench::MpiPart> parts;
    for (const std::string& language : launch.languages) {
      const int ranks = launch.section == "mixed" ? 1 : launch.ranks;
      parts.push_back(
          {ranks, language == "python"
                      ? PythonCommand(launch, python, peer, reps, big_reps)
                      : WorkerCommand(launch, self, reps, big_reps)});
    }
    absl::StatusOr<std::vector<Sample>> got =
        pkl5::bench::RunUnderMpirun(parts);
    if (!got.ok()) {
      std::fprintf(stderr, "bench: %s\n", got.status().ToString().c_str());
      return 1;
    }
    samples.insert(samples.end(), got->begin(), got->end());
  }

  const pkl5::bench::Results results = pkl5::bench::Summarize(samples);
  const std::string report = pkl5::bench::FormatReport(results, run);
  std::printf("\n%s", report.c_str());

  const std::string directory = OutputDirectory();
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    std::fprintf(stderr, "bench: cannot create %s: %s\n", directory.c_str(),
                 error.message().c_str());
    return 1;
  }
  std::ofstream(directory + "/bench.md") << report;
  absl::Status written =
      pkl5::bench::WriteCsv(results, directory + "/bench.csv");
  if (written.ok()) {
    written =
        pkl5::bench::PlotBandwidth(results, directory + "/p2p_bandwidth.svg");
  }
  if (!written.ok()) {
    std::fprintf(stderr, "bench: %s\n", written.ToString().c_str());
    return 1;
  }
  std::printf("\nwrote %s/bench.md, bench.csv, p2p_bandwidth.svg\n",
              directory.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (!absl::GetFlag(FLAGS_worker).empty()) return RunWorker(argc, argv);
  return RunDriver(DescribeRun(argc, argv));
}
