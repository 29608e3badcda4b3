#include "pkl5/examples/example_support.h"

#include <mpi.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"

namespace pkl5::examples {

void Print(Comm& comm, const std::string& line) {
  absl::StatusOr<std::vector<std::string>> lines = gather(comm, line, 0);
  if (!lines.ok()) {
    // Still say what this rank had to say, unordered.
    std::printf("%s (printing in order failed: %s)\n", line.c_str(),
                lines.status().ToString().c_str());
  } else {
    for (const std::string& each : *lines) std::printf("%s\n", each.c_str());
  }
  std::fflush(stdout);
}

std::string Bytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0) return absl::StrFormat("%.0f B", bytes);
  return absl::StrFormat("%.2f %s", bytes, kUnits[unit]);
}

size_t PeakResidentBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;  // ru_maxrss is KiB
}

int Finish(const char* example, const absl::Status& status, bool ok) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (!status.ok()) {
    std::fprintf(stderr, "%s: rank %d: %s\n", example, rank,
                 status.ToString().c_str());
  }
  int succeeded = status.ok() && ok ? 1 : 0;
  int all_succeeded = 0;
  MPI_Allreduce(&succeeded, &all_succeeded, 1, MPI_INT, MPI_LAND,
                MPI_COMM_WORLD);
  if (rank == 0) {
    std::printf("%s: %s\n", example,
                all_succeeded ? "all checks passed" : "FAILED");
  }
  MPI_Finalize();
  return all_succeeded ? 0 : 1;
}

}  // namespace pkl5::examples
