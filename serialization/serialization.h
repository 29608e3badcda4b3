// pkl5 serialization: any supported C++ object to a Frame and back, no MPI.
//
//   struct Sample {
//     std::string label;
//     std::vector<double> values;  // large: travels out-of-band, zero copy
//     PKL5_FIELDS(Sample, label, values);
//   };
//
//   pkl5::Frame frame = pkl5::Encode(sample);
//   // frame.buffers[0].data == sample.values.data(): nothing was copied.
//
//   // The receiver, in two phases: the object with its arrays allocated and
//   // where each buffer must land, then the buffers written in place.
//   Sample received;
//   absl::StatusOr<FrameHeader> header = pkl5::ParseFrameHeader(frame.header);
//   absl::StatusOr<std::vector<pkl5::LandingZone>> zones =
//       pkl5::BeginDecode(*header, frame.inband, received);
//   // ... receive buffer i straight into (*zones)[i].data ...
//
//   // Or, with every byte at hand:
//   absl::StatusOr<Sample> copy = pkl5::Decode<Sample>(frame);
//
// Supported: arithmetic types, bool, enums, std::complex, std::string,
// std::vector, std::array, C arrays, std::deque, std::list, std::pair,
// std::tuple, std::optional, std::variant, std::monostate, std::map,
// std::unordered_map, std::set, std::unordered_set, absl::flat_hash_map,
// absl::node_hash_map, absl::flat_hash_set, absl::node_hash_set,
// absl::InlinedVector, flatbuffers::DetachedBuffer, nested to any depth, and
// structs that opt in with PKL5_FIELDS (fields.h). Other types fail to
// compile with a message saying how to opt them in.
#ifndef PKL5_SERIALIZATION_SERIALIZATION_H_
#define PKL5_SERIALIZATION_SERIALIZATION_H_

// clang-format off
#include "pkl5/base/config.h"  // first: the C++17 check
// clang-format on

#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/serialization/absl_containers.h"
#include "pkl5/serialization/codec.h"
#include "pkl5/serialization/decoder.h"
#include "pkl5/serialization/encoder.h"
#include "pkl5/serialization/fields.h"
#include "pkl5/serialization/flatbuffers_buffer.h"
#include "pkl5/serialization/frame.h"
#include "pkl5/serialization/frame_header.h"
#include "pkl5/serialization/options.h"
#include "pkl5/serialization/scalars.h"
#include "pkl5/serialization/std_array.h"
#include "pkl5/serialization/std_deque_list.h"
#include "pkl5/serialization/std_map.h"
#include "pkl5/serialization/std_optional.h"
#include "pkl5/serialization/std_set.h"
#include "pkl5/serialization/std_string.h"
#include "pkl5/serialization/std_tuple.h"
#include "pkl5/serialization/std_variant.h"
#include "pkl5/serialization/std_vector.h"
#include "pkl5/serialization/type_signature.h"

