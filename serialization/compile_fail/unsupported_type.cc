// Must not compile: a struct that did not opt in.
#include "pkl5/serialization/serialization.h"

struct NotOptedIn {
  int value = 0;
};

pkl5::Frame EncodeIt(const NotOptedIn& value) { return pkl5::Encode(value); }
