// Must not compile: PKL5_FIELDS lists 3 of the struct's 4 members.
#include <string>
#include <vector>

#include "pkl5/serialization/serialization.h"

struct Quad {
  int a = 0;
  std::string b;
  std::vector<double> c;
  double d = 0;
  PKL5_FIELDS(Quad, a, b, c);
};

pkl5::Frame EncodeIt(const Quad& value) { return pkl5::Encode(value); }
