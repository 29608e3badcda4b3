// What a pickle stream builds, as data: the values of the objects a Python
// sender pickled, never executed. The reader (pickle_reader.h) runs the
// pickle machine over this tree instead of over Python objects, so a class
// it does not know is an error, not code run on the receiver.
//
// Nodes refer to each other by index, as the pickle memo does, so a value
// pickled once and referenced twice (`[a, a]`) is one node, and a list can
// even contain itself; the binder (pickle.h) bounds the depth and the work
// of walking it.
#ifndef PKL5_PYTHON_INTERNAL_PICKLE_TREE_H_
#define PKL5_PYTHON_INTERNAL_PICKLE_TREE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace pkl5::python_internal {

using NodeId = uint32_t;

enum class Kind : uint8_t {
  kNone,
  kBool,     // integer: 0 or 1
  kInt,      // integer (int64), or uinteger with `is_unsigned`
  kFloat,    // real
  kComplex,  // real, imag
  kStr,      // text: UTF-8
  kBytes,    // text
  kByteArray,
  kList,  // items
  kTuple,
  kDict,  // items: key, value, key, value...
  kSet,
  kFrozenSet,
  kBuffer,       // uinteger: the out-of-band buffer's index (NEXT_BUFFER)
  kArray,        // numpy.ndarray: dtype; items: data node, shape tuple node
  kNumpyScalar,  // a numpy scalar: dtype; text: its bytes
  kDtype,        // numpy.dtype: dtype
  kCallable,     // callable: one of the allowed globals
  kError,        // a Python exception object; text: its message
};

// A numpy dtype of numbers, the only kind pkl5 maps onto C++.
struct Dtype {
  // numpy's kind character: 'b' bool, 'i' signed, 'u' unsigned, 'f' float,
  // 'c' complex; 0 for anything else (`code` then names it).
  char kind = 0;
  uint8_t itemsize = 0;
  // '<' little, '>' big, '|' not applicable, '=' native.
  char byteorder = '|';
  absl::string_view code;  // as numpy pickled it ("f8", "U5"), in the stream
};

// The globals a stream may name (pickle_reader.cc's allow-list).
enum class Callable : uint8_t {
  kFromBuffer,   // numpy.core.numeric._frombuffer (numpy._core in 2.x)
  kNumpyDtype,   // numpy.dtype
  kNumpyScalar,  // numpy.core.multiarray.scalar
  kComplex,      // builtins.complex
  kException,    // builtins.ValueError / RuntimeError / Exception
};

struct Node {
  Kind kind = Kind::kNone;
  bool is_unsigned = false;  // kInt above INT64_MAX
  Callable callable = Callable::kComplex;
  union {
    int64_t integer = 0;
    uint64_t uinteger;
    double real;
  };
  double imag = 0;
  absl::string_view text;  // views the stream
  std::vector<NodeId> items;
  Dtype dtype;
};

struct PickleTree {
  std::vector<Node> nodes;
  NodeId root = 0;
  // How many out-of-band buffers the stream takes (NEXT_BUFFER count).
  size_t buffers_used = 0;
  const Node& operator[](NodeId id) const { return nodes[id]; }
};

// Python's name of a kind, for messages ("expected str, got list").
absl::string_view KindName(Kind kind);

}  // namespace pkl5::python_internal

#endif  // PKL5_PYTHON_INTERNAL_PICKLE_TREE_H_
