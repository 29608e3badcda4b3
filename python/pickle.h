// Python's pickle protocol 5 in C++, with no Python: C++ objects to the
// stream and out-of-band buffers mpi4py.util.pkl5 sends (and Python's
// pickle.loads(stream, buffers=...) reads), and back. How each C++ type
// maps onto Python is in pickle_codecs.h.
//
//   PKL5_ASSIGN_OR_RETURN(pkl5::python::Pickled pickled,
//                         pkl5::python::Dumps(std::vector<float>(n)));
//   // pickled.stream, then each of pickled.buffers, are what Python loads.
//   PKL5_ASSIGN_OR_RETURN(auto back, pkl5::python::Loads<std::vector<float>>(
//                                        pickled.stream, buffers));
//
// Reading never runs anything the stream names: only plain values, numpy
// arrays, numpy scalars and complex numbers are rebuilt, anything else is
// kInvalidArgument naming the opcode or the class (pickle_reader.h).
#ifndef PKL5_PYTHON_PICKLE_H_
#define PKL5_PYTHON_PICKLE_H_

// clang-format off
#include "pkl5/base/config.h"  // first: the C++17 check
// clang-format on

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/python/internal/binder.h"
#include "pkl5/python/internal/pickle_reader.h"
#include "pkl5/python/internal/pickle_writer.h"
#include "pkl5/python/pickle_codecs.h"
#include "pkl5/serialization/options.h"

namespace pkl5::python {

struct PickleOptions {
  // Arrays of at least this many bytes go out of band (zero copy); smaller
  // ones inside the stream. mpi4py's default (MPI4PY_PICKLE_THRESHOLD).
  size_t out_of_band_threshold = 256 * 1024;
  // A received object holding more is kResourceExhausted.
  uint64_t max_object_bytes = PhysicalMemoryBytes();
};

// A pickled object: the stream, and the out-of-band buffers in the order
// the stream takes them. Buffers view the object's memory (or `kept`), so
// the object must outlive them.
struct Pickled {
  std::string stream;
  std::vector<python_internal::Segments> buffers;
  std::deque<std::string> kept;
  // Bytes of buffer `i`.
  uint64_t buffer_bytes(size_t i) const {
    return python_internal::TotalBytes(buffers[i]);
  }
};

template <typename T>
absl::StatusOr<Pickled> Dumps(const T& value,
                              const PickleOptions& options = {}) {
  PickleWriter writer(options.out_of_band_threshold);
  WriteValue(writer, value);
  PKL5_RETURN_IF_ERROR(writer.status());
  Pickled pickled;
  pickled.stream = writer.Finish();
  pickled.buffers = std::move(writer.buffers());
  pickled.kept = std::move(writer.kept());
  return pickled;
}

// A stream read and bound into an object whose out-of-band buffers have
// yet to arrive: `destinations()` says where each lands, `Finish()` runs
// once they did. What a receiver does between the stream and the buffers.
template <typename T>
class PendingLoad {
 public:
  // Keeps `stream` (a copy) and binds it into `object`, which must stay
  // put until Finish.
  static absl::StatusOr<std::unique_ptr<PendingLoad>> Start(
      std::string stream, std::vector<uint64_t> buffer_sizes, T& object,
      const PickleOptions& options = {}) {
    std::unique_ptr<PendingLoad> load(new PendingLoad);
    load->stream_ = std::move(stream);
    load->sizes_ = std::move(buffer_sizes);
    PKL5_ASSIGN_OR_RETURN(load->tree_, python_internal::ReadPickle(
                                           load->stream_, load->sizes_.size()));
    load->binder_.emplace(load->tree_, load->stream_.size(), load->sizes_,
                          options.max_object_bytes);
    PKL5_RETURN_IF_ERROR(ReadValue(*load->binder_, load->tree_.root, object));
    return load;
  }
  const std::vector<python_internal::MutableSegments>& destinations() const {
    return binder_->destinations();
  }
  void Finish() { binder_->Finish(); }

 private:
  PendingLoad() = default;
  std::string stream_;
  std::vector<uint64_t> sizes_;
  python_internal::PickleTree tree_;
  std::optional<Binder> binder_;
};

// Loads `stream` with its out-of-band `buffers` into a T (copying the
// buffers in).
template <typename T>
absl::Status LoadsInto(absl::string_view stream,
                       absl::Span<const absl::string_view> buffers, T& object,
                       const PickleOptions& options = {}) {
  std::vector<uint64_t> sizes;
  for (absl::string_view buffer : buffers) sizes.push_back(buffer.size());
  PKL5_ASSIGN_OR_RETURN(
      std::unique_ptr<PendingLoad<T>> load,
      PendingLoad<T>::Start(std::string(stream), std::move(sizes), object,
                            options));
  for (size_t i = 0; i < buffers.size(); ++i) {
    python_internal::Scatter(buffers[i], load->destinations()[i]);
  }
  load->Finish();
  return absl::OkStatus();
}
template <typename T>
absl::StatusOr<T> Loads(absl::string_view stream,
                        absl::Span<const absl::string_view> buffers = {},
                        const PickleOptions& options = {}) {
  T object{};
  PKL5_RETURN_IF_ERROR(LoadsInto(stream, buffers, object, options));
  return object;
}

}  // namespace pkl5::python

#endif  // PKL5_PYTHON_PICKLE_H_
