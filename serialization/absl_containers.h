// Codecs of Abseil containers: absl::flat_hash_map and absl::node_hash_map
// ("map<K,V>"), absl::flat_hash_set and absl::node_hash_set ("set<T>"),
// absl::InlinedVector ("vector<T>", interchangeable with std::vector).
#ifndef PKL5_SERIALIZATION_ABSL_CONTAINERS_H_
#define PKL5_SERIALIZATION_ABSL_CONTAINERS_H_

#include <cstddef>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/container/node_hash_set.h"
#include "pkl5/serialization/associative.h"
#include "pkl5/serialization/codec.h"
#include "pkl5/serialization/std_vector.h"

namespace pkl5 {

template <typename K, typename V, typename Hash, typename Equal,
          typename Allocator>
struct Codec<absl::flat_hash_map<K, V, Hash, Equal, Allocator>>
    : MapCodec<absl::flat_hash_map<K, V, Hash, Equal, Allocator>> {};

template <typename K, typename V, typename Hash, typename Equal,
          typename Allocator>
struct Codec<absl::node_hash_map<K, V, Hash, Equal, Allocator>>
    : MapCodec<absl::node_hash_map<K, V, Hash, Equal, Allocator>> {};

template <typename T, typename Hash, typename Equal, typename Allocator>
struct Codec<absl::flat_hash_set<T, Hash, Equal, Allocator>>
    : SetCodec<absl::flat_hash_set<T, Hash, Equal, Allocator>> {};

template <typename T, typename Hash, typename Equal, typename Allocator>
struct Codec<absl::node_hash_set<T, Hash, Equal, Allocator>>
    : SetCodec<absl::node_hash_set<T, Hash, Equal, Allocator>> {};

template <typename T, size_t N, typename Allocator>
struct Codec<absl::InlinedVector<T, N, Allocator>>
    : VectorCodec<absl::InlinedVector<T, N, Allocator>> {};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_ABSL_CONTAINERS_H_
