// How C++ types map onto Python values in the Python mode (pickle.h):
//
//   C++                                   Python
//   std::nullopt, std::monostate          None
//   bool                                  bool
//   integers (int8_t ... uint64_t)        int (range-checked on receipt)
//   float, double                         float (an int is accepted too)
//   std::complex<float/double>            complex
//   std::string                           str (UTF-8)
//   pkl5::python::Bytes                   bytes (bytearray and a raw
//                                         PickleBuffer are accepted too)
//   std::vector<number>, nested vectors   numpy.ndarray of the dtype and
//     of them (rectangular)               shape (a list or tuple of
//                                         numbers is accepted too)
//   std::vector<T> of anything else       list (a tuple is accepted too)
//   std::pair, std::tuple                 tuple (a list too)
//   std::map, std::unordered_map          dict
//   std::set, std::unordered_set          set (a frozenset too)
//   std::optional<T>                      None or T
//   a struct with PKL5_FIELDS             dict of its field names
//
// A numpy array's dtype must be the element type's exactly (float64 for
// double, int32 for int32_t, bool for bool): a C++ receiver never converts
// an array silently. Numbers are converted when no information is lost
// (a Python int into a double; a numpy scalar into its C++ type).
// Receiving anything else is kInvalidArgument naming where in the object
// and both types ("at object['position']: expected numpy.ndarray of
// float64, got list").
//
// For another type, specialize pkl5::python::PyCodec<T> with the two
// functions below.
#ifndef PKL5_PYTHON_PICKLE_CODECS_H_
#define PKL5_PYTHON_PICKLE_CODECS_H_

#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/config.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/python/internal/binder.h"
#include "pkl5/python/internal/pickle_tree.h"
#include "pkl5/python/internal/pickle_writer.h"
#include "pkl5/serialization/fields.h"
#include "pkl5/serialization/storage.h"

namespace pkl5::python {

#ifndef ABSL_IS_LITTLE_ENDIAN
#error "pkl5's Python mode writes numpy arrays little-endian, as this host"
#endif

// Python's bytes (a std::string is Python's str).
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.data == b.data;
  }
};

using python_internal::Binder;
using python_internal::NodeId;
using python_internal::PickleWriter;

// Specialize for a type of your own:
//   static void Write(PickleWriter& writer, const T& value);
//   static absl::Status Read(Binder& binder, NodeId id, T& value);
template <typename T, typename = void>
struct PyCodec;

template <typename T>
void WriteValue(PickleWriter& writer, const T& value) {
  PyCodec<T>::Write(writer, value);
}
// Reads node `id` into `value`, with the binder's bounds and error place.
template <typename T>
absl::Status ReadValue(Binder& binder, NodeId id, T& value) {
  PKL5_RETURN_IF_ERROR(binder.Enter(id));
  absl::Status status = PyCodec<T>::Read(binder, id, value);
  binder.Leave();
  return status;
}

}  // namespace pkl5::python

