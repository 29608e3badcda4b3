// Small objects cost no heap allocation per send or per receive once the
// program runs steadily: counted with a replaced global operator new, at 2
// ranks, around each pkl5 call of a ping-pong after a warm-up.
//
// What is counted is pkl5's (and the C++ standard library's on its behalf)
// allocations, not MPI's own malloc calls.
#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/base/recycled.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/testing/status_matchers.h"

namespace {

// Allocations made by this thread while counting.
thread_local bool counting = false;
thread_local int64_t allocations = 0;

void* Allocate(size_t size) {
  if (counting) ++allocations;
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}

void* AllocateAligned(size_t size, std::align_val_t alignment) {
  if (counting) ++allocations;
  const size_t align = static_cast<size_t>(alignment);
  const size_t rounded = (size + align - 1) / align * align;
  if (void* memory = std::aligned_alloc(align, rounded == 0 ? align : rounded))
    return memory;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(size_t size) { return Allocate(size); }
void* operator new[](size_t size) { return Allocate(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(size_t size, std::align_val_t alignment) {
  return AllocateAligned(size, alignment);
}
void* operator new[](size_t size, std::align_val_t alignment) {
  return AllocateAligned(size, alignment);
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, size_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t) noexcept {
  std::free(memory);
}
void operator delete[](void* memory, std::align_val_t) noexcept {
  std::free(memory);
}
void operator delete(void* memory, size_t, std::align_val_t) noexcept {
  std::free(memory);
}
void operator delete[](void* memory, size_t, std::align_val_t) noexcept {
  std::free(memory);
}

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;

struct Struct10 {
  int64_t a = 1, b = 2, c = 3, d = 4, e = 5;
  double f = 1.5, g = 2.5, h = 3.5, i = 4.5, j = 5.5;
  PKL5_FIELDS(Struct10, a, b, c, d, e, f, g, h, i, j);
};

constexpr int kWarmUp = 50;
constexpr int kCounted = 200;
// irecv: its request's state and the transport's posted receive, whose
// memory the thread recycles (but under AddressSanitizer).
constexpr int64_t kIrecvAllocations =
    pkl5::base_internal::kRecyclesMemory ? 0 : 2;

// The allocations of one call of `call`.
template <typename F>
int64_t AllocationsOf(F&& call) {
  allocations = 0;
  counting = true;
  call();
  counting = false;
  return allocations;
}

class AllocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 2) GTEST_SKIP() << "a ping-pong of 2 ranks";
    absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
    ASSERT_THAT(comm, IsOk());
    comm_ = *std::move(comm);
  }

  // Ping-pongs `value` with send and `receive(object)` (into one object
  // kept across hops), and returns the most allocations one send or one
  // receive made after the warm-up.
  template <typename T, typename Receive>
  std::pair<int64_t, int64_t> MostAllocations(const T& value, Receive receive) {
    const int peer = 1 - comm_.rank();
    T received{};
    int64_t most_send = 0;
    int64_t most_receive = 0;
    for (int hop = 0; hop < kWarmUp + kCounted; ++hop) {
      const bool sends = (hop % 2 == 0) == (comm_.rank() == 0);
      absl::Status status;
      const int64_t made = AllocationsOf([&] {
        status = sends ? comm_.send(value, peer) : receive(received, peer);
      });
      EXPECT_THAT(status, IsOk());
      if (!sends) {
        EXPECT_TRUE(received == value);
      }
      if (hop < kWarmUp) continue;
      int64_t& most = sends ? most_send : most_receive;
      most = std::max(most, made);
    }
    return {most_send, most_receive};
  }

  template <typename T>
  void ExpectNoAllocation(const T& value) {
    const auto [by_recv_into_send, by_recv_into] = MostAllocations(
        value,
        [&](T& object, int peer) { return comm_.recv_into(object, peer); });
    EXPECT_EQ(by_recv_into_send, 0) << "send";
    EXPECT_EQ(by_recv_into, 0) << "recv_into";
  }

  Intracomm comm_;
};

bool operator==(const Struct10& x, const Struct10& y) {
  return x.a == y.a && x.b == y.b && x.c == y.c && x.d == y.d && x.e == y.e &&
         x.f == y.f && x.g == y.g && x.h == y.h && x.i == y.i && x.j == y.j;
}

TEST_F(AllocationTest, Int) { ExpectNoAllocation(int32_t{42}); }
TEST_F(AllocationTest, String) {
  ExpectNoAllocation(std::string("hello, pkl5 bench"));
}
TEST_F(AllocationTest, Struct10) { ExpectNoAllocation(Struct10{}); }
TEST_F(AllocationTest, VectorOfEightDoubles) {
  ExpectNoAllocation(std::vector<double>(8, 0.25));
}
TEST_F(AllocationTest, PairOfIntAndString) {
  ExpectNoAllocation(std::pair<int32_t, std::string>(7, "seven"));
}
TEST_F(AllocationTest, Variant) {
  ExpectNoAllocation(std::variant<int32_t, double, std::string>(2.5));
}

// recv returns a new object: an int or a struct costs nothing more.
TEST_F(AllocationTest, RecvOfScalarsAllocatesNothing) {
  const auto [send, receive] =
      MostAllocations(Struct10{}, [&](Struct10& object, int peer) {
        absl::StatusOr<Struct10> got = comm_.recv<Struct10>(peer);
        if (got.ok()) object = *got;
        return got.status();
      });
  EXPECT_EQ(send, 0);
  EXPECT_EQ(receive, 0);
}

// irecv's request and posted receive reuse memory the thread freed; the
// envelope, header and in-band bytes are decoded where they arrived.
TEST_F(AllocationTest, IrecvAllocatesNothing) {
  const auto [send, receive] =
      MostAllocations(int32_t{42}, [&](int32_t& object, int peer) {
        absl::StatusOr<RecvRequest<int32_t>> request =
            comm_.irecv<int32_t>(peer);
        if (!request.ok()) return request.status();
        absl::StatusOr<int32_t> got = request->wait();
        if (got.ok()) object = *got;
        return got.status();
      });
  EXPECT_EQ(send, 0);
  EXPECT_EQ(receive, kIrecvAllocations);
}

}  // namespace
}  // namespace pkl5
