// The encoded form of one object: a header, in-band bytes and out-of-band
// buffer views.
//
// What pickle protocol 5 gives mpi4py (a stream plus `PickleBuffer`s), as
// plain data the transport can send without knowing C++ types:
//
//   Frame frame = pkl5::Encode(particles);
//   send(frame.header); send(frame.inband);
//   for (const BufferView& view : frame.buffers) send(view.data, view.size);
//
// The receiver turns the header and in-band bytes back into the object with
// its large arrays allocated but not yet filled, plus one `LandingZone` per
// buffer: where that buffer's bytes must be written (BeginDecode in
// serialization.h).
#ifndef PKL5_SERIALIZATION_FRAME_H_
#define PKL5_SERIALIZATION_FRAME_H_

#include <cstddef>
#include <string>
#include <vector>

namespace pkl5 {

// Read-only bytes inside the encoded object's own memory (no copy).
// Valid only while that object is alive and unmodified.
struct BufferView {
  const void* data = nullptr;
  size_t size = 0;
};

// Writable bytes inside the decoded object's storage, where one out-of-band
// buffer must land. Valid only while that object is alive and not moved.
struct LandingZone {
  void* data = nullptr;
  size_t size = 0;
};

// One encoded object.
struct Frame {
  // A FlatBuffers `FrameHeader` (frame_header.fbs): version, type signature,
  // in-band size and the size of every buffer.
  std::string header;
  // Scalars, lengths and small arrays, copied.
  std::string inband;
  // Large contiguous arrays, in encoding order, pointing into the object.
  std::vector<BufferView> buffers;
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_FRAME_H_
