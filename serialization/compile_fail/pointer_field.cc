// Must not compile: a pointer cannot travel to another process.
#include "pkl5/serialization/serialization.h"

struct WithPointer {
  const int* target = nullptr;
  PKL5_FIELDS(WithPointer, target);
};

pkl5::Frame EncodeIt(const WithPointer& value) { return pkl5::Encode(value); }
