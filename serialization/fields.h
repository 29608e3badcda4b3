// PKL5_FIELDS: the one-line opt-in of a user struct.
//
//   struct Particle {
//     std::string name;
//     std::vector<double> position;
//     int charge = 0;
//     PKL5_FIELDS(Particle, name, position, charge);
//   };
//
// The fields are encoded in the order listed; the struct signs by the name
// given ("Particle") and hashes with its fields' signatures, so a receiver
// whose Particle has other fields is told so. The struct must be default
// constructible.
//
// PKL5_FIELDS must list every member of an aggregate struct: one left out
// fails to compile ("PKL5_FIELDS does not list every member", with the
// struct and both counts in the error's context), instead of silently
// arriving value-initialized. To leave members out on purpose (a cache, a
// mutex), use PKL5_FIELDS_SUBSET: unlisted fields are then neither sent nor
// touched on receipt. The check counts the initializers the struct takes in
// braces, so it does not apply to non-aggregates (user constructors,
// private members) and cannot tell a base class from a member: a struct
// with a base class needs PKL5_FIELDS_SUBSET.
//
// A struct whose listed fields are all bulk (arithmetic, enums, arrays of
// them, other such structs), cover it entirely (no padding) and that is
// trivially copyable is itself bulk: a std::vector<Particle3> of them travels
// as one block, out-of-band when large.
//
// The struct also names its fields (Pkl5FieldNames: "name, position,
// charge"), which the Python mode (python/pickle.h) sends as a dict's keys.
//
// For a type you cannot edit, specialize pkl5::Codec<T> (see codec.h).
#ifndef PKL5_SERIALIZATION_FIELDS_H_
#define PKL5_SERIALIZATION_FIELDS_H_

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "pkl5/serialization/codec.h"

