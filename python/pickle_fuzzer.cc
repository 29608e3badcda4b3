#include "pkl5/python/pickle_fuzzer.h"

#include <complex>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/string_view.h"
#include "pkl5/python/pickle.h"

namespace pkl5::python {
namespace {

struct Particle {
  std::string name;
  std::vector<double> position;
  int charge = 0;
  PKL5_FIELDS(Particle, name, position, charge);
};

template <typename T>
void Read(absl::string_view stream, const std::vector<std::string>& buffers) {
  std::vector<absl::string_view> views(buffers.begin(), buffers.end());
  PickleOptions options;
  options.max_object_bytes = uint64_t{64} << 20;  // libFuzzer's rss limit
  static_cast<void>(Loads<T>(stream, views, options));
}

}  // namespace

int FuzzPickle(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t type = data[0] % kPickleFuzzTypeCount;
  const size_t count = data[1] % 5;
  size_t at = 2;
  std::vector<std::string> buffers;
  for (size_t i = 0; i < count && at + 2 <= size; ++i, at += 2) {
    const size_t bytes = data[at] | (size_t{data[at + 1]} << 8);
    buffers.emplace_back(bytes, static_cast<char>(i));
  }
  const absl::string_view stream(reinterpret_cast<const char*>(data) + at,
                                 size - std::min(at, size));
  switch (type) {
    case 0:
      Read<Particle>(stream, buffers);
      break;
    case 1:
      Read<std::vector<double>>(stream, buffers);
      break;
    case 2:
      Read<std::vector<std::vector<float>>>(stream, buffers);
      break;
    case 3:
      Read<std::map<std::string, std::vector<int>>>(stream, buffers);
      break;
    case 4:
      Read<std::tuple<int, std::string, Bytes>>(stream, buffers);
      break;
    case 5:
      Read<std::set<int64_t>>(stream, buffers);
      break;
    case 6:
      Read<std::vector<bool>>(stream, buffers);
      break;
    case 7:
      Read<std::optional<std::complex<double>>>(stream, buffers);
      break;
    default:
      Read<std::vector<std::string>>(stream, buffers);
      break;
  }
  return 0;
}

std::string PickleFuzzInput(uint8_t type_index, const std::string& stream,
                            const std::vector<std::string>& buffers) {
  std::string input;
  input.push_back(static_cast<char>(type_index));
  input.push_back(static_cast<char>(buffers.size()));
  for (const std::string& buffer : buffers) {
    input.push_back(static_cast<char>(buffer.size() & 0xff));
    input.push_back(static_cast<char>((buffer.size() >> 8) & 0xff));
  }
  return input + stream;
}

}  // namespace pkl5::python

// libFuzzer's entry point, for builds with -fsanitize=fuzzer.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return pkl5::python::FuzzPickle(data, size);
}
