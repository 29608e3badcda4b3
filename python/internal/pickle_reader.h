// Reads a pickle stream (protocols 2-5, as Python's pickle.dumps writes
// them) into a PickleTree without running anything: the opcodes that build
// plain values, containers, out-of-band buffers and the memo are followed;
// GLOBAL names only the few callables numpy arrays, numpy scalars and
// complex numbers are rebuilt with, and REDUCE/BUILD only apply those.
//
// Errors: an opcode pkl5 does not follow (INST, OBJ, NEWOBJ, PERSID...),
// a global outside the allow-list, or an int wider than 64 bits is
// kInvalidArgument naming it; a stream that is cut short or inconsistent
// (a stack underflow, a missing MARK, a memo key never stored) is
// kDataLoss. Memory is linear in the stream's length.
#ifndef PKL5_PYTHON_INTERNAL_PICKLE_READER_H_
#define PKL5_PYTHON_INTERNAL_PICKLE_READER_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pkl5/python/internal/pickle_tree.h"

namespace pkl5::python_internal {

// The tree views `stream`, which must outlive it. `buffer_count` is how
// many out-of-band buffers came with the stream: a NEXT_BUFFER past them
// is kDataLoss.
absl::StatusOr<PickleTree> ReadPickle(absl::string_view stream,
                                      size_t buffer_count);

}  // namespace pkl5::python_internal

#endif  // PKL5_PYTHON_INTERNAL_PICKLE_READER_H_
