// The pickle reader's fuzz target, shared by libFuzzer builds
// (tools/fuzz.sh pickle) and the regression test that replays its corpus
// under `bazel test`.
//
// Input layout: byte 0 picks the C++ type the stream is read into (mod
// kPickleFuzzTypeCount), byte 1 the number of out-of-band buffers (mod 5),
// each then given as a 16-bit little-endian size; the rest is the stream.
#ifndef PKL5_PYTHON_PICKLE_FUZZER_H_
#define PKL5_PYTHON_PICKLE_FUZZER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pkl5::python {

inline constexpr uint8_t kPickleFuzzTypeCount = 9;

// Reads `data` as described above; never crashes, hangs or runs away with
// memory on any input.
int FuzzPickle(const uint8_t* data, size_t size);

// The input that reads `stream` with `buffers` into type `type_index`.
std::string PickleFuzzInput(uint8_t type_index, const std::string& stream,
                            const std::vector<std::string>& buffers);

}  // namespace pkl5::python

#endif  // PKL5_PYTHON_PICKLE_FUZZER_H_