namespace pkl5::python_internal {

// numpy's element types for C++ numbers (not bool: std::vector<bool> has
// no contiguous storage).
template <typename T, typename = void>
struct ArrayElement : std::false_type {};
template <typename T>
struct ArrayElement<
    T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool> &&
                        !std::is_same_v<T, long double>>> : std::true_type {
  static constexpr char kKind = std::is_floating_point_v<T> ? 'f'
                                : std::is_signed_v<T>       ? 'i'
                                                            : 'u';
};
template <typename T>
struct ArrayElement<std::complex<T>,
                    std::enable_if_t<std::is_floating_point_v<T> &&
                                     !std::is_same_v<T, long double>>>
    : std::true_type {
  static constexpr char kKind = 'c';
};
template <typename T>
constexpr ArrayType ArrayTypeOf() {
  return ArrayType{ArrayElement<T>::kKind, sizeof(T)};
}
template <typename T>
std::string DtypeName() {
  constexpr ArrayType type = ArrayTypeOf<T>();
  const char* name = type.kind == 'f'   ? "float"
                     : type.kind == 'i' ? "int"
                     : type.kind == 'u' ? "uint"
                                        : "complex";
  return absl::StrCat(name, 8 * type.itemsize);
}

// A vector nest ending in numbers: std::vector<double> (rank 1),
// std::vector<std::vector<float>> (rank 2)...
template <typename T>
struct Nest {
  static constexpr size_t kRank = 0;
};
template <typename T>
struct Nest<std::vector<T>> {
  static constexpr size_t kRank = Nest<T>::kRank > 0
                                      ? Nest<T>::kRank + 1
                                      : (ArrayElement<T>::value ? 1 : 0);
};
template <typename T>
struct NestElement {
  using type = T;
};
template <typename T>
struct NestElement<std::vector<T>> {
  using type = typename NestElement<T>::type;
};
template <typename T>
constexpr bool kIsNest = Nest<T>::kRank > 0;

// The shape of a nest, or false when it is ragged.
template <typename T>
bool ShapeOf(const std::vector<T>& nest, size_t level,
             std::vector<int64_t>& shape) {
  if (shape.size() <= level) {
    shape.push_back(static_cast<int64_t>(nest.size()));
  } else if (shape[level] != static_cast<int64_t>(nest.size())) {
    return false;
  }
  if constexpr (kIsNest<T>) {
    if (nest.empty()) {
      // Inner dimensions of an empty nest are 0.
      for (size_t l = level + 1; l < Nest<std::vector<T>>::kRank; ++l) {
        if (shape.size() <= l) shape.push_back(0);
      }
    }
    for (const T& inner : nest) {
      if (!ShapeOf(inner, level + 1, shape)) return false;
    }
  }
  return true;
}
template <typename T>
void RowsOf(const std::vector<T>& nest, Segments& rows) {
  if constexpr (kIsNest<T>) {
    for (const T& inner : nest) RowsOf(inner, rows);
  } else if (!nest.empty()) {
    rows.push_back(Segment{nest.data(), nest.size() * sizeof(T)});
  }
}
// Sizes a nest to `shape` and lists its rows, counting what it allocates.
template <typename T>
absl::Status SizeNest(Binder& binder, std::vector<T>& nest,
                      absl::Span<const uint64_t> shape, MutableSegments& rows) {
  PKL5_RETURN_IF_ERROR(binder.Allocate(shape[0] * sizeof(T)));
  if constexpr (kIsNest<T>) {
    nest.resize(shape[0]);
    for (T& inner : nest) {
      PKL5_RETURN_IF_ERROR(SizeNest(binder, inner, shape.subspan(1), rows));
    }
  } else {
    // A row is about to be overwritten: a large fresh one is advised for
    // huge pages before its first touch, as pkl5's own receives do.
    ResizeForOverwrite(nest, static_cast<size_t>(shape[0]));
    if (!nest.empty()) {
      rows.push_back(MutableSegment{nest.data(), nest.size() * sizeof(T)});
    }
  }
  return absl::OkStatus();
}

// Reads numpy array node `id` into a nest of rank kRank.
template <typename V>
absl::Status ReadArray(Binder& binder, NodeId id, V& nest) {
  using Element = typename NestElement<V>::type;
  constexpr size_t kRank = Nest<V>::kRank;
  const Node& array = binder.node(id);
  constexpr ArrayType want = ArrayTypeOf<Element>();
  const std::vector<NodeId>& dims = binder.node(array.items[1]).items;
  const std::string wanted = absl::StrCat(
      "numpy.ndarray of ", DtypeName<Element>(), ", ", kRank, "-d");
  if (array.dtype.kind != want.kind || array.dtype.itemsize != want.itemsize ||
      dims.size() != kRank) {
    return binder.Mismatch(id, wanted);
  }
  if (array.dtype.byteorder == '>') {
    return binder.Error(absl::StatusCode::kInvalidArgument,
                        "a big-endian numpy array: send a.astype(a.dtype."
                        "newbyteorder('<'))");
  }
  std::vector<uint64_t> shape;
  uint64_t elements = 1;
  for (NodeId dim : dims) {
    const uint64_t n = static_cast<uint64_t>(binder.node(dim).integer);
    shape.push_back(n);
    if (n != 0 &&
        elements > std::numeric_limits<uint64_t>::max() / sizeof(Element) / n) {
      return binder.Error(absl::StatusCode::kDataLoss,
                          "an array's shape overflows 64 bits");
    }
    elements *= n;
  }
  const uint64_t bytes = elements * sizeof(Element);
  const Node& data = binder.node(array.items[0]);
  if (data.kind != Kind::kBuffer && data.text.size() != bytes) {
    return binder.Error(absl::StatusCode::kDataLoss,
                        absl::StrCat("an array of ", bytes, " bytes has ",
                                     data.text.size(), " in band"));
  }
  if (data.kind == Kind::kBuffer &&
      binder.buffer_size(data.uinteger) != bytes) {
    return binder.Error(absl::StatusCode::kDataLoss,
                        absl::StrCat("an array of ", bytes,
                                     " bytes has an out-of-band "
                                     "buffer of ",
                                     binder.buffer_size(data.uinteger)));
  }
  MutableSegments rows;
  PKL5_RETURN_IF_ERROR(SizeNest(binder, nest, shape, rows));
  if (data.kind == Kind::kBuffer) return binder.Claim(data.uinteger, rows);
  Scatter(data.text, rows);
  return absl::OkStatus();
}

// A Python number (int, bool, float, numpy scalar or 0-d array) as a C++
// arithmetic value, when it converts without loss.
template <typename T>
absl::Status ReadNumber(Binder& binder, NodeId id, T& value);

}  // namespace pkl5::python_internal

