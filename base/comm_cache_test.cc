// CommCache: an object cached on a communicator is found again, deleted
// when the communicator is freed, and, on a communicator never freed
// (MPI_COMM_WORLD), deleted when MPI_Finalize starts, with its key freed,
// so nothing pkl5 caches outlives MPI (tools/valgrind_check.sh finds the
// key otherwise).
//
// Its own main: the last check is after MPI_Finalize.
#include <mpi.h>

#include <cstdio>
#include <memory>

#include "pkl5/base/mpi_comm_cache.h"

namespace {

int live_objects = 0;

struct Counted {
  Counted() { ++live_objects; }
  ~Counted() { --live_objects; }
};

using Cache = pkl5::base_internal::CommCache<Counted>;

int Check(bool condition, const char* what) {
  if (condition) return 0;
  std::fprintf(stderr, "comm_cache_test: %s\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int failures = 0;

  absl::StatusOr<Counted*> missing = Cache::Find(MPI_COMM_WORLD);
  failures += Check(missing.ok() && *missing == nullptr,
                    "Find on a communicator with nothing cached");

  absl::StatusOr<Counted*> world =
      Cache::Store(MPI_COMM_WORLD, std::make_unique<Counted>());
  absl::StatusOr<Counted*> found = Cache::Find(MPI_COMM_WORLD);
  failures += Check(world.ok() && found.ok() && *found == *world,
                    "Find returns what Store cached");

  MPI_Comm duplicate = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &duplicate);
  absl::StatusOr<Counted*> inherited = Cache::Find(duplicate);
  failures += Check(inherited.ok() && *inherited == nullptr,
                    "a duplicate does not inherit the cached object");
  failures += Check(Cache::Store(duplicate, std::make_unique<Counted>()).ok() &&
                        live_objects == 2,
                    "Store on the duplicate");
  MPI_Comm_free(&duplicate);
  failures += Check(live_objects == 1,
                    "freeing a communicator deletes its cached object");

  MPI_Finalize();
  failures += Check(live_objects == 0,
                    "MPI_Finalize deletes what MPI_COMM_WORLD still caches");
  if (failures == 0) std::printf("comm_cache_test: passed\n");
  return failures == 0 ? 0 : 1;
}
