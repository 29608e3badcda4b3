#include "pkl5/serialization/decode_fuzzer.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "pkl5/serialization/serialization.h"

namespace pkl5 {
namespace {

struct FuzzRecord {
  std::string name;
  std::vector<double> values;
  std::optional<std::variant<int32_t, std::string>> tag;
  uint8_t flags[4] = {0, 0, 0, 0};
  PKL5_FIELDS(FuzzRecord, name, values, tag, flags);
};

struct FuzzPoint {
  float x = 0;
  float y = 0;
  PKL5_FIELDS(FuzzPoint, x, y);
};

// Keeps any claimed allocation small so the fuzzer explores logic, not
// memory exhaustion.
DecodeOptions FuzzOptions() {
  DecodeOptions options;
  options.max_object_bytes = 1 << 24;
  return options;
}

// Phase one, then writes every landing zone in full (ASan checks each
// zone lies inside the decoded object).
template <typename T>
void DecodeAs(const FrameHeader& header, absl::string_view inband) {
  T value{};
  absl::StatusOr<std::vector<LandingZone>> zones =
      BeginDecode(header, inband, value, FuzzOptions());
  if (!zones.ok()) return;
  for (const LandingZone& zone : *zones) {
    if (zone.size > 0) std::memset(zone.data, 0x5a, zone.size);
  }
}

template <typename T>
void Forge(FrameHeader& header) {
  header.type_name = TypeName<T>();
  header.type_hash = TypeHash<T>();
}

template <typename T>
struct TypeTag {
  using Type = T;
};

// Calls `f(TypeTag<T>())` for type number `index`.
template <typename F>
void WithType(uint8_t index, F&& f) {
  switch (index % kFuzzTypeCount) {
    case 0:
      return f(TypeTag<std::vector<double>>());
    case 1:
      return f(TypeTag<std::string>());
    case 2:
      return f(TypeTag<std::vector<std::string>>());
    case 3:
      return f(TypeTag<std::map<std::string, std::vector<int>>>());
    case 4:
      return f(TypeTag<FuzzRecord>());
    case 5:
      return f(TypeTag<std::vector<FuzzRecord>>());
    case 6:
      return f(TypeTag<std::vector<FuzzPoint>>());
    case 7:
      return f(TypeTag<absl::flat_hash_map<int, std::string>>());
    case 8:
      return f(TypeTag<std::set<std::vector<bool>>>());
    default:
      return f(TypeTag<
               std::tuple<bool, std::optional<int8_t>, std::array<int, 3>>>());
  }
}

}  // namespace

int FuzzDecode(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  const bool forged = (selector & 0x10) != 0;
  ++data;
  --size;
  if (!forged) {
    if (size < 2) return 0;
    const size_t header_size = size_t{data[0]} | size_t{data[1]} << 8;
    data += 2;
    size -= 2;
    if (header_size > size) return 0;
    const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
    // The in-place decode of an object at hand (a compact header is
    // checked without a parse), then the two phases after a parse.
    WithType(selector, [&](auto tag) {
      typename decltype(tag)::Type value{};
      (void)DecodeInto(bytes.substr(0, header_size), bytes.substr(header_size),
                       {}, value, FuzzOptions());
    });
    absl::StatusOr<FrameHeader> header =
        ParseFrameHeader(bytes.substr(0, header_size), FuzzOptions());
    if (!header.ok()) return 0;
    WithType(selector, [&](auto tag) {
      DecodeAs<typename decltype(tag)::Type>(*header,
                                             bytes.substr(header_size));
    });
    return 0;
  }
  FrameHeader header;
  // Trailing buffer sizes: [size16]... count.
  size_t buffers = size > 0 ? data[size - 1] % 8 : 0;
  if (size < 1 + 2 * buffers) return 0;
  size -= 1 + 2 * buffers;
  for (size_t i = 0; i < buffers; ++i) {
    const uint8_t* word = data + size + 2 * i;
    header.buffer_sizes.push_back(uint64_t{word[0]} | uint64_t{word[1]} << 8);
  }
  const absl::string_view inband(reinterpret_cast<const char*>(data), size);
  header.inband_size = inband.size();
  WithType(selector, [&](auto tag) {
    using T = typename decltype(tag)::Type;
    Forge<T>(header);
    DecodeAs<T>(header, inband);
  });
  return 0;
}

std::string RawFuzzInput(uint8_t type_index, const std::string& frame_header,
                         const std::string& inband) {
  std::string input;
  input.push_back(static_cast<char>(type_index & 0x0f));
  input.push_back(static_cast<char>(frame_header.size() & 0xff));
  input.push_back(static_cast<char>((frame_header.size() >> 8) & 0xff));
  return input + frame_header + inband;
}

}  // namespace pkl5

// libFuzzer's entry point, for builds with -fsanitize=fuzzer.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return pkl5::FuzzDecode(data, size);
}
