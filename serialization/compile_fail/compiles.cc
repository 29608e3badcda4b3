// Must compile: proves the compile-fail cases fail for their own reason.
#include "pkl5/serialization/serialization.h"

struct OptedIn {
  int value = 0;
  PKL5_FIELDS(OptedIn, value);
};

enum class Fixed { kFirst, kSecond };

pkl5::Frame EncodeIt(const OptedIn& value) { return pkl5::Encode(value); }
pkl5::Frame EncodeEnum(Fixed value) { return pkl5::Encode(value); }
