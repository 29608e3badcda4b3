// Encode + decode throughput of pkl5's serialization next to cereal's and
// Boost.Serialization's binary archives, on the same data in the same run.
//
//   bazel run -c opt //bench:serialization_bench [-- --reps=N --quick]
//
// Contenders are interleaved within every repetition so machine noise hits
// them alike; each cell is the median of the repetitions. "decode" for pkl5
// includes writing every out-of-band buffer into its landing zone (what the
// transport does when it receives), so all three produce a complete object
// from bytes. Ratios compare times measured in this run only.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/archive/binary_iarchive.hpp"
#include "boost/archive/binary_oarchive.hpp"
#include "boost/serialization/map.hpp"
#include "boost/serialization/string.hpp"
#include "boost/serialization/vector.hpp"
#include "cereal/archives/binary.hpp"
#include "cereal/types/map.hpp"
#include "cereal/types/string.hpp"
#include "cereal/types/vector.hpp"
#include "pkl5/bench/statistics.h"
#include "pkl5/serialization/serialization.h"

namespace {

using ::pkl5::bench::Median;

struct Sample {
  int32_t id = 0;
  float x = 0;
  float y = 0;
  float z = 0;
  PKL5_FIELDS(Sample, id, x, y, z);

  template <typename Archive>
  void serialize(Archive& archive) {  // cereal
    archive(id, x, y, z);
  }
};

}  // namespace

// Boost's, as a free function: as a member it would be cereal's versioned
// overload too.
namespace boost::serialization {
template <typename Archive>
void serialize(Archive& archive, Sample& sample, unsigned /*version*/) {
  archive& sample.id& sample.x& sample.y& sample.z;
}
}  // namespace boost::serialization

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Keeps the optimiser from dropping work whose result is unused.
volatile size_t sink = 0;

struct Timing {
  std::vector<double> encode;
  std::vector<double> decode;
};

template <typename T>
void RunPkl5(const T& value, Timing& timing) {
  Clock::time_point start = Clock::now();
  const pkl5::Frame frame = pkl5::Encode(value);
  timing.encode.push_back(Seconds(start));

  start = Clock::now();
  T decoded{};
  const absl::StatusOr<pkl5::FrameHeader> header =
      pkl5::ParseFrameHeader(frame.header);
  absl::StatusOr<std::vector<pkl5::LandingZone>> zones =
      pkl5::BeginDecode(*header, frame.inband, decoded);
  if (!zones.ok()) {
    std::fprintf(stderr, "pkl5 decode failed: %s\n",
                 zones.status().ToString().c_str());
    std::exit(1);
  }
  for (size_t i = 0; i < zones->size(); ++i) {
    std::memcpy((*zones)[i].data, frame.buffers[i].data, (*zones)[i].size);
  }
  timing.decode.push_back(Seconds(start));
  sink = sink + frame.inband.size() + decoded.size();
}

template <typename T>
void RunCereal(const T& value, Timing& timing) {
  Clock::time_point start = Clock::now();
  std::stringstream stream;
  {
    cereal::BinaryOutputArchive archive(stream);
    archive(value);
  }
  timing.encode.push_back(Seconds(start));
  start = Clock::now();
  T decoded{};
  {
    cereal::BinaryInputArchive archive(stream);
    archive(decoded);
  }
  timing.decode.push_back(Seconds(start));
  sink = sink + decoded.size();
}

template <typename T>
void RunBoost(const T& value, Timing& timing) {
  Clock::time_point start = Clock::now();
  std::stringstream stream;
  {
    boost::archive::binary_oarchive archive(stream, boost::archive::no_header);
    archive << value;
  }
  timing.encode.push_back(Seconds(start));
  start = Clock::now();
  T decoded{};
  {
    boost::archive::binary_iarchive archive(stream, boost::archive::no_header);
    archive >> decoded;
  }
  timing.decode.push_back(Seconds(start));
  sink = sink + decoded.size();
}

std::string Time(double seconds) {
  if (seconds < 1e-3) return absl::StrFormat("%.1f us", seconds * 1e6);
  if (seconds < 1) return absl::StrFormat("%.2f ms", seconds * 1e3);
  return absl::StrFormat("%.2f s", seconds);
}

template <typename T>
void Case(const std::string& name, const T& value, int reps) {
  Timing pkl5_timing, cereal_timing, boost_timing;
  for (int rep = 0; rep < reps + 1; ++rep) {
    // The first round warms caches and allocators and is discarded.
    RunPkl5(value, pkl5_timing);
    RunCereal(value, cereal_timing);
    RunBoost(value, boost_timing);
    if (rep == 0) {
      for (Timing* t : {&pkl5_timing, &cereal_timing, &boost_timing}) {
        t->encode.clear();
        t->decode.clear();
      }
    }
  }
  const double pkl5_encode = Median(pkl5_timing.encode);
  const double pkl5_total =
      Median(pkl5_timing.encode) + Median(pkl5_timing.decode);
  const double cereal_total =
      Median(cereal_timing.encode) + Median(cereal_timing.decode);
  const double boost_total =
      Median(boost_timing.encode) + Median(boost_timing.decode);
  std::printf("| %-40s | %10s | %10s | %10s | %10s | %8.2fx | %8.2fx |\n",
              name.c_str(), Time(pkl5_encode).c_str(), Time(pkl5_total).c_str(),
              Time(cereal_total).c_str(), Time(boost_total).c_str(),
              cereal_total / pkl5_total, boost_total / pkl5_total);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 7;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg.rfind("--reps=", 0) == 0 &&
               absl::SimpleAtoi(arg.substr(7), &reps) && reps > 0) {
    } else {
      std::fprintf(stderr, "usage: %s [--reps=N] [--quick]\n", argv[0]);
      return 2;
    }
  }
  std::printf(
      "encode+decode, median of %d; out-of-band threshold %llu B\n\n", reps,
      static_cast<unsigned long long>(pkl5::kDefaultOutOfBandThreshold));
  std::printf("| %-40s | %10s | %10s | %10s | %10s | %9s | %9s |\n", "data",
              "pkl5 enc", "pkl5 e+d", "cereal e+d", "boost e+d", "cereal/pkl5",
              "boost/pkl5");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(42, '-').c_str(),
              std::string(12, '-').c_str(), std::string(12, '-').c_str(),
              std::string(12, '-').c_str(), std::string(12, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str());

  Case("(a) vector<double> 1 MiB", std::vector<double>(1 << 17, 1.5), reps);
  if (!quick) {
    Case("(a) vector<double> 256 MiB", std::vector<double>(1 << 25, 1.5),
         std::min(reps, 5));
  }
  std::map<std::string, std::vector<double>> map;
  for (int i = 0; i < 1000; ++i) {
    map[absl::StrFormat("key_%04d", i)] = std::vector<double>(100, i);
  }
  Case("(b) map<string,vector<f64>> 1000 keys", map, reps);
  std::vector<std::string> strings(quick ? 100000 : 1000000);
  for (size_t i = 0; i < strings.size(); ++i) {
    strings[i] = absl::StrCat("str", i);
  }
  Case(absl::StrCat("(c) vector<string> ", strings.size(), " short"), strings,
       reps);
  std::vector<Sample> samples(quick ? 100000 : 1000000);
  for (size_t i = 0; i < samples.size(); ++i) {
    samples[i] = Sample{static_cast<int32_t>(i), 1.0f, 2.0f, 3.0f};
  }
  Case(absl::StrCat("(d) vector<Sample{i32,f32x3}> ", samples.size()), samples,
       reps);
  return sink == 0 ? 1 : 0;
}
