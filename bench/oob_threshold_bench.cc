// Measures where out-of-band beats in-band for one array, to choose
// pkl5::kDefaultOutOfBandThreshold. Run on 2 ranks:
//
//   bazel build -c opt //bench:oob_threshold_bench
//   testing/mpirun_test.sh 2 bazel-bin/bench/oob_threshold_bench
//
// In-band: the sender copies the array behind a 64-byte header and sends one
// message; the receiver receives it and copies the array out. Out-of-band:
// the header and the array are two messages, each sent from and received
// into its final place. Both are timed as ping-pongs (half the round trip),
// interleaved, median of many.
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "pkl5/bench/statistics.h"

namespace {

using ::pkl5::bench::Median;

constexpr int kHeader = 64;

// One round trip of `size` bytes between ranks 0 and 1; returns seconds.
double RoundTrip(bool out_of_band, int rank, size_t size,
                 std::vector<char>& array, std::vector<char>& message,
                 std::vector<char>& header) {
  const int peer = 1 - rank;
  const int bytes = static_cast<int>(size);
  auto send = [&] {
    if (out_of_band) {
      MPI_Send(header.data(), kHeader, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
      MPI_Send(array.data(), bytes, MPI_BYTE, peer, 1, MPI_COMM_WORLD);
    } else {
      std::memcpy(message.data() + kHeader, array.data(), size);
      MPI_Send(message.data(), kHeader + bytes, MPI_BYTE, peer, 0,
               MPI_COMM_WORLD);
    }
  };
  auto receive = [&] {
    if (out_of_band) {
      MPI_Recv(header.data(), kHeader, MPI_BYTE, peer, 0, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
      MPI_Recv(array.data(), bytes, MPI_BYTE, peer, 1, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(message.data(), kHeader + bytes, MPI_BYTE, peer, 0,
               MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      std::memcpy(array.data(), message.data() + kHeader, size);
    }
  };
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  if (rank == 0) {
    send();
    receive();
  } else {
    receive();
    send();
  }
  return MPI_Wtime() - start;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 2) {
    if (rank == 0) std::fprintf(stderr, "run on exactly 2 ranks\n");
    MPI_Finalize();
    return 2;
  }
  if (rank == 0) {
    std::printf("| %9s | %12s | %12s | %12s |\n", "bytes", "in-band us",
                "out-of-band us", "oob/in-band");
    std::printf(
        "|-----------|--------------|----------------|-------------|\n");
  }
  for (size_t bytes = 1024; bytes <= (size_t{4} << 20); bytes *= 2) {
    std::vector<char> array(bytes, 'a');
    std::vector<char> message(kHeader + bytes, 'm');
    std::vector<char> header(kHeader, 'h');
    const int reps = bytes <= (size_t{64} << 10) ? 2000 : 300;
    std::vector<double> in_band;
    std::vector<double> out_of_band;
    for (int rep = 0; rep < reps + 20; ++rep) {
      const double a =
          RoundTrip(false, rank, bytes, array, message, header) / 2;
      const double b = RoundTrip(true, rank, bytes, array, message, header) / 2;
      if (rep >= 20) {  // warm-up discarded
        in_band.push_back(a);
        out_of_band.push_back(b);
      }
    }
    if (rank == 0) {
      const double a = Median(in_band) * 1e6;
      const double b = Median(out_of_band) * 1e6;
      std::printf("| %9zu | %12.2f | %14.2f | %11.2f |\n", bytes, a, b, b / a);
    }
  }
  MPI_Finalize();
  return 0;
}
