#include "bench/report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/size_name.h"

namespace pkl5::bench {
namespace {

constexpr char kRaw[] = "raw MPI";
constexpr size_t kLarge = size_t{16} << 20;  // "large array" from here

std::string Time(double seconds) {
  if (seconds < 1e-3) return absl::StrFormat("%.2f us", seconds * 1e6);
  if (seconds < 1) return absl::StrFormat("%.2f ms", seconds * 1e3);
  return absl::StrFormat("%.2f s", seconds);
}

const Summary* Find(const std::map<std::string, Summary>& contenders,
                    const std::string& name) {
  auto found = contenders.find(name);
  return found == contenders.end() ? nullptr : &found->second;
}

// "1.02x ±3%": `of`'s median over `to`'s.
std::string Ratio(const Summary* of, const Summary* to) {
  if (of == nullptr || to == nullptr || to->median <= 0) return "n/a";
  return absl::StrFormat("%.2fx ±%.0f%%", of->median / to->median,
                         of->SpreadPercent());
}

std::optional<double> RatioValue(const Summary* of, const Summary* to) {
  if (of == nullptr || to == nullptr || to->median <= 0) return std::nullopt;
  return of->median / to->median;
}

std::string Row(const std::vector<std::string>& cells) {
  return absl::StrCat("| ", absl::StrJoin(cells, " | "), " |\n");
}

std::string Header(const std::vector<std::string>& cells) {
  std::string separator = "|";
  for (size_t i = 0; i < cells.size(); ++i) separator += "---|";
  return absl::StrCat(Row(cells), separator, "\n");
}

// Cases of one section, in order.
std::vector<std::pair<Case, const std::map<std::string, Summary>*>> Section(
    const Results& results, const std::string& section) {
  std::vector<std::pair<Case, const std::map<std::string, Summary>*>> cases;
  for (const auto& [measured, contenders] : results) {
    if (measured.section == section) cases.push_back({measured, &contenders});
  }
  return cases;
}

// Collects the targets' verdicts as the tables are made.
struct Targets {
  std::optional<double> worst_reused;     // pkl5 time / raw, large arrays
  std::optional<double> worst_vs_python;  // mpi4py / pkl5 fresh, large
  std::optional<double> worst_small;      // best pkl5 path / raw, objects
  std::optional<double> worst_boost;      // Boost / pkl5, composite
  std::optional<double> worst_memory;     // peak growth / size
  std::optional<double> worst_reduction;  // pkl5 / raw, allreduce >= 1 MiB
  static void Max(std::optional<double>& worst, std::optional<double> value) {
    if (value && (!worst || *value > *worst)) worst = value;
  }
  static void Min(std::optional<double>& worst, std::optional<double> value) {
    if (value && (!worst || *value < *worst)) worst = value;
  }
};

std::string PointToPoint(const Results& results, Targets& targets) {
  auto cases = Section(results, "p2p");
  if (cases.empty()) return "";
  std::string out =
      "### Point to point: ping-pong of a byte array, one way\n\n"
      "Median time of raw MPI (one MPI_Send/MPI_Recv into reused memory) "
      "and each contender's median time over it (lower is better), "
      "± the interquartile range over the median. pkl5: `send` + "
      "`recv_into` (reused storage); raw MPI fresh: MPI_Recv into new "
      "storage every hop, advised for huge pages as pkl5 does; pkl5 fresh: "
      "`recv<std::vector>` (new storage every hop); Boost.MPI: `send`/`recv` "
      "of the `std::vector`; "
      "mpi4py pkl5: `send`/`recv` of a NumPy array (new storage every "
      "hop).\n\n";
  const std::vector<std::string> contenders = {
      "pkl5", "raw MPI fresh", "pkl5 fresh", "Boost.MPI", "mpi4py pkl5"};
  std::vector<std::string> header = {"size", "raw MPI", "raw GB/s"};
  header.insert(header.end(), contenders.begin(), contenders.end());
  out += Header(header);
  for (const auto& [measured, by_contender] : cases) {
    const Summary* raw = Find(*by_contender, kRaw);
    std::vector<std::string> row = {
        SizeName(measured.bytes), raw ? Time(raw->median) : "n/a",
        raw ? absl::StrFormat("%.2f", static_cast<double>(measured.bytes) /
                                          raw->median / 1e9)
            : "n/a"};
    for (const std::string& contender : contenders) {
      row.push_back(Ratio(Find(*by_contender, contender), raw));
    }
    out += Row(row);
    const Summary* pkl5 = Find(*by_contender, "pkl5");
    if (measured.bytes >= kLarge) {
      Targets::Max(targets.worst_reused, RatioValue(pkl5, raw));
      Targets::Min(targets.worst_vs_python,
                   RatioValue(Find(*by_contender, "mpi4py pkl5"),
                              Find(*by_contender, "pkl5 fresh")));
    }
  }
  return out + "\n";
}

// The objects in the order the caption lists them.
constexpr const char* kObjectOrder[] = {"int",
                                        "struct10",
                                        "string",
                                        "vector<double>(8)",
                                        "pair<int,string>",
                                        "variant<int,double,string>",
                                        "map1000",
                                        "strings100k"};

size_t ObjectRank(const std::string& name) {
  const auto* end = std::end(kObjectOrder);
  return static_cast<size_t>(std::find(std::begin(kObjectOrder), end, name) -
                             std::begin(kObjectOrder));
}

std::string Objects(const Results& results, Targets& targets) {
  auto cases = Section(results, "objects");
  if (cases.empty()) return "";
  std::stable_sort(
      cases.begin(), cases.end(), [](const auto& a, const auto& b) {
        return ObjectRank(a.first.case_name) < ObjectRank(b.first.case_name);
      });
  std::string out =
      "### Objects: ping-pong, one way, a new object every hop\n\n"
      "int, a 10-field struct (80 B), a 17-character string, "
      "`vector<double>(8)`, `pair<int,string>` (7, \"seven\"), "
      "`variant<int,double,string>` holding a double, "
      "`map<string, vector<double>>` (1000 keys x 100 doubles) and "
      "`vector<string>` (100k x 14 characters). Raw MPI sends one message "
      "of the object's bytes (the pair and the variant: of as many bytes "
      "from a buffer); the composite objects have no raw equivalent. pkl5: "
      "blocking `recv`; pkl5 irecv: `irecv(...).wait()` "
      "(posted receive). Boost.MPI cannot send a std::variant (Boost 1.74). "
      "mpi4py pkl5 sends the Python equivalents (int, 10-tuple, str, list "
      "of 8 floats, (int, str), float, dict of NumPy arrays, list of str). "
      "Every ratio is a time over another, so above 1 the first is slower; "
      "pkl5's is its faster receive path.\n\n";
  out += Header({"object", "raw MPI", "pkl5", "pkl5 irecv", "Boost.MPI",
                 "mpi4py pkl5", "pkl5, x slower than raw",
                 "Boost.MPI, x slower than pkl5",
                 "mpi4py pkl5, x slower than pkl5"});
  for (const auto& [measured, by_contender] : cases) {
    const Summary* raw = Find(*by_contender, kRaw);
    const Summary* pkl5 = Find(*by_contender, "pkl5");
    const Summary* irecv = Find(*by_contender, "pkl5 irecv");
    const Summary* boost = Find(*by_contender, "Boost.MPI");
    const Summary* python = Find(*by_contender, "mpi4py pkl5");
    auto time = [](const Summary* summary) {
      return summary ? Time(summary->median) : std::string("n/a");
    };
    // The faster of pkl5's two receive paths.
    const Summary* best = pkl5;
    if (irecv && (!best || irecv->median < best->median)) best = irecv;
    out += Row({measured.case_name, time(raw), time(pkl5), time(irecv),
                time(boost), time(python), Ratio(best, raw), Ratio(boost, best),
                Ratio(python, best)});
    if (raw) Targets::Max(targets.worst_small, RatioValue(best, raw));
    if (measured.bytes >= 4096) {  // composite: map1000, strings100k
      Targets::Min(targets.worst_boost, RatioValue(boost, best));
    }
  }
  return out + "\n";
}

std::string Collectives(const Results& results) {
  auto cases = Section(results, "collectives");
  if (cases.empty()) return "";
  std::string out =
      "### Collectives: a byte array from every rank (allgather) or the "
      "root (bcast)\n\n"
      "Median time of raw MPI_Bcast/MPI_Allgather into reused memory and "
      "each contender's over it. pkl5 broadcasts in place and allgathers "
      "into reused vectors. Debian's mpi4py is 3.1.4: its pkl5 has bcast; "
      "its allgather is mpi4py's pickle allgather (pkl5 gained one in "
      "4.0). 4 ranks on 2 cores are oversubscribed.\n\n";
  out += Header({"operation", "ranks", "size", "raw MPI", "pkl5", "mpi4py"});
  for (const auto& [measured, by_contender] : cases) {
    const Summary* raw = Find(*by_contender, kRaw);
    const Summary* python = Find(*by_contender, "mpi4py pkl5");
    std::string python_name = "pkl5";
    if (python == nullptr) {
      python = Find(*by_contender, "mpi4py pickle");
      python_name = "pickle";
    }
    out +=
        Row({measured.case_name, absl::StrCat(measured.ranks),
             SizeName(measured.bytes), raw ? Time(raw->median) : "n/a",
             Ratio(Find(*by_contender, "pkl5"), raw),
             python ? absl::StrCat(Ratio(python, raw), " (", python_name, ")")
                    : "n/a"});
  }
  return out + "\n";
}

std::string Reductions(const Results& results, Targets& targets) {
  auto cases = Section(results, "reductions");
  if (cases.empty()) return "";
  std::string out =
      "### Reductions: allreduce of float64 arrays and of a counter map\n\n"
      "Element-wise sums of float64 arrays: raw MPI_Allreduce into reused "
      "memory, pkl5's `allreduce(comm, mine, out, std::plus<>())` (MPI's "
      "own reduction, in chunks, after a 96-byte check that every rank "
      "called alike), mpi4py's lowercase `allreduce` of a NumPy array "
      "(pickled; Debian's mpi4py 3.1.4 pkl5 has no reductions). The map: "
      "1000 string keys to int64 counts, merged by the same op in pkl5's "
      "tree and Boost.MPI's `all_reduce`. 4 ranks on 2 cores are "
      "oversubscribed.\n\n";
  out += Header({"operation", "ranks", "size", "raw MPI", "pkl5",
                 "pkl5, x slower than raw", "mpi4py, x slower than raw",
                 "Boost.MPI, x slower than pkl5"});
  for (const auto& [measured, by_contender] : cases) {
    const Summary* raw = Find(*by_contender, kRaw);
    const Summary* pkl5 = Find(*by_contender, "pkl5");
    const bool map = measured.case_name == "allreduce map1000";
    out +=
        Row({measured.case_name, absl::StrCat(measured.ranks),
             map ? "1000 keys" : SizeName(measured.bytes),
             raw ? Time(raw->median) : "n/a", pkl5 ? Time(pkl5->median) : "n/a",
             Ratio(pkl5, raw), Ratio(Find(*by_contender, "mpi4py pickle"), raw),
             Ratio(Find(*by_contender, "Boost.MPI"), pkl5)});
    if (!map && measured.bytes >= (size_t{1} << 20)) {
      Targets::Max(targets.worst_reduction, RatioValue(pkl5, raw));
    }
  }
  return out + "\n";
}

std::string Memory(const Results& results, Targets& targets) {
  auto cases = Section(results, "memory");
  if (cases.empty()) return "";
  std::string out =
      "### Memory: receiving one array into new storage\n\n"
      "Growth of the receiving rank's peak resident set (VmHWM) over what "
      "was resident before the receive, over the array's size.\n\n";
  out += Header({"array", "pkl5", "mpi4py pkl5"});
  for (const auto& [measured, by_contender] : cases) {
    auto growth = [&](const char* contender) -> std::string {
      const Summary* summary = Find(*by_contender, contender);
      if (summary == nullptr) return "n/a";
      return absl::StrFormat(
          "%.3fx", summary->median / static_cast<double>(measured.bytes));
    };
    out +=
        Row({SizeName(measured.bytes), growth("pkl5"), growth("mpi4py pkl5")});
    if (const Summary* pkl5 = Find(*by_contender, "pkl5")) {
      Targets::Max(targets.worst_memory,
                   pkl5->median / static_cast<double>(measured.bytes));
    }
  }
  return out + "\n";
}

std::string Mixed(const Results& results) {
  auto cases = Section(results, "mixed");
  if (cases.empty()) return "";
  std::string out =
      "### Mixed jobs: NumPy arrays between C++ and Python ranks\n\n"
      "A uint8 array sent one way on mpi4py.util.pkl5's wire in a 2-rank "
      "job, each hop acknowledged by a zero-byte raw MPI message back (part "
      "of every time below). Python: `comm.send`/`comm.recv` of a NumPy "
      "array; C++: `pkl5::python::Intracomm` `send`/`recv` of a "
      "`std::vector<uint8_t>`; a received array is new storage, as in "
      "Python. C++ and Python ranks share one MPMD job (`mpirun -np 1 "
      "worker : -np 1 python3 peer`); raw MPI (reused memory) and C++ to "
      "C++ run in a job of two C++ ranks.\n\n";
  const std::vector<std::string> contenders = {
      "Python to Python", "C++ to Python", "Python to C++", "C++ to C++"};
  std::vector<std::string> header = {"size", "raw MPI"};
  header.insert(header.end(), contenders.begin(), contenders.end());
  header.insert(header.end(),
                {"C++ to Python, x slower than Python to Python",
                 "Python to C++, x slower than Python to Python"});
  out += Header(header);
  for (const auto& [measured, by_contender] : cases) {
    auto time = [&](const std::string& contender) {
      const Summary* summary = Find(*by_contender, contender);
      return summary ? Time(summary->median) : std::string("n/a");
    };
    std::vector<std::string> row = {SizeName(measured.bytes), time(kRaw)};
    for (const std::string& contender : contenders) {
      row.push_back(time(contender));
    }
    const Summary* python = Find(*by_contender, "Python to Python");
    row.push_back(Ratio(Find(*by_contender, "C++ to Python"), python));
    row.push_back(Ratio(Find(*by_contender, "Python to C++"), python));
    out += Row(row);
  }
  return out + "\n";
}

std::string Verdict(const char* target, std::optional<double> value,
                    const char* format, bool met) {
  if (!value) return absl::StrFormat("- %s: not measured\n", target);
  return absl::StrFormat("- %s: %s — %s\n", target,
                         absl::StrFormat(format, *value),
                         met ? "met" : "MISSED");
}

}  // namespace

std::string FormatReport(const Results& results, const RunInfo& run) {
  Targets targets;
  std::string out =
      absl::StrCat("Measured ", run.date, " at commit ", run.commit, " on ",
                   run.machine, ", with\n\n```sh\n", run.command, "\n```\n\n");
  out += PointToPoint(results, targets);
  out += Objects(results, targets);
  out += Collectives(results);
  out += Reductions(results, targets);
  out += Memory(results, targets);
  out += Mixed(results);
  out += "### Targets\n\n";
  out += Verdict(
      "large arrays (>= 16 MiB) into reused storage within 5% of raw MPI",
      targets.worst_reused, "worst %.3fx raw time",
      targets.worst_reused && *targets.worst_reused <= 1.0 / 0.95);
  out += Verdict("large arrays into new storage >= 3x mpi4py pkl5",
                 targets.worst_vs_python, "worst %.1fx faster",
                 targets.worst_vs_python && *targets.worst_vs_python >= 3);
  out += Verdict("small objects <= 1.3x raw MPI's single message",
                 targets.worst_small, "worst %.2fx",
                 targets.worst_small && *targets.worst_small <= 1.3);
  out += Verdict("composite objects >= 2x faster than Boost.MPI",
                 targets.worst_boost, "worst %.2fx",
                 targets.worst_boost && *targets.worst_boost >= 2);
  out += Verdict("allreduce of >= 1 MiB of doubles within 10% of raw MPI",
                 targets.worst_reduction, "worst %.2fx raw time",
                 targets.worst_reduction && *targets.worst_reduction <= 1.1);
  out += Verdict("receiving an array peaks at <= 1.1x its size",
                 targets.worst_memory, "%.3fx",
                 targets.worst_memory && *targets.worst_memory <= 1.1);
  return out;
}

absl::Status WriteCsv(const Results& results, const std::string& path) {
  std::ofstream csv(path);
  if (!csv) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  csv << "section,case,contender,ranks,bytes,median,q1,q3,repetitions\n";
  for (const auto& [measured, by_contender] : results) {
    for (const auto& [contender, summary] : by_contender) {
      // Quoted: a case name may hold commas.
      csv << absl::StrFormat("%s,\"%s\",%s,%d,%zu,%.9g,%.9g,%.9g,%d\n",
                             measured.section, measured.case_name, contender,
                             measured.ranks, measured.bytes, summary.median,
                             summary.q1, summary.q3, summary.count);
    }
  }
  csv.close();
  if (!csv) return absl::DataLossError(absl::StrCat("writing ", path));
  return absl::OkStatus();
}

absl::Status PlotBandwidth(const Results& results,
                           const std::string& svg_path) {
  // One data block per contender: size, GB/s at the median and at the
  // quartiles' times (the error bar).
  struct Point {
    size_t bytes;
    double median, low, high;
  };
  std::map<std::string, std::vector<Point>> lines;
  double lowest = 0;
  for (const auto& [measured, contenders] : Section(results, "p2p")) {
    for (const auto& [contender, summary] : *contenders) {
      const auto bytes = static_cast<double>(measured.bytes);
      const Point point{measured.bytes, bytes / summary.median / 1e9,
                        bytes / summary.q3 / 1e9, bytes / summary.q1 / 1e9};
      lines[contender].push_back(point);
      if (lowest == 0 || point.low < lowest) lowest = point.low;
    }
  }
  if (lines.empty()) return absl::OkStatus();
  const std::string data_path = svg_path + ".dat";
  const std::string script_path = svg_path + ".gp";
  // The script names its files relative to its own directory, where
  // gnuplot runs, so it can be rerun wherever the results are copied.
  const size_t slash = svg_path.rfind('/');
  const std::string directory =
      slash == std::string::npos ? "." : svg_path.substr(0, slash);
  const std::string svg_name =
      slash == std::string::npos ? svg_path : svg_path.substr(slash + 1);
  std::ofstream data(data_path);
  std::vector<std::string> plots;
  int index = 0;
  for (const auto& [contender, points] : lines) {
    data << "# " << contender << ": bytes, GB/s (median, q3 time, q1 time)\n";
    for (const Point& point : points) {
      data << point.bytes << " " << point.median << " " << point.low << " "
           << point.high << "\n";
    }
    data << "\n\n";
    plots.push_back(absl::StrFormat(
        "'%s' index %d using 1:2:3:4 with yerrorlines linetype %d title '%s'",
        svg_name + ".dat", index, index + 1, contender));
    ++index;
  }
  data.close();
  // A tic at every measured size, named as in the tables; the range
  // leaves room on both sides so the first and last are drawn.
  std::set<size_t> sizes;
  for (const auto& [contender, points] : lines) {
    for (const Point& point : points) sizes.insert(point.bytes);
  }
  std::vector<std::string> tics;
  for (size_t size : sizes) {
    tics.push_back(absl::StrFormat("\"%s\" %zu", SizeName(size), size));
  }
  // Colors that read on white and on dark pages (no yellow), filled
  // markers, an opaque white background.
  constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c",
                                     "#9467bd", "#8c564b", "#e377c2",
                                     "#17becf", "#7f7f7f"};
  std::ofstream script(script_path);
  script << "set terminal svg size 960,600 dynamic font 'sans,12' "
            "background rgb 'white'\n"
         << "set output '" << svg_name << "'\n"
         << "set title 'Ping-pong bandwidth, one way (2 ranks, shared "
            "memory); bars: interquartile range'\n"
         << "set xlabel 'bytes'\nset ylabel 'GB/s'\n"
         << "set logscale x 2\nset logscale y 10\nset format y '%g'\n"
         << absl::StrFormat("set xrange [%g:%g]\n",
                            static_cast<double>(*sizes.begin()) / 2,
                            static_cast<double>(*sizes.rbegin()) * 2)
         << absl::StrFormat("set yrange [%g:*]\n", lowest / 1.5)
         << "set xtics (" << absl::StrJoin(tics, ", ") << ") rotate by -30\n"
         << "set key top left box opaque\nset grid\n";
  for (size_t i = 0; i < std::size(kColors); ++i) {
    script << absl::StrFormat(
        "set linetype %zu linecolor rgb '%s' linewidth 2 pointtype 7 "
        "pointsize 0.8\n",
        i + 1, kColors[i]);
  }
  script << "plot " << absl::StrJoin(plots, ", \\\n     ") << "\n";
  script.close();
  if (!data || !script) {
    return absl::UnavailableError("cannot write the plot's data or script");
  }
  const std::string command =
      absl::StrCat("cd '", directory, "' && gnuplot '", svg_name, ".gp' 2>&1");
  if (std::system(command.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("gnuplot failed on ", script_path,
                     " (tools/setup.sh installs gnuplot-nox)"));
  }
  return absl::OkStatus();
}

}  // namespace pkl5::bench
