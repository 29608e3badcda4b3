// bcast and allgather of a std::vector<char> through pkl5, next to raw MPI
// (MPI_Bcast / MPI_Allgather of the same bytes) and to the linear
// point-to-point algorithm mpi4py's pkl5 uses, in the same run,
// interleaved; time per call, median of rounds.
//
//   bazel build -c opt //bench:collectives_bench
//   testing/mpirun_test.sh 2 bazel-bin/bench/collectives_bench
//   testing/mpirun_test.sh 4 bazel-bin/bench/collectives_bench
//
// Receivers reuse their storage across calls (bcast writes in place,
// allgather into a reused vector; raw MPI reuses its buffer). The "fresh"
// allgather rows compare pkl5's returning form (new vectors each call)
// with raw MPI into a fresh huge-page-advised buffer.
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pkl5/bench/mpi_check.h"
#include "pkl5/bench/statistics.h"
#include "pkl5/collectives/collectives.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/serialization/storage.h"

namespace {

using ::pkl5::bench::Check;
using ::pkl5::bench::Median;

// Seconds per call of `op`, run `calls` times between barriers.
double Time(int calls, const std::function<void()>& op) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int i = 0; i < calls; ++i) op();
  MPI_Barrier(MPI_COMM_WORLD);
  double elapsed = (MPI_Wtime() - start) / calls;
  MPI_Bcast(&elapsed, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  return elapsed;
}

// mpi4py's pkl5 bcast on an intercommunicator and its gather/allgather:
// point to point, linear.
void LinearBcast(pkl5::Intracomm& comm, std::vector<char>& value) {
  if (comm.rank() == 0) {
    std::vector<pkl5::Request> sends;
    for (int dest = 1; dest < comm.size(); ++dest) {
      absl::StatusOr<pkl5::Request> sent = comm.isend(value, dest, 1);
      Check(sent.status());
      sends.push_back(*std::move(sent));
    }
    Check(pkl5::Request::waitall(sends));
  } else {
    Check(comm.recv_into(value, 0, 1));
  }
}

void LinearAllgather(pkl5::Intracomm& comm, const std::vector<char>& mine,
                     std::vector<std::vector<char>>& all) {
  std::vector<pkl5::Request> sends;
  for (int dest = 0; dest < comm.size(); ++dest) {
    absl::StatusOr<pkl5::Request> sent = comm.isend(mine, dest, 2);
    Check(sent.status());
    sends.push_back(*std::move(sent));
  }
  all.resize(static_cast<size_t>(comm.size()));
  for (int source = 0; source < comm.size(); ++source) {
    Check(comm.recv_into(all[static_cast<size_t>(source)], source, 2));
  }
  Check(pkl5::Request::waitall(sends));
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  {
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    Check(comm.status());
    if (rank == 0) {
      std::printf("%d ranks; time per call, median of 5 rounds\n\n", size);
      std::printf("| %-9s | %10s | %11s | %11s | %11s | %6s | %6s |\n", "op",
                  "bytes", "raw MPI us", "pkl5 us", "linear us", "pkl5",
                  "linear");
      std::printf(
          "|-----------|-----------:|------------:|------------:|"
          "------------:|-------:|-------:|\n");
    }
    for (size_t bytes : {size_t{8}, size_t{1} << 20, size_t{256} << 20}) {
      const int calls = bytes <= 8 ? 200 : bytes <= (1 << 20) ? 20 : 1;
      std::vector<char> raw(bytes, static_cast<char>(rank));
      std::vector<char> value(bytes, static_cast<char>(rank));
      std::vector<char> linear(bytes, static_cast<char>(rank));
      std::vector<double> t_raw, t_pkl5, t_linear;
      for (int round = 0; round < 6; ++round) {
        const double a = Time(calls, [&] {
          MPI_Bcast(raw.data(), static_cast<int>(bytes), MPI_BYTE, 0,
                    MPI_COMM_WORLD);
        });
        const double b =
            Time(calls, [&] { Check(pkl5::bcast(*comm, value, 0)); });
        const double c = Time(calls, [&] { LinearBcast(*comm, linear); });
        if (round > 0) {
          t_raw.push_back(a);
          t_pkl5.push_back(b);
          t_linear.push_back(c);
        }
      }
      if (rank == 0) {
        const double r = Median(t_raw), p = Median(t_pkl5),
                     l = Median(t_linear);
        std::printf(
            "| %-9s | %10zu | %11.2f | %11.2f | %11.2f | %5.2fx | %5.2fx |\n",
            "bcast", bytes, r * 1e6, p * 1e6, l * 1e6, p / r, l / r);
        std::fflush(stdout);
      }
    }
    for (size_t bytes : {size_t{8}, size_t{1} << 20, size_t{256} << 20}) {
      const int calls = bytes <= 8 ? 200 : bytes <= (1 << 20) ? 20 : 1;
      const std::vector<char> mine(bytes, static_cast<char>(rank));
      std::vector<char> raw_all(bytes * static_cast<size_t>(size));
      std::vector<std::vector<char>> linear_all;
      std::vector<std::vector<char>> reused_all;
      std::vector<double> t_raw, t_fresh, t_pkl5, t_reused, t_linear;
      for (int round = 0; round < 6; ++round) {
        const double a = Time(calls, [&] {
          MPI_Allgather(mine.data(), static_cast<int>(bytes), MPI_BYTE,
                        raw_all.data(), static_cast<int>(bytes), MPI_BYTE,
                        MPI_COMM_WORLD);
        });
        const double f = Time(calls, [&] {
          // Raw MPI into fresh, huge-page advised memory: what a receiver
          // of new objects pays at best.
          std::unique_ptr<char[]> fresh(
              new char[bytes * static_cast<size_t>(size)]);
          pkl5::AdviseHugePages(fresh.get(), bytes * static_cast<size_t>(size));
          MPI_Allgather(mine.data(), static_cast<int>(bytes), MPI_BYTE,
                        fresh.get(), static_cast<int>(bytes), MPI_BYTE,
                        MPI_COMM_WORLD);
        });
        const double b = Time(calls, [&] {
          absl::StatusOr<std::vector<std::vector<char>>> all =
              pkl5::allgather(*comm, mine);
          Check(all.status());
        });
        const double d = Time(
            calls, [&] { Check(pkl5::allgather(*comm, mine, reused_all)); });
        const double c =
            Time(calls, [&] { LinearAllgather(*comm, mine, linear_all); });
        if (round > 0) {
          t_raw.push_back(a);
          t_fresh.push_back(f);
          t_pkl5.push_back(b);
          t_reused.push_back(d);
          t_linear.push_back(c);
        }
      }
      if (rank == 0) {
        const double r = Median(t_raw), f = Median(t_fresh), p = Median(t_pkl5),
                     u = Median(t_reused), l = Median(t_linear);
        std::printf(
            "| %-9s | %10zu | %11.2f | %11.2f | %11.2f | %5.2fx | %5.2fx |\n",
            "allgather", bytes, r * 1e6, u * 1e6, l * 1e6, u / r, l / r);
        std::printf(
            "| %-9s | %10zu | %11.2f | %11.2f | %11s | %5.2fx | %6s |\n",
            "  fresh", bytes, f * 1e6, p * 1e6, "", p / f, "");
        std::fflush(stdout);
      }
    }
  }
  MPI_Finalize();
  return 0;
}