namespace pkl5::python {

// ---- Scalars ---------------------------------------------------------

template <>
struct PyCodec<bool> {
  static void Write(PickleWriter& writer, bool value) { writer.Bool(value); }
  static absl::Status Read(Binder& binder, NodeId id, bool& value) {
    return python_internal::ReadNumber(binder, id, value);
  }
};

template <typename T>
struct PyCodec<
    T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static void Write(PickleWriter& writer, T value) {
    if constexpr (std::is_signed_v<T>) {
      writer.Int(value);
    } else {
      writer.UInt(value);
    }
  }
  static absl::Status Read(Binder& binder, NodeId id, T& value) {
    return python_internal::ReadNumber(binder, id, value);
  }
};

template <typename T>
struct PyCodec<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static void Write(PickleWriter& writer, T value) {
    writer.Float(static_cast<double>(value));
  }
  static absl::Status Read(Binder& binder, NodeId id, T& value) {
    return python_internal::ReadNumber(binder, id, value);
  }
};

template <typename T>
struct PyCodec<std::complex<T>> {
  static void Write(PickleWriter& writer, const std::complex<T>& value) {
    writer.Complex(value.real(), value.imag());
  }
  static absl::Status Read(Binder& binder, NodeId id, std::complex<T>& value) {
    const python_internal::Node& node = binder.node(id);
    if (node.kind == python_internal::Kind::kComplex) {
      value =
          std::complex<T>(static_cast<T>(node.real), static_cast<T>(node.imag));
      return absl::OkStatus();
    }
    if (node.kind == python_internal::Kind::kNumpyScalar &&
        node.dtype.kind == 'c') {
      if (node.dtype.itemsize == 16) {
        std::complex<double> c;
        std::memcpy(&c, node.text.data(), sizeof(c));
        value = std::complex<T>(c);
      } else {
        std::complex<float> c;
        std::memcpy(&c, node.text.data(), sizeof(c));
        value = std::complex<T>(c);
      }
      return absl::OkStatus();
    }
    T real{};
    absl::Status status = python_internal::ReadNumber(binder, id, real);
    if (!status.ok()) return binder.Mismatch(id, "complex");
    value = std::complex<T>(real, 0);
    return absl::OkStatus();
  }
};

template <>
struct PyCodec<std::string> {
  static void Write(PickleWriter& writer, const std::string& value) {
    writer.Str(value);
  }
  static absl::Status Read(Binder& binder, NodeId id, std::string& value) {
    const python_internal::Node& node = binder.node(id);
    if (node.kind != python_internal::Kind::kStr) {
      return binder.Mismatch(id, "str");
    }
    PKL5_RETURN_IF_ERROR(binder.Allocate(node.text.size()));
    value.assign(node.text.data(), node.text.size());
    return absl::OkStatus();
  }
};

template <>
struct PyCodec<Bytes> {
  static void Write(PickleWriter& writer, const Bytes& value) {
    writer.Bytes(value.data);
  }
  static absl::Status Read(Binder& binder, NodeId id, Bytes& value) {
    const python_internal::Node& node = binder.node(id);
    if (node.kind == python_internal::Kind::kBuffer) {
      const uint64_t size = binder.buffer_size(node.uinteger);
      PKL5_RETURN_IF_ERROR(binder.Allocate(size));
      ResizeForOverwrite(value.data, size);
      return binder.Claim(node.uinteger,
                          {{value.data.data(), value.data.size()}});
    }
    if (node.kind != python_internal::Kind::kBytes &&
        node.kind != python_internal::Kind::kByteArray) {
      return binder.Mismatch(id, "bytes");
    }
    PKL5_RETURN_IF_ERROR(binder.Allocate(node.text.size()));
    value.data.assign(node.text.data(), node.text.size());
    return absl::OkStatus();
  }
};

