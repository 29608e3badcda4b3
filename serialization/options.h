// Settings of encoding and decoding.
#ifndef PKL5_SERIALIZATION_OPTIONS_H_
#define PKL5_SERIALIZATION_OPTIONS_H_

#include <cstdint>

namespace pkl5 {

// Contiguous arrays of at least this many bytes travel out-of-band (zero
// copy); smaller ones are copied in-band. Chosen by measurement
// (bench/oob_threshold_bench, Open MPI 4.1 shared memory, 2 ranks): copying
// an array in and out of one message beats a second message up to 2 KiB
// (0.85-0.93x the time), and loses from 4 KiB on (1.3x at 4 KiB, 2.2x at
// 64 KiB), where the single message also leaves Open MPI's 4 KiB eager
// protocol. mpi4py uses 256 KiB.
inline constexpr uint64_t kDefaultOutOfBandThreshold = 4 * 1024;

struct EncodeOptions {
  // Arrays of at least this many bytes go out-of-band. 0 sends every
  // eligible array, even an empty one, out-of-band (as mpi4py's THRESHOLD=0).
  uint64_t out_of_band_threshold = kDefaultOutOfBandThreshold;
};

// Returns the machine's physical memory in bytes: no object larger than it
// can be decoded, so it is the default cap on claimed sizes.
uint64_t PhysicalMemoryBytes();

struct DecodeOptions {
  // Upper bound on the bytes a received object may claim: in-band size,
  // out-of-band buffers, and the memory of any decoded container. A claim
  // over it is rejected before anything is allocated.
  uint64_t max_object_bytes = PhysicalMemoryBytes();
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_OPTIONS_H_
