// Must not compile: an enum that cannot hold every value of its underlying
// type, so a received value could be out of its range.
#include "pkl5/serialization/serialization.h"

enum Loose { kFirst, kSecond };

pkl5::Frame EncodeIt(Loose value) { return pkl5::Encode(value); }
