// One-way time of small objects through pkl5 next to raw MPI, on the MPI
// it is built with (the //bench report is Open MPI only: its peers,
// Boost.MPI and mpi4py, are Debian's Open MPI builds):
//
//   bazel build -c opt //bench:small_objects       (or --config=mpich)
//   mpirun -np 2 --bind-to core bazel-bin/bench/small_objects
//
// Four ways per object, interleaved round by round in one run: raw MPI of
// the object's bytes (MPI_Send + MPI_Recv), raw MPI of as many bytes as
// pkl5 puts on the wire for it (its envelope: the floor of any message
// that carries its own type and sizes; below 9 bytes Open MPI's shared
// memory is faster than for any larger message), pkl5 send + recv, and
// pkl5 send + irecv().wait(), the irecv posted (MPI_Irecv) and matched by
// pkl5 (TransportOptions::IrecvMatching::kProbed, what Open MPI gets under
// MPI_THREAD_MULTIPLE). Prints the median of each and the ratios.
#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pkl5/bench/mpi_check.h"
#include "pkl5/bench/statistics.h"
#include "pkl5/pkl5.h"
#include "pkl5/transport/internal/envelope.h"

namespace pkl5::bench {
namespace {

constexpr int kRounds = 15;
constexpr int kRoundTrips = 10000;

struct Struct10 {
  int64_t a = 1, b = 2, c = 3, d = 4, e = 5;
  double f = 1.5, g = 2.5, h = 3.5, i = 4.5, j = 5.5;
  PKL5_FIELDS(Struct10, a, b, c, d, e, f, g, h, i, j);
};

enum Way { kRawObject, kRawWire, kRecv, kIrecv, kProbedIrecv, kWays };

// The median one-way time of each way for `value`, `bytes` long in raw MPI.
// `probed` wraps the same communicator as `comm`, with probed irecvs.
template <typename T>
std::vector<double> Measure(Intracomm& comm, Intracomm& probed, const T& value,
                            int bytes, int wire_bytes) {
  const int rank = comm.rank();
  const int peer = 1 - rank;
  std::vector<char> buffer(static_cast<size_t>(wire_bytes), 'x');
  T received{};
  auto raw = [&](int size) {
    if (rank == 0) {
      MPI_Send(buffer.data(), size, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
      MPI_Recv(buffer.data(), size, MPI_BYTE, peer, 0, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(buffer.data(), size, MPI_BYTE, peer, 0, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
      MPI_Send(buffer.data(), size, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
    }
  };
  // by: nullptr for a blocking recv, else the comm whose irecv is used.
  auto receive = [&](Intracomm* by) {
    if (by == nullptr) {
      Check(comm.recv_into(received, peer));
      return;
    }
    absl::StatusOr<RecvRequest<T>> request = by->irecv<T>(peer);
    Check(request.status());
    absl::StatusOr<T> got = request->wait();
    Check(got.status());
    received = *std::move(got);
  };
  auto pkl5 = [&](Intracomm* by) {
    if (rank == 0) {
      Check(comm.send(value, peer));
      receive(by);
    } else {
      receive(by);
      Check(comm.send(value, peer));
    }
  };
  std::vector<std::vector<double>> times(kWays);
  for (int round = -1; round < kRounds; ++round) {  // round -1 warms up
    for (int way = 0; way < kWays; ++way) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      for (int i = 0; i < kRoundTrips; ++i) {
        switch (way) {
          case kRawObject:
            raw(bytes);
            break;
          case kRawWire:
            raw(wire_bytes);
            break;
          case kRecv:
            pkl5(nullptr);
            break;
          case kIrecv:
            pkl5(&comm);
            break;
          case kProbedIrecv:
            pkl5(&probed);
            break;
        }
      }
      const double one_way = (MPI_Wtime() - start) / (2.0 * kRoundTrips);
      if (round >= 0) times[static_cast<size_t>(way)].push_back(one_way);
    }
  }
  std::vector<double> medians;
  for (const std::vector<double>& way : times) medians.push_back(Median(way));
  return medians;
}

template <typename T>
void Row(Intracomm& comm, Intracomm& probed, const char* name, const T& value,
         int bytes) {
  const Frame frame = Encode(value);
  const int wire_bytes =
      static_cast<int>(transport_internal::WholeEnvelopeHeadBytes(2) +
                       frame.header.size() + frame.inband.size());
  const std::vector<double> t = Measure(comm, probed, value, bytes, wire_bytes);
  if (comm.rank() != 0) return;
  std::printf(
      "| %s | %d | %d | %.3f us | %.3f us | %.3f us | %.3f us | %.3f us | "
      "%.2fx | %.2fx | %.2fx | %.2fx | %.2fx |\n",
      name, bytes, wire_bytes, t[kRawObject] * 1e6, t[kRawWire] * 1e6,
      t[kRecv] * 1e6, t[kIrecv] * 1e6, t[kProbedIrecv] * 1e6,
      t[kRecv] / t[kRawObject], t[kIrecv] / t[kRawObject],
      t[kRecv] / t[kRawWire], t[kIrecv] / t[kRawWire],
      t[kProbedIrecv] / t[kRawWire]);
  std::fflush(stdout);
}

}  // namespace
}  // namespace pkl5::bench

int main(int argc, char** argv) {
  using namespace pkl5::bench;  // NOLINT
  MPI_Init(&argc, &argv);
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 2) {
    std::fprintf(stderr, "small_objects: run it on 2 ranks\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  {
    absl::StatusOr<pkl5::Intracomm> comm =
        pkl5::Intracomm::Create(MPI_COMM_WORLD);
    Check(comm.status());
    pkl5::CommOptions probing;
    probing.transport.irecv_matching = pkl5::IrecvMatching::kProbed;
    absl::StatusOr<pkl5::Intracomm> probed =
        pkl5::Intracomm::Create(MPI_COMM_WORLD, probing);
    Check(probed.status());
    char library[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(library, &length);
    const std::string first_line(
        library, std::string(library).find('\n') == std::string::npos
                     ? std::string(library).size()
                     : std::string(library).find('\n'));
    if (comm->rank() == 0) {
      std::printf(
          "| object | bytes | pkl5's bytes | raw MPI | raw MPI, pkl5's bytes "
          "| pkl5 recv | pkl5 irecv | pkl5 irecv, pkl5-matched | recv, x "
          "slower than raw | irecv, x slower than raw | recv, x slower than "
          "raw of pkl5's bytes | irecv, x slower than raw of pkl5's bytes | "
          "pkl5-matched irecv, x slower than raw of pkl5's bytes |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    }
    Row(*comm, *probed, "int", int32_t{42}, 4);
    const std::string text = "hello, pkl5 bench";
    Row(*comm, *probed, "string", text, static_cast<int>(text.size()));
    Row(*comm, *probed, "struct10", Struct10{}, 80);
    Row(*comm, *probed, "vector<double>(8)", std::vector<double>(8, 0.25), 64);
    Row(*comm, *probed, "pair<int,string>",
        std::pair<int32_t, std::string>(7, "seven"), 9);
    Row(*comm, *probed, "variant<int,double,string>",
        std::variant<int32_t, double, std::string>(2.5), 9);
    if (comm->rank() == 0) {
      std::printf(
          "\nOne-way time, median of %d rounds of %d round trips, 2 ranks; "
          "%s.\n",
          kRounds, kRoundTrips, first_line.c_str());
    }
  }
  MPI_Finalize();
  return 0;
}
