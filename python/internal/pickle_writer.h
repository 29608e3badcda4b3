// Writes a pickle stream of protocol 5 that Python's pickle.loads (with
// the out-of-band buffers passed as `buffers=`) turns back into plain
// Python values and numpy arrays. The codecs of pickle.h drive it.
//
// Arrays are written as numpy pickles them (numpy.core.numeric._frombuffer
// of a buffer, a dtype, a shape and 'C'), which NumPy 1.x and 2.x both
// load; an array of at least `out_of_band_threshold` bytes goes out of
// band (NEXT_BUFFER: its bytes are sent from where they are, zero copy),
// a smaller one in band, as mpi4py's pkl5 does.
#ifndef PKL5_PYTHON_INTERNAL_PICKLE_WRITER_H_
#define PKL5_PYTHON_INTERNAL_PICKLE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace pkl5::python_internal {

// Bytes in memory somewhere: an array's data, or one row of a nested one.
struct Segment {
  const void* data;
  size_t bytes;
};
// One out-of-band buffer: the rows of an array, sent as one message.
using Segments = absl::InlinedVector<Segment, 1>;
size_t TotalBytes(absl::Span<const Segment> segments);

// A numpy array's element type as Python writes it ("f8", "i4", "b1").
struct ArrayType {
  char kind;  // 'b', 'i', 'u', 'f', 'c'
  size_t itemsize;
};

class PickleWriter {
 public:
  explicit PickleWriter(size_t out_of_band_threshold);

  void None();
  void Bool(bool value);
  void Int(int64_t value);
  void UInt(uint64_t value);
  void Float(double value);
  void Complex(double real, double imag);
  // A str: `utf8` must be UTF-8, or the writer fails (Python could not
  // decode it); see status().
  void Str(absl::string_view utf8);
  void Bytes(absl::string_view bytes);

  // Containers: Begin, the items (key, value, key, value for a dict), End.
  void BeginList();
  void EndList();
  void BeginTuple();
  void EndTuple();
  void BeginDict();
  void EndDict();
  void BeginSet();
  void EndSet();

  // A C-order numpy array of `shape` whose bytes are `segments` back to
  // back (one per row of a nested vector, or one for a flat array).
  void Array(ArrayType type, absl::Span<const int64_t> shape,
             Segments segments);
  // builtins.ValueError(message): what a bcast root that cannot pickle its
  // object sends instead, so Python ranks get an exception object.
  void ValueError(absl::string_view message);
  // Memory the writer keeps for the buffers it returns (a std::vector<bool>
  // turned into bytes): stays valid until the writer goes.
  std::string& KeepBytes();

  // Marks the writer failed (the first failure is kept).
  void Fail(absl::Status status);
  const absl::Status& status() const { return status_; }

  // Ends the stream (STOP); valid once.
  std::string Finish();
  std::vector<Segments>& buffers() { return buffers_; }
  std::deque<std::string>& kept() { return kept_; }

 private:
  void Op(uint8_t op) { stream_.push_back(static_cast<char>(op)); }
  void Little(uint64_t value, int bytes);
  void SizedText(uint8_t op1, uint8_t op4, uint8_t op8, absl::string_view text);
  void Dtype(ArrayType type);

  size_t threshold_;
  std::string stream_;
  std::vector<Segments> buffers_;
  std::deque<std::string> kept_;
  absl::Status status_;
};

}  // namespace pkl5::python_internal

#endif  // PKL5_PYTHON_INTERNAL_PICKLE_WRITER_H_
