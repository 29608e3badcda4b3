// One object of many out-of-band parts, sent one way from rank 0 to rank 1:
// pkl5 posting every part at once (TransportOptions::part_window = 0, what
// pkl5 did before the window) and in its default window, next to raw MPI
// of the same bytes as one message and as one message per part posted at
// once. Open MPI's cost per message grows with the messages outstanding,
// which is what the window avoids.
//
//   bazel build -c opt //bench:many_parts_bench
//   testing/mpirun_test.sh 2 bazel-bin/bench/many_parts_bench [--reps=3]
//       [--max_parts=100000]
//
// Each part is a std::vector<char> of 4096 bytes (the default out-of-band
// threshold), so an object of N parts is N + 2 pieces on the wire.
// Prints a Markdown table: median seconds per transfer, and pkl5's ratio to
// the raw single message of the same bytes.
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "pkl5/bench/mpi_check.h"
#include "pkl5/bench/statistics.h"
#include "pkl5/pkl5.h"

namespace {

using ::pkl5::bench::Check;
using ::pkl5::bench::Median;

constexpr size_t kPartBytes = 4096;
constexpr int kTag = 3;

using Object = std::vector<std::vector<char>>;

// Seconds of one transfer rank 0 -> rank 1, acknowledged by a zero-byte
// message so rank 0 times the whole of it.
double Time(int rank, const std::function<void()>& send,
            const std::function<void()>& receive) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  if (rank == 0) {
    send();
    MPI_Recv(nullptr, 0, MPI_BYTE, 1, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  } else {
    receive();
    MPI_Send(nullptr, 0, MPI_BYTE, 0, 99, MPI_COMM_WORLD);
  }
  return MPI_Wtime() - start;
}

pkl5::Intracomm Wrap(size_t part_window) {
  MPI_Comm dup = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  pkl5::CommOptions options;
  options.transport.part_window = part_window;
  absl::StatusOr<pkl5::Intracomm> comm = pkl5::Intracomm::Create(dup, options);
  Check(comm.status());
  return *std::move(comm);
}

// Raw MPI: every part its own message, all posted at once.
void RawParts(bool send, Object& object) {
  std::vector<MPI_Request> requests(object.size());
  for (size_t i = 0; i < object.size(); ++i) {
    if (send) {
      MPI_Isend(object[i].data(), kPartBytes, MPI_BYTE, 1, kTag, MPI_COMM_WORLD,
                &requests[i]);
    } else {
      MPI_Irecv(object[i].data(), kPartBytes, MPI_BYTE, 0, kTag, MPI_COMM_WORLD,
                &requests[i]);
    }
  }
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(),
              MPI_STATUSES_IGNORE);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int reps = 3;
  size_t max_parts = 100000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--reps=", 0) == 0) {
      (void)absl::SimpleAtoi(arg.substr(7), &reps);
    } else if (arg.rfind("--max_parts=", 0) == 0) {
      (void)absl::SimpleAtoi(arg.substr(12), &max_parts);
    }
  }
  if (size != 2) {
    if (rank == 0) std::fprintf(stderr, "many_parts_bench: run at 2 ranks\n");
    MPI_Finalize();
    return 2;
  }
  pkl5::Intracomm all_at_once = Wrap(0);
  const size_t window = pkl5::TransportOptions().part_window;
  pkl5::Intracomm windowed = Wrap(window);
  if (rank == 0) {
    std::printf(
        "| parts | bytes | raw 1 message s | raw all parts at once s | pkl5 "
        "all at once s | pkl5 window %zu s | all at once/raw | window/raw "
        "|\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        window);
  }
  for (size_t parts = 1000; parts <= max_parts; parts *= 10) {
    Object object(parts, std::vector<char>(kPartBytes, 1));
    std::vector<char> flat(parts * kPartBytes, 1);
    std::vector<double> raw, raw_parts, before, after;
    for (int r = 0; r < reps; ++r) {
      raw.push_back(Time(
          rank,
          [&] {
            MPI_Send(flat.data(), static_cast<int>(flat.size()), MPI_BYTE, 1,
                     kTag, MPI_COMM_WORLD);
          },
          [&] {
            MPI_Recv(flat.data(), static_cast<int>(flat.size()), MPI_BYTE, 0,
                     kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
          }));
      raw_parts.push_back(Time(
          rank, [&] { RawParts(true, object); },
          [&] { RawParts(false, object); }));
      for (pkl5::Intracomm* comm : {&all_at_once, &windowed}) {
        const double seconds = Time(
            rank, [&] { Check(comm->send(object, 1, kTag)); },
            [&] { Check(comm->recv_into(object, 0, kTag)); });
        (comm == &windowed ? after : before).push_back(seconds);
      }
    }
    if (rank == 0) {
      const double base = Median(raw);
      std::printf("| %zu | %zu | %.4f | %.4f | %.4f | %.4f | %.2fx | %.2fx |\n",
                  parts, parts * kPartBytes, base, Median(raw_parts),
                  Median(before), Median(after), Median(before) / base,
                  Median(after) / base);
      std::fflush(stdout);
    }
  }
  all_at_once.free();
  windowed.free();
  MPI_Finalize();
  return 0;
}
