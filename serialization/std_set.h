// Codecs of std::set and std::unordered_set, signature "set<T>" (see
// associative.h).
#ifndef PKL5_SERIALIZATION_STD_SET_H_
#define PKL5_SERIALIZATION_STD_SET_H_

#include <set>
#include <unordered_set>

#include "pkl5/serialization/associative.h"

namespace pkl5 {

template <typename T, typename Compare, typename Allocator>
struct Codec<std::set<T, Compare, Allocator>>
    : SetCodec<std::set<T, Compare, Allocator>> {};

template <typename T, typename Hash, typename Equal, typename Allocator>
struct Codec<std::unordered_set<T, Hash, Equal, Allocator>>
    : SetCodec<std::unordered_set<T, Hash, Equal, Allocator>> {};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_SET_H_