namespace pkl5 {

// The compact header of a `T` of no out-of-band buffers and no in-band
// bytes (frame_header.h), made once: a frame's header is this with its
// in-band size written in.
template <typename T>
const std::string& CompactHeaderOf() {
  static const std::string* const header =
      new std::string(SerializeCompactHeader(TypeName<T>(), TypeHash<T>(), 0));
  return *header;
}

namespace serialization_internal {

// The FlatBuffers header of a `T` with out-of-band `buffers`.
template <typename T>
std::string FullHeaderOf(uint64_t inband_size,
                         const std::vector<BufferView>& buffers) {
  FrameHeader header;
  header.type_name = TypeName<T>();
  header.type_hash = TypeHash<T>();
  header.inband_size = inband_size;
  header.buffer_sizes.reserve(buffers.size());
  for (const BufferView& buffer : buffers) {
    header.buffer_sizes.push_back(buffer.size);
  }
  return SerializeFrameHeader(header);
}

// Programs send the same types over and over: the last in-band size of a
// T sizes the next buffer, so it rarely grows.
template <typename T>
size_t& LastInbandSize() {
  static thread_local size_t size = 0;
  return size;
}

}  // namespace serialization_internal

// Encodes `value` into `frame`, reusing its memory: encoding the same
// shapes into the same frame again allocates nothing. Arrays at or above
// `options.out_of_band_threshold` bytes become views into `value`: the
// frame is valid only while `value` is alive and unmodified.
template <typename T>
void EncodeInto(const T& value, Frame& frame,
                const EncodeOptions& options = {}) {
  size_t& last_inband_size = serialization_internal::LastInbandSize<T>();
  Encoder encoder(options.out_of_band_threshold, frame.inband, frame.buffers,
                  last_inband_size);
  Codec<T>::Encode(encoder, value);
  const uint64_t inband_size = encoder.inband_size();
  last_inband_size = inband_size;
  frame.inband.resize(inband_size);
  if (frame.buffers.empty()) {
    // The common case, every small object: a copy and one patched field.
    frame.header = CompactHeaderOf<T>();
    std::memcpy(&frame.header[kCompactHeaderInbandSizeOffset], &inband_size,
                sizeof(inband_size));
    return;
  }
  frame.header =
      serialization_internal::FullHeaderOf<T>(inband_size, frame.buffers);
}

// A frame of no out-of-band buffers, its compact header and in-band bytes
// back to back in memory (EncodeCompact).
struct CompactFrame {
  absl::string_view header;
  absl::string_view inband;
};

// Encodes `value` into `storage` as a compact frame, after `headroom`
// bytes left for the caller (a transport writes its own header there and
// sends everything as one message, with no copy), reusing the storage's
// memory. A value with out-of-band buffers cannot be compact: `frame` then
// holds its encoding (as EncodeInto makes it) and the result is nullopt.
// The views are valid until `storage` changes.
template <typename T>
std::optional<CompactFrame> EncodeCompact(const T& value, size_t headroom,
                                          std::string& storage, Frame& frame,
                                          const EncodeOptions& options = {}) {
  size_t& last_inband_size = serialization_internal::LastInbandSize<T>();
  const std::string& header = CompactHeaderOf<T>();
  const size_t start = headroom + header.size();
  Encoder encoder(options.out_of_band_threshold, storage, frame.buffers,
                  last_inband_size, start);
  Codec<T>::Encode(encoder, value);
  const uint64_t inband_size = encoder.inband_size();
  last_inband_size = inband_size;
  if (!frame.buffers.empty()) {
    frame.inband = std::move(encoder).TakeInband();
    frame.header =
        serialization_internal::FullHeaderOf<T>(inband_size, frame.buffers);
    return std::nullopt;
  }
  char* const out = storage.data() + headroom;
  std::memcpy(out, header.data(), header.size());
  std::memcpy(out + kCompactHeaderInbandSizeOffset, &inband_size,
              sizeof(inband_size));
  return CompactFrame{absl::string_view(out, header.size()),
                      absl::string_view(storage.data() + start,
                                        static_cast<size_t>(inband_size))};
}

// Encodes `value` into a new frame (EncodeInto).
template <typename T>
Frame Encode(const T& value, const EncodeOptions& options = {}) {
  Frame frame;
  EncodeInto(value, frame, options);
  return frame;
}

// Returns OK when `header` holds a `T`; otherwise kInvalidArgument naming
// the type received and the type expected.
template <typename T>
absl::Status CheckFrameType(const FrameHeader& header) {
  if (header.type_hash == TypeHash<T>() && header.type_name == TypeName<T>()) {
    return absl::OkStatus();
  }
  if (header.type_name == TypeName<T>()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pkl5 type mismatch: received a ", header.type_name,
        " whose fields differ from this program's ", TypeStructure<T>()));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("pkl5 type mismatch: received ", header.type_name,
                   " but expected ", TypeName<T>()));
}

namespace serialization_internal {

// Decodes the in-band bytes `decoder` reads into `out`. Memory running
// out is an error.
template <typename T>
absl::Status DecodeWith(Decoder& decoder, T& out) {
  try {
    PKL5_RETURN_IF_ERROR(Codec<T>::Decode(decoder, out));
  } catch (const std::bad_alloc&) {
    return serialization_internal::OutOfMemoryDecoding(TypeName<T>());
  } catch (const std::length_error&) {
    return serialization_internal::TooLongToDecode(TypeName<T>());
  }
  return decoder.Finish();
}

// Decodes `inband` into `out`, the buffers being `buffer_sizes` long, and
// returns their landing zones.
template <typename T>
absl::StatusOr<std::vector<LandingZone>> DecodeInband(
    absl::string_view inband, absl::Span<const uint64_t> buffer_sizes, T& out,
    const DecodeOptions& options) {
  Decoder decoder(inband, buffer_sizes, options);
  PKL5_RETURN_IF_ERROR(DecodeWith(decoder, out));
  return std::move(decoder).TakeLandingZones();
}

// Whether `header` is the compact header of a `T` (of any in-band size).
template <typename T>
bool IsCompactHeaderOf(absl::string_view header) {
  const std::string& expected = CompactHeaderOf<T>();
  return header.size() == expected.size() &&
         SameCompactHeaderButSize(header.data(), expected.data(),
                                  expected.size());
}

}  // namespace serialization_internal

