// The decoder's fuzz target, shared by libFuzzer builds and the regression
// test that runs it under `bazel test`.
//
// Input layout: byte 0 picks the target type (low 4 bits) and the mode (bit
// 4). In raw mode the next two bytes give the header length, then come the
// header bytes and the in-band bytes, as from the wire. In forged mode the
// header is valid for the target type and the in-band bytes are the rest of
// the input, so the in-band decoder itself meets the fuzz; out-of-band buffer
// sizes are read from a trailing count byte and 16-bit sizes.
#ifndef PKL5_SERIALIZATION_DECODE_FUZZER_H_
#define PKL5_SERIALIZATION_DECODE_FUZZER_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace pkl5 {

// Decodes `data` as described above; never crashes on any input.
int FuzzDecode(const uint8_t* data, size_t size);

// Builds the fuzz input that decodes `frame_header` and `inband` as type
// number `type_index` in raw mode, for seeding.
std::string RawFuzzInput(uint8_t type_index, const std::string& frame_header,
                         const std::string& inband);

// The number of types the fuzzer decodes into.
inline constexpr uint8_t kFuzzTypeCount = 10;

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_DECODE_FUZZER_H_
