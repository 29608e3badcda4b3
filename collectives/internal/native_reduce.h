// Element-wise reductions of arithmetic arrays that MPI itself computes
// (MPI_Reduce, MPI_Allreduce, MPI_Scan, MPI_Exscan with a predefined op),
// in chunks small enough for MPI's int counts, so arrays of any size
// reduce at MPI's own speed.
#ifndef PKL5_COLLECTIVES_INTERNAL_NATIVE_REDUCE_H_
#define PKL5_COLLECTIVES_INTERNAL_NATIVE_REDUCE_H_

#include <mpi.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "pkl5/collectives/internal/reduce_engine.h"

namespace pkl5::collectives_internal {

// The MPI datatype of an arithmetic element, by size and signedness (as
// pkl5's type signatures name them), or MPI_DATATYPE_NULL.
template <typename E>
MPI_Datatype NativeType() {
  if constexpr (std::is_same_v<E, float>) {
    return MPI_FLOAT;
  } else if constexpr (std::is_same_v<E, double>) {
    return MPI_DOUBLE;
  } else if constexpr (std::is_same_v<E, long double>) {
    return MPI_LONG_DOUBLE;
  } else if constexpr (std::is_integral_v<E> && !std::is_same_v<E, bool>) {
    constexpr bool kSigned = std::is_signed_v<E>;
    switch (sizeof(E)) {
      case 1:
        return kSigned ? MPI_INT8_T : MPI_UINT8_T;
      case 2:
        return kSigned ? MPI_INT16_T : MPI_UINT16_T;
      case 4:
        return kSigned ? MPI_INT32_T : MPI_UINT32_T;
      case 8:
        return kSigned ? MPI_INT64_T : MPI_UINT64_T;
    }
  }
  return MPI_DATATYPE_NULL;
}

// One rank's side of a native reduction.
struct NativeArrays {
  const void* input = nullptr;  // `count` elements
  // Where the result goes, if this rank receives one (ReceivesResult);
  // may be `input` (in place).
  void* output = nullptr;
  size_t count = 0;
  size_t element_bytes = 0;
  MPI_Datatype type = MPI_DATATYPE_NULL;
  MPI_Op op = MPI_OP_NULL;
};

// Runs `call` over `arrays` in chunks of at most the communicator's
// TransportOptions::block_bytes (and below INT_MAX elements): chunk i of
// every rank reduces with chunk i of the others.
absl::Status ReduceNative(const ReduceGroup& group, const ReduceCall& call,
                          const NativeArrays& arrays);

// The allreduce of `arrays` as nonblocking MPI_Iallreduce calls, one per
// chunk as ReduceNative splits them, appended to `requests`. `scratch`
// holds a copy of the input where MPI forbids in place (intercomm).
absl::Status StartNativeAllreduce(const ReduceGroup& group,
                                  const NativeArrays& arrays,
                                  std::vector<char>& scratch,
                                  std::vector<MPI_Request>& requests);

}  // namespace pkl5::collectives_internal

#endif  // PKL5_COLLECTIVES_INTERNAL_NATIVE_REDUCE_H_