template <>
struct PyCodec<std::monostate> {
  static void Write(PickleWriter& writer, std::monostate) { writer.None(); }
  static absl::Status Read(Binder& binder, NodeId id, std::monostate&) {
    if (binder.node(id).kind != python_internal::Kind::kNone) {
      return binder.Mismatch(id, "None");
    }
    return absl::OkStatus();
  }
};

template <typename T>
struct PyCodec<std::optional<T>> {
  static void Write(PickleWriter& writer, const std::optional<T>& value) {
    if (value.has_value()) {
      WriteValue(writer, *value);
    } else {
      writer.None();
    }
  }
  static absl::Status Read(Binder& binder, NodeId id, std::optional<T>& value) {
    if (binder.node(id).kind == python_internal::Kind::kNone) {
      value.reset();
      return absl::OkStatus();
    }
    if (!value.has_value()) value.emplace();
    return PyCodec<T>::Read(binder, id, *value);
  }
};

// ---- Sequences -------------------------------------------------------

template <typename T>
struct PyCodec<std::vector<T>> {
  using V = std::vector<T>;
  static void Write(PickleWriter& writer, const V& value) {
    if constexpr (python_internal::kIsNest<V>) {
      using Element = typename python_internal::NestElement<V>::type;
      std::vector<int64_t> shape;
      if (!python_internal::ShapeOf(value, 0, shape)) {
        writer.Fail(absl::InvalidArgumentError(
            "nested std::vectors of unequal lengths cannot be one numpy "
            "array: make them rectangular, or send a "
            "std::vector of numpy arrays by other means"));
        return;
      }
      python_internal::Segments rows;
      python_internal::RowsOf(value, rows);
      writer.Array(python_internal::ArrayTypeOf<Element>(), shape,
                   std::move(rows));
    } else if constexpr (std::is_same_v<T, bool>) {
      std::string& bytes = writer.KeepBytes();
      bytes.reserve(value.size());
      for (bool b : value) bytes.push_back(b ? 1 : 0);
      const int64_t shape[] = {static_cast<int64_t>(value.size())};
      writer.Array({'b', 1}, shape, {{bytes.data(), bytes.size()}});
    } else {
      writer.BeginList();
      for (const T& item : value) WriteValue(writer, item);
      writer.EndList();
    }
  }

