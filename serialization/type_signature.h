// Type signatures: which C++ type a frame holds, readable and hashed.
//
// Every frame carries the signature of the type it was encoded from, so a
// receiver asking for another type gets an error naming both instead of
// garbage. The readable name is built from the type's structure:
//
// clang-format off
//   TypeName<std::vector<double>>()                        "vector<f64>"
//   TypeName<std::map<std::string, std::vector<int>>>()    "map<string,vector<i32>>"
//   TypeName<Particle>()                                   "Particle"
// clang-format on
//
// User types appear by the name they declare (PKL5_FIELDS); the hash covers
// their fields too ("Particle{string,vector<f64>}"), so two programs whose
// `Particle`s differ are told apart although the names agree.
//
// The name describes the wire shape, not the exact container: `std::map`,
// `std::unordered_map` and `absl::flat_hash_map` all sign as `map<K,V>` and
// may be sent as one and received as another; likewise sets, and
// `std::vector`/`absl::InlinedVector`. Integer types sign by size and
// signedness (`long` and `long long` are both `i64` here).
#ifndef PKL5_SERIALIZATION_TYPE_SIGNATURE_H_
#define PKL5_SERIALIZATION_TYPE_SIGNATURE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/string_view.h"

namespace pkl5 {
namespace serialization_internal {

// The compiler's spelling of `T` (GCC and Clang put it in the function's
// signature: "... [with T = ns::Color; ...]" or "... [T = ns::Color]").
template <typename T>
constexpr std::string_view CompilerTypeName() {
  constexpr std::string_view signature = __PRETTY_FUNCTION__;
  constexpr size_t start = signature.find("T = ") + 4;
  constexpr size_t end = signature.find_first_of(";]", start);
  return signature.substr(start, end - start);
}

// `T`'s own name without its namespaces or enclosing classes ("Color" for
// ns::Outer::Color): what PKL5_FIELDS records for structs, and spelled the
// same by every compiler (anonymous namespaces are not).
template <typename T>
constexpr std::string_view UnqualifiedTypeName() {
  constexpr std::string_view name = CompilerTypeName<T>();
  // The last "::" outside template arguments.
  size_t begin = 0;
  int depth = 0;
  for (size_t i = 0; i + 1 < name.size(); ++i) {
    if (name[i] == '<') ++depth;
    if (name[i] == '>') --depth;
    if (depth == 0 && name[i] == ':' && name[i + 1] == ':') begin = i + 2;
  }
  return name.substr(begin);
}

}  // namespace serialization_internal

// Defined in codec.h.
template <typename T, typename Enable = void>
struct Codec;

// Collects a signature while codecs describe themselves
// (`Codec<T>::AppendSignature`).
class SignatureBuilder {
 public:
  // With `expand_user_types`, user types are written with their fields
  // ("Particle{string,f64}"); without, by name only.
  explicit SignatureBuilder(bool expand_user_types)
      : expand_user_types_(expand_user_types) {}

  void Append(absl::string_view text) {
    signature_.append(text.data(), text.size());
  }

  template <typename T>
  void Add() {
    Codec<T>::AppendSignature(*this);
  }

  // Appends `name<A,B,...>`.
  template <typename... Ts>
  void AddTemplate(absl::string_view name) {
    Append(name);
    Append("<");
    bool first = true;
    ((Append(first ? "" : ","), first = false, Add<Ts>()), ...);
    Append(">");
  }

  // Starts a user type; returns whether its fields should be written. A
  // type already being written (a recursive type) is not expanded again.
  bool BeginUserType(absl::string_view name) {
    Append(name);
    if (!expand_user_types_ || absl::c_linear_search(open_user_types_, name)) {
      return false;
    }
    open_user_types_.push_back(name);
    return true;
  }
  void EndUserType() { open_user_types_.pop_back(); }

  std::string Release() && { return std::move(signature_); }

 private:
  const bool expand_user_types_;
  std::vector<absl::string_view> open_user_types_;
  std::string signature_;
};

// Returns the 64-bit FNV-1a hash of `text`.
constexpr uint64_t Fnv1a64(absl::string_view text) {
  uint64_t hash = 0xcbf29ce484222325u;
  for (char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3u;
  }
  return hash;
}

// Returns the readable signature of `T`, with user types by name.
template <typename T>
const std::string& TypeName() {
  static const std::string* const name = [] {
    SignatureBuilder builder(/*expand_user_types=*/false);
    builder.Add<T>();
    return new std::string(std::move(builder).Release());
  }();
  return *name;
}

// Returns the signature of `T` with user types expanded to their fields.
template <typename T>
const std::string& TypeStructure() {
  static const std::string* const structure = [] {
    SignatureBuilder builder(/*expand_user_types=*/true);
    builder.Add<T>();
    return new std::string(std::move(builder).Release());
  }();
  return *structure;
}

// Returns the hash a frame of `T` carries: of `TypeStructure<T>()`.
template <typename T>
uint64_t TypeHash() {
  static const uint64_t hash = Fnv1a64(TypeStructure<T>());
  return hash;
}

}  // namespace pkl5

#endif  // PKL5_SERIALIZATION_TYPE_SIGNATURE_H_
