// Codecs shared by every map (signature "map<K,V>") and every set
// ("set<T>"): std, unordered and Abseil flavours encode alike, so one may be
// sent and another received.
//
// Keys and set elements are encoded in-band and decoded whole before they
// are inserted (their order or hash depends on them); map values are decoded
// in place inside the inserted entry, after `reserve` where the container
// has it, so the landing zones of out-of-band values never move.
#ifndef PKL5_SERIALIZATION_ASSOCIATIVE_H_
#define PKL5_SERIALIZATION_ASSOCIATIVE_H_

#include <cstddef>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "pkl5/serialization/codec.h"

namespace pkl5 {
namespace serialization_internal {

template <typename Container, typename = void>
struct HasReserve : std::false_type {};
template <typename Container>
struct HasReserve<
    Container,
    std::void_t<decltype(std::declval<Container&>().reserve(size_t{0}))>>
    : std::true_type {};

template <typename Container>
void ClearAndReserve(Container& container, size_t count) {
  container.clear();
  if constexpr (HasReserve<Container>::value) container.reserve(count);
}

}  // namespace serialization_internal

template <typename Map>
struct MapCodec {
  using Key = typename Map::key_type;
  using Mapped = typename Map::mapped_type;

  static constexpr size_t kMinInbandBytes = sizeof(uint64_t);
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<Key, Mapped>("map");
  }
  static void Encode(Encoder& encoder, const Map& map) {
    encoder.WriteScalar<uint64_t>(static_cast<uint64_t>(map.size()));
    for (const auto& [key, mapped] : map) {
      {
        Encoder::InBandOnlyScope in_band_only(encoder);
        Codec<Key>::Encode(encoder, key);
      }
      Codec<Mapped>::Encode(encoder, mapped);
    }
  }
  static absl::Status Decode(Decoder& decoder, Map& map) {
    PKL5_ASSIGN_OR_RETURN(
        const uint64_t count,
        decoder.ReadCount(kMinInbandBytesOf<Key> + kMinInbandBytesOf<Mapped>,
                          sizeof(Key) + sizeof(Mapped)));
    serialization_internal::ClearAndReserve(map, static_cast<size_t>(count));
    for (uint64_t i = 0; i < count; ++i) {
      Key key{};
      {
        Decoder::InBandOnlyScope in_band_only(decoder);
        PKL5_RETURN_IF_ERROR(Codec<Key>::Decode(decoder, key));
      }
      // Ordered maps were encoded in order: hinting the end makes each
      // insertion O(1). Hash maps ignore the hint.
      const size_t size_before = map.size();
      const auto entry = map.try_emplace(map.end(), std::move(key));
      if (map.size() == size_before) {
        return decoder.Corrupt("a duplicate map key");
      }
      PKL5_RETURN_IF_ERROR(Codec<Mapped>::Decode(decoder, entry->second));
    }
    return absl::OkStatus();
  }
};

template <typename Set>
struct SetCodec {
  using Key = typename Set::key_type;

  static constexpr size_t kMinInbandBytes = sizeof(uint64_t);
  static void AppendSignature(SignatureBuilder& builder) {
    builder.AddTemplate<Key>("set");
  }
  static void Encode(Encoder& encoder, const Set& set) {
    encoder.WriteScalar<uint64_t>(static_cast<uint64_t>(set.size()));
    Encoder::InBandOnlyScope in_band_only(encoder);
    for (const Key& key : set) Codec<Key>::Encode(encoder, key);
  }
  static absl::Status Decode(Decoder& decoder, Set& set) {
    PKL5_ASSIGN_OR_RETURN(
        const uint64_t count,
        decoder.ReadCount(kMinInbandBytesOf<Key>, sizeof(Key)));
    serialization_internal::ClearAndReserve(set, static_cast<size_t>(count));
    Decoder::InBandOnlyScope in_band_only(decoder);
    for (uint64_t i = 0; i < count; ++i) {
      Key key{};
      PKL5_RETURN_IF_ERROR(Codec<Key>::Decode(decoder, key));
      const size_t size_before = set.size();
      set.insert(set.end(), std::move(key));
      if (set.size() == size_before) {
        return decoder.Corrupt("a duplicate set element");
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_ASSOCIATIVE_H_