// Phase one of decoding: decodes the in-band bytes into `out`, reusing its
// storage where sizes allow, and returns where each out-of-band buffer must
// be written (one landing zone per `header.buffer_sizes` entry, same sizes).
// The object is complete once every zone is filled; until then `out` must
// not be moved or destroyed. On error `out` is valid but unspecified.
template <typename T>
absl::StatusOr<std::vector<LandingZone>> BeginDecode(
    const FrameHeader& header, absl::string_view inband, T& out,
    const DecodeOptions& options = {}) {
  PKL5_RETURN_IF_ERROR(CheckFrameType<T>(header));
  if (inband.size() != header.inband_size) {
    return absl::DataLossError(absl::StrCat(
        "pkl5 frame of ", header.type_name, " has ", inband.size(),
        " in-band bytes but its header says ", header.inband_size));
  }
  return serialization_internal::DecodeInband(inband, header.buffer_sizes, out,
                                              options);
}

namespace serialization_internal {

// DecodeInto of a frame with a FlatBuffers header (or a header of another
// type): out of line, so that the compact case every small object takes
// is small enough to inline.
template <typename T>
ABSL_ATTRIBUTE_NOINLINE absl::Status DecodeFramed(
    absl::string_view header_bytes, absl::string_view inband,
    absl::Span<const BufferView> buffers, T& out,
    const DecodeOptions& options) {
  PKL5_ASSIGN_OR_RETURN(const FrameHeader header,
                        ParseFrameHeader(header_bytes, options));
  if (header.buffer_sizes.size() != buffers.size()) {
    return absl::DataLossError(
        absl::StrCat("pkl5 frame header lists ", header.buffer_sizes.size(),
                     " buffers but the frame has ", buffers.size()));
  }
  PKL5_ASSIGN_OR_RETURN(const std::vector<LandingZone> zones,
                        BeginDecode(header, inband, out, options));
  for (size_t i = 0; i < zones.size(); ++i) {
    if (buffers[i].size != zones[i].size) {
      return absl::DataLossError(
          absl::StrCat("pkl5 frame buffer ", i, " has ", buffers[i].size,
                       " bytes but its header says ", zones[i].size));
    }
    if (zones[i].size > 0) {
      std::memcpy(zones[i].data, buffers[i].data, zones[i].size);
    }
  }
  return absl::OkStatus();
}

}  // namespace serialization_internal

// Decodes an object whose bytes are all at hand (a frame, a message that
// arrived whole) into `out`: header bytes, in-band bytes and each buffer.
// A compact header of a `T` is checked in place, and then nothing is
// allocated but what `out` itself needs.
template <typename T>
absl::Status DecodeInto(absl::string_view header_bytes,
                        absl::string_view inband,
                        absl::Span<const BufferView> buffers, T& out,
                        const DecodeOptions& options = {}) {
  if (serialization_internal::IsCompactHeaderOf<T>(header_bytes)) {
    uint64_t inband_size = 0;
    std::memcpy(&inband_size,
                header_bytes.data() + kCompactHeaderInbandSizeOffset,
                sizeof(inband_size));
    if (ABSL_PREDICT_FALSE(inband_size != inband.size() || !buffers.empty())) {
      return serialization_internal::CompactFrameMismatch(
          TypeName<T>(), inband.size(), buffers.size(), inband_size);
    }
    if (ABSL_PREDICT_FALSE(inband_size > options.max_object_bytes)) {
      return serialization_internal::CompactFrameOverCap(
          TypeName<T>(), options.max_object_bytes);
    }
    Decoder decoder(inband, {}, options);
    return serialization_internal::DecodeWith(decoder, out);
  }
  return serialization_internal::DecodeFramed(header_bytes, inband, buffers,
                                              out, options);
}

// Decodes a frame whose buffers are all at hand (self-sends, tests) into
// `out`, copying each buffer into its landing zone.
template <typename T>
absl::Status DecodeInto(const Frame& frame, T& out,
                        const DecodeOptions& options = {}) {
  return DecodeInto(frame.header, frame.inband, frame.buffers, out, options);
}

// Decodes a frame whose buffers are all at hand into a new `T`.
template <typename T>
absl::StatusOr<T> Decode(const Frame& frame,
                         const DecodeOptions& options = {}) {
  T value{};
  PKL5_RETURN_IF_ERROR(DecodeInto(frame, value, options));
  return value;
}

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_SERIALIZATION_H_