  static absl::Status Read(Binder& binder, NodeId id, V& value) {
    const python_internal::Node& node = binder.node(id);
    using python_internal::Kind;
    if constexpr (python_internal::kIsNest<V>) {
      if (node.kind == Kind::kArray) {
        return python_internal::ReadArray(binder, id, value);
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (node.kind == Kind::kArray) return ReadBools(binder, id, value);
    }
    if (node.kind != Kind::kList && node.kind != Kind::kTuple) {
      if constexpr (python_internal::kIsNest<V>) {
        return binder.Mismatch(
            id,
            absl::StrCat("numpy.ndarray of ",
                         python_internal::DtypeName<
                             typename python_internal::NestElement<V>::type>(),
                         " or a list"));
      } else {
        return binder.Mismatch(id, "list");
      }
    }
    const std::vector<NodeId>& items = node.items;
    PKL5_RETURN_IF_ERROR(binder.Allocate(items.size() * sizeof(T)));
    value.resize(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      binder.At(i);
      if constexpr (std::is_same_v<T, bool>) {
        bool b = false;
        PKL5_RETURN_IF_ERROR(ReadValue(binder, items[i], b));
        value[i] = b;
      } else {
        PKL5_RETURN_IF_ERROR(ReadValue(binder, items[i], value[i]));
      }
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status ReadBools(Binder& binder, NodeId id, V& value) {
    const python_internal::Node& array = binder.node(id);
    const auto& dims = binder.node(array.items[1]).items;
    if (array.dtype.kind != 'b' || dims.size() != 1) {
      return binder.Mismatch(id, "numpy.ndarray of bool, 1-d");
    }
    const uint64_t n = static_cast<uint64_t>(binder.node(dims[0]).integer);
    const python_internal::Node& data = binder.node(array.items[0]);
    PKL5_RETURN_IF_ERROR(binder.Allocate(2 * n));
    if (data.kind != python_internal::Kind::kBuffer) {
      if (data.text.size() != n) {
        return binder.Error(absl::StatusCode::kDataLoss,
                            "a bool array's bytes do not match its shape");
      }
      value.assign(n, false);
      for (uint64_t i = 0; i < n; ++i) value[i] = data.text[i] != 0;
      return absl::OkStatus();
    }
    // Lands in bytes, unpacked once it arrived.
    auto bytes = std::make_shared<std::string>(n, '\0');
    PKL5_RETURN_IF_ERROR(
        binder.Claim(data.uinteger, {{bytes->data(), bytes->size()}}));
    binder.AfterArrival([bytes, &value] {
      value.assign(bytes->size(), false);
      for (size_t i = 0; i < bytes->size(); ++i) value[i] = (*bytes)[i] != 0;
    });
    return absl::OkStatus();
  }
};

}  // namespace pkl5::python

namespace pkl5::python_internal {
template <typename Tuple, size_t... I>
void WriteTuple(PickleWriter& writer, const Tuple& tuple,
                std::index_sequence<I...>) {
  writer.BeginTuple();
  (python::WriteValue(writer, std::get<I>(tuple)), ...);
  writer.EndTuple();
}
template <typename Tuple, size_t... I>
absl::Status ReadTuple(Binder& binder, NodeId id, Tuple& tuple,
                       std::index_sequence<I...>) {
  const Node& node = binder.node(id);
  constexpr size_t kSize = sizeof...(I);
  if ((node.kind != Kind::kTuple && node.kind != Kind::kList) ||
      node.items.size() != kSize) {
    return binder.Mismatch(id, absl::StrCat("a tuple of ", kSize));
  }
  absl::Status status;
  ((status.ok()
        ? (binder.At(I),
           status = python::ReadValue(
               binder, node.items[I],
               const_cast<std::remove_const_t<std::tuple_element_t<I, Tuple>>&>(
                   std::get<I>(tuple))))
        : status),
   ...);
  return status;
}
}  // namespace pkl5::python_internal

namespace pkl5::python {

template <typename... Ts>
struct PyCodec<std::tuple<Ts...>> {
  static void Write(PickleWriter& writer, const std::tuple<Ts...>& value) {
    python_internal::WriteTuple(writer, value,
                                std::index_sequence_for<Ts...>());
  }
  static absl::Status Read(Binder& binder, NodeId id,
                           std::tuple<Ts...>& value) {
    return python_internal::ReadTuple(binder, id, value,
                                      std::index_sequence_for<Ts...>());
  }
};
template <typename A, typename B>
struct PyCodec<std::pair<A, B>> {
  static void Write(PickleWriter& writer, const std::pair<A, B>& value) {
    python_internal::WriteTuple(writer, value, std::index_sequence<0, 1>());
  }
  static absl::Status Read(Binder& binder, NodeId id, std::pair<A, B>& value) {
    return python_internal::ReadTuple(binder, id, value,
                                      std::index_sequence<0, 1>());
  }
};

// ---- Associative -----------------------------------------------------

}  // namespace pkl5::python

namespace pkl5::python_internal {
template <typename Map>
struct DictCodec {
  static void Write(PickleWriter& writer, const Map& map) {
    writer.BeginDict();
    for (const auto& [key, value] : map) {
      python::WriteValue(writer, key);
      python::WriteValue(writer, value);
    }
    writer.EndDict();
  }
  static absl::Status Read(Binder& binder, NodeId id, Map& map) {
    const Node& node = binder.node(id);
    if (node.kind != Kind::kDict) return binder.Mismatch(id, "dict");
    map.clear();
    for (size_t i = 0; i + 1 < node.items.size(); i += 2) {
      binder.At(i / 2);
      typename Map::key_type key{};
      typename Map::mapped_type value{};
      PKL5_RETURN_IF_ERROR(python::ReadValue(binder, node.items[i], key));
      PKL5_RETURN_IF_ERROR(python::ReadValue(binder, node.items[i + 1], value));
      map.insert_or_assign(std::move(key), std::move(value));  // last wins
    }
    return absl::OkStatus();
  }
};
template <typename Set>
struct SetCodec {
  static void Write(PickleWriter& writer, const Set& set) {
    writer.BeginSet();
    for (const auto& item : set) python::WriteValue(writer, item);
    writer.EndSet();
  }
  static absl::Status Read(Binder& binder, NodeId id, Set& set) {
    const Node& node = binder.node(id);
    if (node.kind != Kind::kSet && node.kind != Kind::kFrozenSet) {
      return binder.Mismatch(id, "set");
    }
    set.clear();
    for (size_t i = 0; i < node.items.size(); ++i) {
      binder.At(i);
      typename Set::value_type item{};
      PKL5_RETURN_IF_ERROR(python::ReadValue(binder, node.items[i], item));
      set.insert(std::move(item));
    }
    return absl::OkStatus();
  }
};
}  // namespace pkl5::python_internal

namespace pkl5::python {

template <typename K, typename V, typename C, typename A>
struct PyCodec<std::map<K, V, C, A>>
    : python_internal::DictCodec<std::map<K, V, C, A>> {};
template <typename K, typename V, typename H, typename E, typename A>
struct PyCodec<std::unordered_map<K, V, H, E, A>>
    : python_internal::DictCodec<std::unordered_map<K, V, H, E, A>> {};
template <typename K, typename C, typename A>
struct PyCodec<std::set<K, C, A>>
    : python_internal::SetCodec<std::set<K, C, A>> {};
template <typename K, typename H, typename E, typename A>
struct PyCodec<std::unordered_set<K, H, E, A>>
    : python_internal::SetCodec<std::unordered_set<K, H, E, A>> {};

// ---- Structs with PKL5_FIELDS ------------------------------------------

}  // namespace pkl5::python

namespace pkl5::python_internal {
// "name, position, charge" -> {"name", "position", "charge"}.
std::vector<absl::string_view> SplitFieldNames(const char* names);

template <typename T>
const std::vector<absl::string_view>& FieldNames() {
  static const std::vector<absl::string_view>* const names =
      new std::vector<absl::string_view>(SplitFieldNames(T::Pkl5FieldNames()));
  return *names;
}
}  // namespace pkl5::python_internal

namespace pkl5::python {

template <typename T>
struct PyCodec<T,
               std::enable_if_t<serialization_internal::HasFields<T>::value>> {
  static void Write(PickleWriter& writer, const T& value) {
    const auto& names = python_internal::FieldNames<T>();
    writer.BeginDict();
    size_t i = 0;
    std::apply(
        [&](const auto&... fields) {
          ((writer.Str(names[i++]), WriteValue(writer, fields)), ...);
        },
        value.Pkl5Fields());
    writer.EndDict();
  }
  static absl::Status Read(Binder& binder, NodeId id, T& value) {
    const python_internal::Node& node = binder.node(id);
    const auto& names = python_internal::FieldNames<T>();
    if (node.kind != python_internal::Kind::kDict) {
      return binder.Mismatch(
          id, absl::StrCat("a dict of ", T::Pkl5TypeName(), "'s fields"));
    }
    std::vector<bool> seen(names.size());
    for (size_t i = 0; i + 1 < node.items.size(); i += 2) {
      const python_internal::Node& key = binder.node(node.items[i]);
      size_t field = names.size();
      if (key.kind == python_internal::Kind::kStr) {
        for (size_t f = 0; f < names.size(); ++f) {
          if (names[f] == key.text) field = f;
        }
      }
      if (field == names.size()) {
        return binder.Error(
            absl::StatusCode::kInvalidArgument,
            absl::StrCat(T::Pkl5TypeName(), " has no field ",
                         key.kind == python_internal::Kind::kStr
                             ? absl::StrCat("'", key.text.substr(0, 64), "'")
                             : std::string("named by a non-str key")));
      }
      binder.At(names[field]);
      seen[field] = true;
      size_t f = 0;
      absl::Status status;
      std::apply(
          [&](auto&... fields) {
            ((f++ == field
                  ? (status = ReadValue(binder, node.items[i + 1], fields))
                  : status),
             ...);
          },
          value.Pkl5Fields());
      PKL5_RETURN_IF_ERROR(status);
    }
    for (size_t f = 0; f < names.size(); ++f) {
      if (!seen[f]) {
        return binder.Error(
            absl::StatusCode::kInvalidArgument,
            absl::StrCat("the dict has no key '", names[f], "' for ",
                         T::Pkl5TypeName(), "'s field"));
      }
    }
    return absl::OkStatus();
  }
};

// ---- Numbers -------------------------------------------------------------

}  // namespace pkl5::python

namespace pkl5::python_internal {

template <typename T>
absl::Status ReadNumber(Binder& binder, NodeId id, T& value) {
  const Node& node = binder.node(id);
  // A numpy scalar or 0-d array: its value as int64, uint64 or double.
  Kind kind = node.kind;
  int64_t integer = node.integer;
  uint64_t uinteger = node.uinteger;
  bool is_unsigned = node.is_unsigned;
  double real = node.real;
  absl::string_view raw;
  Dtype dtype;
  if (kind == Kind::kNumpyScalar) {
    raw = node.text;
    dtype = node.dtype;
  } else if (kind == Kind::kArray && binder.node(node.items[1]).items.empty() &&
             binder.node(node.items[0]).kind != Kind::kBuffer) {
    raw = binder.node(node.items[0]).text;
    dtype = node.dtype;
  }
  if (dtype.kind != 0) {
    if (raw.size() != dtype.itemsize || dtype.byteorder == '>') {
      return binder.Mismatch(id, "a number");
    }
    auto load = [&](auto sample) {
      decltype(sample) x;
      std::memcpy(&x, raw.data(), sizeof(x));
      return x;
    };
    switch (dtype.kind) {
      case 'b':
        kind = Kind::kBool;
        integer = raw[0] != 0;
        break;
      case 'i':
        kind = Kind::kInt;
        is_unsigned = false;
        integer = dtype.itemsize == 1   ? load(int8_t{})
                  : dtype.itemsize == 2 ? load(int16_t{})
                  : dtype.itemsize == 4 ? load(int32_t{})
                                        : load(int64_t{});
        break;
      case 'u': {
        kind = Kind::kInt;
        const uint64_t u = dtype.itemsize == 1   ? load(uint8_t{})
                           : dtype.itemsize == 2 ? load(uint16_t{})
                           : dtype.itemsize == 4 ? load(uint32_t{})
                                                 : load(uint64_t{});
        is_unsigned = u > static_cast<uint64_t>(INT64_MAX);
        if (is_unsigned) {
          uinteger = u;
        } else {
          integer = static_cast<int64_t>(u);
        }
        break;
      }
      case 'f':
        kind = Kind::kFloat;
        real = dtype.itemsize == 4 ? load(float{}) : load(double{});
        break;
      default:
        return binder.Mismatch(id, "a real number");
    }
  }
  if constexpr (std::is_same_v<T, bool>) {
    if (kind != Kind::kBool) return binder.Mismatch(id, "bool");
    value = integer != 0;
  } else if constexpr (std::is_integral_v<T>) {
    if (kind != Kind::kInt) return binder.Mismatch(id, "int");
    bool fits;
    if (is_unsigned) {
      fits = uinteger <= static_cast<uint64_t>(std::numeric_limits<T>::max());
      value = static_cast<T>(uinteger);
    } else if constexpr (std::is_signed_v<T>) {
      fits = integer >= std::numeric_limits<T>::min() &&
             integer <= std::numeric_limits<T>::max();
      value = static_cast<T>(integer);
    } else {
      fits = integer >= 0 &&
             static_cast<uint64_t>(integer) <= std::numeric_limits<T>::max();
      value = static_cast<T>(integer);
    }
    if (!fits) {
      return binder.Error(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat(
              "the int ",
              is_unsigned ? absl::StrCat(uinteger) : absl::StrCat(integer),
              " does not fit in a ", sizeof(T) * 8, "-bit ",
              std::is_signed_v<T> ? "signed" : "unsigned", " integer"));
    }
  } else {
    static_assert(std::is_floating_point_v<T>);
    if (kind == Kind::kFloat) {
      value = static_cast<T>(real);
    } else if (kind == Kind::kInt) {
      value = is_unsigned ? static_cast<T>(uinteger) : static_cast<T>(integer);
    } else {
      return binder.Mismatch(id, "float");
    }
  }
  return absl::OkStatus();
}

}  // namespace pkl5::python_internal

#endif  // PKL5_PYTHON_PICKLE_CODECS_H_
