// Envelope buffers that a sink follows without a gap.
//
// A posted envelope receive must take a raw message larger than its buffer
// whole (truncating it is unsafe on Open MPI, receive.cc), so its datatype
// is the buffer followed by a 16 GiB sink. When the sink lies elsewhere,
// that datatype has a gap and each MPI unpacks it through its general
// (non-contiguous) path: about 230 more instructions per receive on Open
// MPI 4.1.4 and 1.17-1.33x a plain receive's time on MPICH 4.0. When the
// sink starts right where the buffer ends, MPI sees one contiguous block
// and receives as fast as into plain memory (bench/receive_floor.c,
// docs/benchmarks.md).
//
// Each such buffer is a private head (the envelope bytes, ending at a page
// boundary) and then its own 16 GiB of address space, onto which one
// shared window of kWindowBytes is mapped over and over: a raw message of
// any size up to the sink's costs at most that window of memory, shared by
// every buffer, and writes nothing any other buffer reads. The address
// space and mappings each takes are why there are at most
// kMaxSinkFollowedBuffers;
// past them, and wherever the mappings fail, a receive takes an ordinary
// buffer and the shared sink's datatype (receive.cc).
#ifndef PKL5_TRANSPORT_INTERNAL_SINK_FOLLOWED_H_
#define PKL5_TRANSPORT_INTERNAL_SINK_FOLLOWED_H_

#include <cstddef>

namespace pkl5::transport_internal {

// What follows every posted envelope buffer (here, or shared: receive.cc).
inline constexpr size_t kSinkBytes = size_t{16} << 30;

// A buffer of envelope bytes that kSinkBytes of sink follow; its memory is
// reused by later buffers once returned.
struct SinkFollowedBytes {
  // `bytes` writable bytes; data + bytes is the sink's first byte.
  char* data = nullptr;
  size_t bytes = 0;
  // The region it lies in (sink_followed.cc).
  void* region = nullptr;
};

// Buffers of at most this many bytes are made (receive.cc falls back above).
inline constexpr size_t kMaxSinkFollowedBytes = size_t{1} << 20;
// The most buffers of the process (their regions are kept for reuse).
inline constexpr size_t kMaxSinkFollowedBuffers = 16;

// A buffer of `bytes`, or one with data == nullptr when none can be had
// (kMaxSinkFollowedBuffers in use, too large, or the mappings failed).
// Thread-safe.
SinkFollowedBytes TakeSinkFollowedBytes(size_t bytes);
// Returns `buffer` for reuse (a no-op for one with data == nullptr).
void ReturnSinkFollowedBytes(const SinkFollowedBytes& buffer);
// Whether TakeSinkFollowedBytes(bytes) may return a buffer now: a hint,
// read without a lock, for a holder of an ordinary buffer that would trade
// it.
bool SinkFollowedBytesMayBeTaken(size_t bytes);
// Frees the memory of the shared window after a raw message was written
// into it, so that what it cost does not stay resident.
void ReleaseSinkWindow();

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_SINK_FOLLOWED_H_
