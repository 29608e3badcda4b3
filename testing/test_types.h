// User types shared by the serialization tests.
#ifndef PKL5_TESTING_TEST_TYPES_H_
#define PKL5_TESTING_TEST_TYPES_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pkl5/serialization/fields.h"

namespace pkl5::internal_testing {

// Bulk: trivially copyable, every field bulk, no padding.
struct Vec3 {
  double x = 0;
  double y = 0;
  double z = 0;
  PKL5_FIELDS(Vec3, x, y, z);
  bool operator==(const Vec3& other) const {
    return x == other.x && y == other.y && z == other.z;
  }
};

// Not bulk: padding between `tag` and `value`.
struct Padded {
  uint8_t tag = 0;
  double value = 0;
  PKL5_FIELDS(Padded, tag, value);
  bool operator==(const Padded& other) const {
    return tag == other.tag && value == other.value;
  }
};

enum class Color : uint16_t { kRed = 1, kGreen = 2, kBlue = 300 };

struct Particle {
  std::string name;
  std::vector<double> position;
  Color color = Color::kRed;
  int counts[3] = {0, 0, 0};
  PKL5_FIELDS(Particle, name, position, color, counts);
  bool operator==(const Particle& other) const {
    return name == other.name && position == other.position &&
           color == other.color && counts[0] == other.counts[0] &&
           counts[1] == other.counts[1] && counts[2] == other.counts[2];
  }
};

// A user type holding others.
struct Experiment {
  std::string title;
  std::vector<Particle> particles;
  std::map<std::string, Vec3> landmarks;
  std::vector<Vec3> trajectory;
  PKL5_FIELDS(Experiment, title, particles, landmarks, trajectory);
  bool operator==(const Experiment& other) const {
    return title == other.title && particles == other.particles &&
           landmarks == other.landmarks && trajectory == other.trajectory;
  }
};

// A recursive type.
struct Tree {
  int value = 0;
  std::vector<Tree> children;
  PKL5_FIELDS(Tree, value, children);
  bool operator==(const Tree& other) const {
    return value == other.value && children == other.children;
  }
};

// An empty type.
struct Empty {
  PKL5_FIELDS(Empty);
  bool operator==(const Empty&) const { return true; }
};

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_TEST_TYPES_H_
