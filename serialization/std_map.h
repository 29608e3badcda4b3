// Codecs of std::map and std::unordered_map, signature "map<K,V>" (see
// associative.h).
#ifndef PKL5_SERIALIZATION_STD_MAP_H_
#define PKL5_SERIALIZATION_STD_MAP_H_

#include <map>
#include <unordered_map>

#include "pkl5/serialization/associative.h"

namespace pkl5 {

template <typename K, typename V, typename Compare, typename Allocator>
struct Codec<std::map<K, V, Compare, Allocator>>
    : MapCodec<std::map<K, V, Compare, Allocator>> {};

template <typename K, typename V, typename Hash, typename Equal,
          typename Allocator>
struct Codec<std::unordered_map<K, V, Hash, Equal, Allocator>>
    : MapCodec<std::unordered_map<K, V, Hash, Equal, Allocator>> {};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_STD_MAP_H_
