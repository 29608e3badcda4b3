// Codecs of std::deque and std::list: a count and the elements, signatures
// "deque<T>" and "list<T>".
#ifndef PKL5_SERIALIZATION_STD_DEQUE_LIST_H_
#define PKL5_SERIALIZATION_STD_DEQUE_LIST_H_

#include <deque>
#include <list>

#include "pkl5/serialization/codec.h"

namespace pkl5 {

template <typename T, typename Allocator>
struct Codec<std::deque<T, Allocator>>
    : SequenceCodec<std::deque<T, Allocator>> {
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<T>("deque");
  }
};

template <typename T, typename Allocator>
struct Codec<std::list<T, Allocator>> : SequenceCodec<std::list<T, Allocator>> {
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<T>("list");
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_DEQUE_LIST_H_
