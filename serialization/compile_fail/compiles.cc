// Must compile: proves the compile-fail cases fail for their own reason.
#include <map>
#include <string>
#include <vector>

#include "pkl5/serialization/serialization.h"

struct OptedIn {
  int value = 0;
  PKL5_FIELDS(OptedIn, value);
};

// Every member listed, of kinds the member count must get right: a C
// array (its elements take one initializer each), nested structs, a
// string, a container.
struct Inner {
  double x = 0;
  double y = 0;
  PKL5_FIELDS(Inner, x, y);
};
struct Mixed {
  int grid[2][3] = {};
  Inner inner;
  std::string name;
  std::map<std::string, std::vector<int>> index;
  PKL5_FIELDS(Mixed, grid, inner, name, index);
};

// A member left out on purpose.
struct WithCache {
  std::vector<double> values;
  double cached_sum = 0;
  PKL5_FIELDS_SUBSET(WithCache, values);
};

// Not an aggregate: not counted.
class Private {
 public:
  PKL5_FIELDS(Private, value_);

 private:
  int value_ = 0;
};

enum class Fixed { kFirst, kSecond };

pkl5::Frame EncodeIt(const OptedIn& value) { return pkl5::Encode(value); }
pkl5::Frame EncodeMixed(const Mixed& value) { return pkl5::Encode(value); }
pkl5::Frame EncodeCache(const WithCache& value) { return pkl5::Encode(value); }
pkl5::Frame EncodePrivate(const Private& value) { return pkl5::Encode(value); }
pkl5::Frame EncodeEnum(Fixed value) { return pkl5::Encode(value); }