// Inside a struct's definition: names the struct and lists its fields, all
// of them.
#define PKL5_FIELDS(Type, ...)                                           \
  static constexpr const char* Pkl5TypeName() { return #Type; }          \
  static constexpr bool Pkl5ListsEveryField() { return true; }           \
  static constexpr const char* Pkl5FieldNames() { return #__VA_ARGS__; } \
  auto Pkl5Fields() { return ::std::tie(__VA_ARGS__); }                  \
  auto Pkl5Fields() const { return ::std::tie(__VA_ARGS__); }            \
  static_assert(true, "PKL5_FIELDS wants a semicolon after it")

// The same, for a struct some of whose members are left out on purpose.
#define PKL5_FIELDS_SUBSET(Type, ...)                                    \
  static constexpr const char* Pkl5TypeName() { return #Type; }          \
  static constexpr bool Pkl5ListsEveryField() { return false; }          \
  static constexpr const char* Pkl5FieldNames() { return #__VA_ARGS__; } \
  auto Pkl5Fields() { return ::std::tie(__VA_ARGS__); }                  \
  auto Pkl5Fields() const { return ::std::tie(__VA_ARGS__); }            \
  static_assert(true, "PKL5_FIELDS_SUBSET wants a semicolon after it")

namespace pkl5 {
namespace serialization_internal {

template <typename T, typename = void>
struct HasFields : std::false_type {};
template <typename T>
struct HasFields<T, std::void_t<decltype(std::declval<const T&>().Pkl5Fields()),
                                decltype(T::Pkl5TypeName()),
                                decltype(T::Pkl5ListsEveryField())>>
    : std::true_type {};

// Like std::remove_cvref_t (C++20); std::decay_t would turn a C array field
// into a pointer.
template <typename T>
using RemoveCvRef = std::remove_cv_t<std::remove_reference_t<T>>;

// std::tuple<const A&, const B&> -> facts about A and B.
template <typename Tie>
struct FieldList;
template <typename... Refs>
struct FieldList<std::tuple<Refs...>> {
  static constexpr bool kAllBulk = (kIsBulk<RemoveCvRef<Refs>> && ...);
  static constexpr size_t kTotalSize =
      (size_t{0} + ... + sizeof(RemoveCvRef<Refs>));
  static constexpr size_t kMinInbandBytes =
      (size_t{0} + ... + kMinInbandBytesOf<RemoveCvRef<Refs>>);
  static void AppendSignatures(SignatureBuilder& builder) {
    bool first = true;
    ((builder.Append(first ? "" : ","), first = false,
      builder.Add<RemoveCvRef<Refs>>()),
     ...);
  }
};

template <typename T>
using FieldsOf = FieldList<decltype(std::declval<const T&>().Pkl5Fields())>;

// Converts to a reference to anything: one initializer of any member in
// `T{...}` (declared only, for unevaluated use).
struct AnyInitializer {
  template <typename U>
  operator U&() const;  // NOLINT(google-explicit-constructor)
};

// Whether `T{x1, ..., xN}` compiles for N = Indices' size.
template <typename T, typename Indices, typename = void>
struct TakesInitializers : std::false_type {};
template <typename T, size_t... I>
struct TakesInitializers<
    T, std::index_sequence<I...>,
    std::void_t<decltype(T{(static_cast<void>(I), AnyInitializer{})...})>>
    : std::true_type {};

// The initializers one member takes in braces: 1, or every element of a C
// array (brace elision fills them one by one).
template <typename T>
constexpr size_t InitializersOf() {
  if constexpr (std::is_array_v<T>) {
    return std::extent_v<T> * InitializersOf<std::remove_extent_t<T>>();
  } else {
    return 1;
  }
}
template <typename Tie>
struct ListedInitializers;
template <typename... Refs>
struct ListedInitializers<std::tuple<Refs...>>
    : std::integral_constant<size_t, (size_t{0} + ... +
                                      InitializersOf<RemoveCvRef<Refs>>())> {};

// An aggregate takes exactly as many initializers as its listed members
// do, and not one more, when PKL5_FIELDS lists every member. The failure
// names the struct and both counts in its context.
template <typename T, size_t kListed, bool kOneMore>
struct ListsEveryMember {
  static_assert(!kOneMore,
                "PKL5_FIELDS does not list every member of this struct (the "
                "struct is ListsEveryMember's first argument, the number of "
                "members listed its second): list each one, or use "
                "PKL5_FIELDS_SUBSET to leave members out on purpose");
  static constexpr bool value = !kOneMore;
};

template <typename T>
constexpr bool CheckListsEveryMember() {
  if constexpr (std::is_aggregate_v<T> && T::Pkl5ListsEveryField()) {
    constexpr size_t kListed = ListedInitializers<
        decltype(std::declval<const T&>().Pkl5Fields())>::value;
    return ListsEveryMember<
        T, kListed,
        TakesInitializers<T,
                          std::make_index_sequence<kListed + 1>>::value>::value;
  } else {
    return true;
  }
}

template <typename T>
constexpr bool FieldsAreBulk() {
  if constexpr (HasFields<T>::value) {
    return std::is_trivially_copyable_v<T> && FieldsOf<T>::kAllBulk &&
           FieldsOf<T>::kTotalSize == sizeof(T);
  } else {
    return false;
  }
}

}  // namespace serialization_internal

template <typename T>
struct IsBulk<T, std::enable_if_t<serialization_internal::HasFields<T>::value>>
    : std::bool_constant<serialization_internal::FieldsAreBulk<T>()> {};

template <typename T>
struct Codec<T, std::enable_if_t<serialization_internal::HasFields<T>::value>> {
  using Fields = serialization_internal::FieldsOf<T>;
  static_assert(serialization_internal::CheckListsEveryMember<T>());

  static constexpr size_t kMinInbandBytes =
      kIsBulk<T> ? sizeof(T) : Fields::kMinInbandBytes;

  static void AppendSignature(SignatureBuilder& builder) {
    if (builder.BeginUserType(T::Pkl5TypeName())) {
      builder.Append("{");
      Fields::AppendSignatures(builder);
      builder.Append("}");
      builder.EndUserType();
    }
  }
  static void Encode(Encoder& encoder, const T& value) {
    if constexpr (kIsBulk<T>) {
      encoder.WriteScalar(value);
    } else {
      std::apply(
          [&encoder](const auto&... fields) { EncodeEach(encoder, fields...); },
          value.Pkl5Fields());
    }
  }
  static absl::Status Decode(Decoder& decoder, T& value) {
    if constexpr (kIsBulk<T>) {
      return decoder.ReadScalar(value);
    } else {
      return std::apply(
          [&decoder](auto&... fields) {
            return DecodeEach(decoder, fields...);
          },
          value.Pkl5Fields());
    }
  }
};

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_FIELDS_H_
