#include "pkl5/base/recycled.h"

#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace pkl5::base_internal {
namespace {

struct Small : Recycled {
  virtual ~Small() = default;
  char bytes[24];
};
struct Large final : Small {
  char more[200];
};

// A freed object's memory serves the thread's next object of that size,
// and only of that size (a derived type recycles by its own size).
TEST(RecycledTest, TheNextObjectOfASizeReusesTheLastOnesMemory) {
  if (!kRecyclesMemory) GTEST_SKIP() << "not recycled under AddressSanitizer";
  const void* small_memory = nullptr;
  {
    auto small = std::make_unique<Small>();
    small_memory = small.get();
  }
  std::unique_ptr<Small> large = std::make_unique<Large>();
  EXPECT_NE(static_cast<const void*>(large.get()), small_memory);
  const void* large_memory = large.get();
  large = nullptr;  // deleted through the base: recycled as a Large
  auto small = std::make_unique<Small>();
  EXPECT_EQ(static_cast<const void*>(small.get()), small_memory);
  auto large_again = std::make_unique<Large>();
  EXPECT_EQ(static_cast<const void*>(large_again.get()), large_memory);
}

// A thread keeps up to kRecycledBlocks blocks of a size: the next that
// many objects all reuse freed memory; the rest, and everything at the
// thread's exit, is freed (valgrind_check sees no loss).
TEST(RecycledTest, EachThreadKeepsABoundedNumberOfBlocks) {
  if (!kRecyclesMemory) GTEST_SKIP() << "not recycled under AddressSanitizer";
  std::thread worker([] {
    std::vector<std::unique_ptr<Small>> objects;
    for (size_t i = 0; i < 3 * kRecycledBlocks; ++i) {
      objects.push_back(std::make_unique<Small>());
    }
    std::set<const void*> freed;
    for (const auto& object : objects) freed.insert(object.get());
    objects.clear();
    for (size_t i = 0; i < kRecycledBlocks; ++i) {
      objects.push_back(std::make_unique<Small>());
      EXPECT_EQ(freed.count(objects.back().get()), 1u) << i;
    }
  });
  worker.join();
}

// Each thread recycles kRecycledSizes sizes, the first it frees; objects
// of other sizes are allocated and freed as usual.
TEST(RecycledTest, SizesBeyondTheKeptOnesAreAllocatedAsUsual) {
  if (!kRecyclesMemory) GTEST_SKIP() << "not recycled under AddressSanitizer";
  std::thread worker([] {
    struct A : Recycled {
      char b[1000];
    };
    struct B : Recycled {
      char b[1001];
    };
    struct C : Recycled {
      char b[1002];
    };
    struct D : Recycled {
      char b[1003];
    };
    struct E : Recycled {
      char b[1004];
    };
    static_assert(kRecycledSizes == 4);
    A* a = new A;
    B* b = new B;
    C* c = new C;
    D* d = new D;
    E* e = new E;
    const std::vector<const void*> kept = {a, b, c, d};
    delete a;
    delete b;
    delete c;
    delete d;
    delete e;  // a fifth size: freed
    A* a2 = new A;
    B* b2 = new B;
    C* c2 = new C;
    D* d2 = new D;
    EXPECT_EQ(kept, (std::vector<const void*>{a2, b2, c2, d2}));
    delete a2;
    delete b2;
    delete c2;
    delete d2;
  });
  worker.join();
}

}  // namespace
}  // namespace pkl5::base_internal
