#include "pkl5/collectives/internal/native_reduce.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::collectives_internal {
namespace {

// Reduces one chunk of `count` elements at byte `offset`. `scratch` (a
// chunk's room) stands in where MPI must not write the caller's memory.
int ReduceChunk(const ReduceGroup& group, const ReduceCall& call,
                const NativeArrays& arrays, size_t offset, int count,
                std::vector<char>& scratch) {
  const char* in = static_cast<const char*>(arrays.input) + offset;
  char* out = arrays.output == nullptr
                  ? nullptr
                  : static_cast<char*>(arrays.output) + offset;
  const bool in_place = out != nullptr && out == in;
  // MPI takes a non-const send buffer and only reads it.
  void* send = in_place ? MPI_IN_PLACE : const_cast<char*>(in);
  const size_t bytes = static_cast<size_t>(count) * arrays.element_bytes;
  switch (call.kind) {
    case ReduceKind::kReduce:
      if (group.inter) {
        // The root's send buffer is not significant, but MPICH rejects a
        // null one: the input (valid memory) stands in everywhere.
        return MPI_Reduce(const_cast<char*>(in), group.receives ? out : nullptr,
                          count, arrays.type, arrays.op, call.root, group.comm);
      }
      // Only the root may pass MPI_IN_PLACE; elsewhere the input is read.
      return MPI_Reduce(group.receives ? send : const_cast<char*>(in),
                        group.receives ? out : nullptr, count, arrays.type,
                        arrays.op, call.root, group.comm);
    case ReduceKind::kAllreduce:
      if (in_place && group.inter) {
        // No MPI_IN_PLACE on an intercommunicator: the input goes first.
        std::memcpy(scratch.data(), in, bytes);
        send = scratch.data();
      }
      return MPI_Allreduce(send, out, count, arrays.type, arrays.op,
                           group.comm);
    case ReduceKind::kScan:
      return MPI_Scan(send, out, count, arrays.type, arrays.op, group.comm);
    case ReduceKind::kExscan:
      // Rank 0's result is undefined and may be written: into scratch.
      if (!group.receives) {
        return MPI_Exscan(const_cast<char*>(in), scratch.data(), count,
                          arrays.type, arrays.op, group.comm);
      }
      return MPI_Exscan(send, out, count, arrays.type, arrays.op, group.comm);
  }
  return MPI_ERR_OP;
}

// Elements per chunk: at most `block_bytes` of them, and below INT_MAX.
size_t ChunkElements(const ReduceGroup& group, const NativeArrays& arrays) {
  return std::clamp<size_t>(group.block_bytes / arrays.element_bytes, 1,
                            INT_MAX);
}

}  // namespace

absl::Status ReduceNative(const ReduceGroup& group, const ReduceCall& call,
                          const NativeArrays& arrays) {
  const size_t chunk = ChunkElements(group, arrays);
  const size_t chunk_bytes =
      std::min(chunk, arrays.count) * arrays.element_bytes;
  const bool needs_scratch =
      (call.kind == ReduceKind::kExscan && !group.receives) ||
      (call.kind == ReduceKind::kAllreduce && group.inter &&
       arrays.output == arrays.input);
  std::vector<char> scratch(needs_scratch ? chunk_bytes : 0);
  for (size_t done = 0; done < arrays.count; done += chunk) {
    const int count = static_cast<int>(std::min(chunk, arrays.count - done));
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        ReduceChunk(group, call, arrays, done * arrays.element_bytes, count,
                    scratch),
        "native MPI reduction (pkl5)"));
  }
  return absl::OkStatus();
}

absl::Status StartNativeAllreduce(const ReduceGroup& group,
                                  const NativeArrays& arrays,
                                  std::vector<char>& scratch,
                                  std::vector<MPI_Request>& requests) {
  const size_t chunk = ChunkElements(group, arrays);
  const char* in = static_cast<const char*>(arrays.input);
  if (group.inter && arrays.output == arrays.input) {
    // No MPI_IN_PLACE on an intercommunicator: the input goes first.
    scratch.assign(in, in + arrays.count * arrays.element_bytes);
    in = scratch.data();
  }
  const bool in_place = !group.inter && arrays.output == arrays.input;
  for (size_t done = 0; done < arrays.count; done += chunk) {
    const int count = static_cast<int>(std::min(chunk, arrays.count - done));
    const size_t offset = done * arrays.element_bytes;
    MPI_Request request = MPI_REQUEST_NULL;
    // MPI takes a non-const send buffer and only reads it.
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Iallreduce(in_place ? MPI_IN_PLACE : const_cast<char*>(in + offset),
                       static_cast<char*>(arrays.output) + offset, count,
                       arrays.type, arrays.op, group.comm, &request),
        "MPI_Iallreduce (pkl5)"));
    requests.push_back(request);
  }
  return absl::OkStatus();
}

}  // namespace pkl5::collectives_internal
