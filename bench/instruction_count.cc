// Instructions per send and per receive of small objects, counted by
// callgrind (repeatable where time is not), next to raw MPI of the same
// bytes. Run by tools/instruction_budget.sh, which checks them against
// bench/instruction_budget.txt:
//
//   mpirun -np 2 valgrind --tool=callgrind --collect-atstart=no
//       bazel-bin/bench/instruction_count   (one command)
//
// Rank 0 sends every object and raw message, rank 1 receives it; a barrier
// between the send and the receive puts the message at the receiver before
// it looks, so no polling is counted. Collection is on only inside the
// measured call; after each case rank 0 dumps "<case> send" and rank 1
// "<case> recv", with kCalls calls in each.
#include <mpi.h>
#include <valgrind/callgrind.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pkl5/bench/buffer_then_sink.h"
#include "pkl5/pkl5.h"

namespace {

constexpr int kWarmUp = 20;
constexpr int kCalls = 100;

struct Struct10 {
  int64_t a = 1, b = 2, c = 3, d = 4, e = 5;
  double f = 1.5, g = 2.5, h = 3.5, i = 4.5, j = 5.5;
  PKL5_FIELDS(Struct10, a, b, c, d, e, f, g, h, i, j);
};

void Check(const absl::Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "instruction_count: %s\n", status.ToString().c_str());
  MPI_Abort(MPI_COMM_WORLD, 1);
}

// `send` on rank 0 and `receive` on rank 1, each counted, kCalls times after
// a warm-up; then each rank dumps its count under `name`.
template <typename Send, typename Receive>
void Count(const std::string& name, int rank, Send send, Receive receive) {
  for (int call = 0; call < kWarmUp + kCalls; ++call) {
    const bool counted = call >= kWarmUp;
    if (rank == 0) {
      if (counted) CALLGRIND_TOGGLE_COLLECT;
      send();
      if (counted) CALLGRIND_TOGGLE_COLLECT;
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 1) {
      if (counted) CALLGRIND_TOGGLE_COLLECT;
      receive();
      if (counted) CALLGRIND_TOGGLE_COLLECT;
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
  const std::string dump = name + (rank == 0 ? " send" : " recv");
  CALLGRIND_DUMP_STATS_AT(dump.c_str());
}

// A receive datatype of a 4 KiB buffer followed right after it by a 16 GiB
// sink, as pkl5 posts.
MPI_Datatype SinkFollowedType() {
  static char buffer[4096 + 64];
  return BufferThenSink(buffer, 4096, buffer + 4096);
}

// The pkl5 send and recv_into of `value`, then raw MPI of as many bytes as
// the object holds (`size`). `probed` wraps the same communicator as
// `comm`, with irecvs matched by pkl5 (IrecvMatching::kProbed).
template <typename T>
void CountObject(const std::string& name, pkl5::Intracomm& comm,
                 pkl5::Intracomm& probed, const T& value, int size) {
  T received{};
  Count(
      name, comm.rank(), [&] { Check(comm.send(value, 1)); },
      [&] { Check(comm.recv_into(received, 0)); });
  // The posted path: irecv, then wait; and the same matched by pkl5.
  for (pkl5::Intracomm* by : {&comm, &probed}) {
    Count(
        name + (by == &comm ? " irecv" : " probed irecv"), comm.rank(),
        [&] { Check(comm.send(value, 1)); },
        [&] {
          absl::StatusOr<pkl5::RecvRequest<T>> request = by->irecv<T>(0);
          Check(request.status());
          absl::StatusOr<T> got = request->wait();
          Check(got.status());
          received = *std::move(got);
        });
  }
  std::vector<char> sent(static_cast<size_t>(size), 'x');
  std::vector<char> buffer(static_cast<size_t>(size));
  Count(
      "raw " + name, comm.rank(),
      [&] { MPI_Send(sent.data(), size, MPI_BYTE, 1, 0, MPI_COMM_WORLD); },
      [&] {
        MPI_Recv(buffer.data(), size, MPI_BYTE, 0, 0, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
      });
  // The floor of pkl5's blocking receive: the envelope buffer followed by
  // the 16 GiB sink, as one datatype (transport/internal/receive.cc).
  static const MPI_Datatype sink_type = SinkFollowedType();
  Count(
      "raw sink " + name, comm.rank(),
      [&] { MPI_Send(sent.data(), size, MPI_BYTE, 1, 0, MPI_COMM_WORLD); },
      [&] {
        MPI_Recv(MPI_BOTTOM, 1, sink_type, 0, 0, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
      });
  // The floor of a receive that learns the size first (pkl5's on MPICH
  // past the buffers a sink follows).
  Count(
      "raw mprobe " + name, comm.rank(),
      [&] { MPI_Send(sent.data(), size, MPI_BYTE, 1, 0, MPI_COMM_WORLD); },
      [&] {
        MPI_Message message;
        MPI_Status status;
        int count = 0;
        MPI_Mprobe(0, 0, MPI_COMM_WORLD, &message, &status);
        MPI_Get_count(&status, MPI_BYTE, &count);
        MPI_Mrecv(buffer.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE);
      });
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 2) {
    std::fprintf(stderr, "instruction_count: run it on 2 ranks\n");
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
    CountObject("int", *comm, *probed, int32_t{42}, 4);
    const std::string text = "hello, pkl5 bench";
    CountObject("string", *comm, *probed, text, static_cast<int>(text.size()));
    CountObject("struct10", *comm, *probed, Struct10{}, 80);
    CountObject("vector<double>(8)", *comm, *probed,
                std::vector<double>(8, 0.25), 64);
    CountObject("pair<int,string>", *comm, *probed,
                std::pair<int32_t, std::string>(7, "seven"), 9);
    CountObject("variant<int,double,string>", *comm, *probed,
                std::variant<int32_t, double, std::string>(2.5), 9);
  }
  MPI_Finalize();
  return 0;
}
