// ibcast overlapped with computation against bcast then the same
// computation, for a model-state struct (a name, a step, a weight array)
// broadcast from rank 0; the same for raw MPI_Ibcast / MPI_Bcast of the
// weights' bytes, in the same run, interleaved. The computation is sized
// to take about as long as the blocking pkl5 bcast, so perfect overlap
// would give 0.50x; it is done in slices, testing the request after each
// (what a user must do for progress without a progress thread).
//
//   bazel build -c opt //bench:overlap_bench
//   testing/mpirun_test.sh 2 bazel-bin/bench/overlap_bench
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "pkl5/bench/mpi_check.h"
#include "pkl5/bench/statistics.h"
#include "pkl5/collectives/collectives.h"
#include "pkl5/collectives/nonblocking.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/serialization/serialization.h"

namespace {

using ::pkl5::bench::Check;
using ::pkl5::bench::Median;

struct ModelState {
  std::string name;
  int64_t step = 0;
  std::vector<float> weights;
  PKL5_FIELDS(ModelState, name, step, weights);
};

// One slice of computation (~20 us here); `sink` keeps it from being
// optimized away.
double slice_sink = 0;
void ComputeSlice() {
  double sum = 0;
  for (int i = 1; i <= 20000; ++i) sum += std::sqrt(static_cast<double>(i));
  slice_sink += sum;
}

// Seconds of `op`, the slowest rank's, between barriers.
double Time(const std::function<void()>& op) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  op();
  double elapsed = MPI_Wtime() - start;
  MPI_Allreduce(MPI_IN_PLACE, &elapsed, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return elapsed;
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
      std::printf(
          "%d ranks; seconds per broadcast + computation, median of 5 "
          "rounds; computation sized to the blocking pkl5 bcast\n\n",
          size);
    }
    // What starting and waiting costs next to the blocking form, with
    // nothing to overlap: whether bcast could be ibcast + wait.
    if (rank == 0) {
      std::printf(
          "| bytes | pkl5 bcast us | pkl5 ibcast + wait us | ibcast/bcast | "
          "raw MPI_Bcast us | raw MPI_Ibcast + wait us |\n");
      std::printf("| ---: | ---: | ---: | ---: | ---: | ---: |\n");
    }
    for (size_t bytes : {size_t{8}, size_t{64} << 10, size_t{1} << 20}) {
      const int calls = bytes <= 8 ? 2000 : 100;
      std::vector<char> value(bytes, static_cast<char>(rank));
      const int count = static_cast<int>(bytes);
      std::vector<double> t_b, t_ib, t_rb, t_rib;
      for (int round = 0; round < 6; ++round) {
        const double b = Time([&] {
          for (int i = 0; i < calls; ++i) Check(pkl5::bcast(*comm, value, 0));
        });
        const double ib = Time([&] {
          for (int i = 0; i < calls; ++i) {
            absl::StatusOr<pkl5::Request> request =
                pkl5::ibcast(*comm, value, 0);
            Check(request.status());
            Check(request->wait());
          }
        });
        const double rb = Time([&] {
          for (int i = 0; i < calls; ++i) {
            MPI_Bcast(value.data(), count, MPI_BYTE, 0, MPI_COMM_WORLD);
          }
        });
        const double rib = Time([&] {
          for (int i = 0; i < calls; ++i) {
            MPI_Request request = MPI_REQUEST_NULL;
            MPI_Ibcast(value.data(), count, MPI_BYTE, 0, MPI_COMM_WORLD,
                       &request);
            MPI_Wait(&request, MPI_STATUS_IGNORE);
          }
        });
        if (round > 0) {
          t_b.push_back(b / calls);
          t_ib.push_back(ib / calls);
          t_rb.push_back(rb / calls);
          t_rib.push_back(rib / calls);
        }
      }
      if (rank == 0) {
        std::printf("| %zu | %.2f | %.2f | %.2fx | %.2f | %.2f |\n", bytes,
                    Median(t_b) * 1e6, Median(t_ib) * 1e6,
                    Median(t_ib) / Median(t_b), Median(t_rb) * 1e6,
                    Median(t_rib) * 1e6);
        std::fflush(stdout);
      }
    }
    if (rank == 0) std::printf("\n");
    if (rank == 0) {
      std::printf(
          "| bytes | compute s | pkl5 bcast then compute s | pkl5 ibcast + "
          "compute s | overlapped/sequential | raw bcast then compute s | "
          "raw ibcast + compute s | raw overlapped/sequential |\n");
      std::printf(
          "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    }
    for (size_t bytes :
         {size_t{1} << 20, size_t{64} << 20, size_t{256} << 20}) {
      ModelState model;
      model.name = "stage";
      model.step = 7;
      model.weights.assign(bytes / sizeof(float), rank == 0 ? 1.5f : 0.0f);
      std::vector<char> raw(bytes, static_cast<char>(rank));
      const int count = static_cast<int>(bytes);
      // Size the computation to the blocking bcast.
      Check(pkl5::bcast(*comm, model, 0));
      std::vector<double> warm;
      for (int i = 0; i < 3; ++i) {
        warm.push_back(Time([&] { Check(pkl5::bcast(*comm, model, 0)); }));
      }
      const double slice = Time([] {
                             for (int i = 0; i < 100; ++i) ComputeSlice();
                           }) /
                           100;
      int slices = std::max(1, static_cast<int>(Median(warm) / slice));
      MPI_Bcast(&slices, 1, MPI_INT, 0, MPI_COMM_WORLD);
      const auto compute = [&] {
        for (int i = 0; i < slices; ++i) ComputeSlice();
      };
      std::vector<double> t_compute, t_seq, t_over, t_raw_seq, t_raw_over;
      for (int round = 0; round < 6; ++round) {
        const double c = Time(compute);
        const double s = Time([&] {
          Check(pkl5::bcast(*comm, model, 0));
          compute();
        });
        const double o = Time([&] {
          absl::StatusOr<pkl5::Request> request = pkl5::ibcast(*comm, model, 0);
          Check(request.status());
          for (int i = 0; i < slices; ++i) {
            ComputeSlice();
            Check(request->test().status());
          }
          Check(request->wait());
        });
        const double rs = Time([&] {
          MPI_Bcast(raw.data(), count, MPI_BYTE, 0, MPI_COMM_WORLD);
          compute();
        });
        const double ro = Time([&] {
          MPI_Request request = MPI_REQUEST_NULL;
          MPI_Ibcast(raw.data(), count, MPI_BYTE, 0, MPI_COMM_WORLD, &request);
          for (int i = 0; i < slices; ++i) {
            ComputeSlice();
            int flag = 0;
            MPI_Test(&request, &flag, MPI_STATUS_IGNORE);
          }
          MPI_Wait(&request, MPI_STATUS_IGNORE);
        });
        if (round > 0) {
          t_compute.push_back(c);
          t_seq.push_back(s);
          t_over.push_back(o);
          t_raw_seq.push_back(rs);
          t_raw_over.push_back(ro);
        }
      }
      if (model.weights.front() != 1.5f || model.weights.back() != 1.5f) {
        std::fprintf(stderr, "overlap_bench: wrong weights on rank %d\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
      }
      if (rank == 0) {
        const double c = Median(t_compute), s = Median(t_seq),
                     o = Median(t_over), rs = Median(t_raw_seq),
                     ro = Median(t_raw_over);
        std::printf(
            "| %zu | %.4f | %.4f | %.4f | %.2fx | %.4f | %.4f | %.2fx |\n",
            bytes, c, s, o, o / s, rs, ro, ro / rs);
        std::fflush(stdout);
      }
    }
  }
  MPI_Finalize();
  return slice_sink > 0 ? 0 : 1;
}
