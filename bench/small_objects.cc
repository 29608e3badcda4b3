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
//
// A second table holds the floor of pkl5's wire: what the same envelope
// costs with no library around it, in plain MPI and memcpy/memcmp: the
// sender copies the envelope's head (prefix, size table, compact header)
// and the object's encoded bytes into one buffer and sends it; the
// receiver receives it into a buffer the 16 GiB sink follows (as pkl5
// posts, so that a larger foreign message is not truncated), asks
// MPI_Get_count, compares the head with the one it expects and copies the
// in-band bytes out: blocking (MPI_Recv) and posted (MPI_Irecv after the
// send, then MPI_Wait). Every check pkl5 makes of a small object is in it
// but the canary, which a buffer the sink follows does not need. Its last
// columns are raw MPI of as many bytes as a leaner wire would send
// (kLeanHeadBytes before the in-band bytes): what a smaller envelope could
// be worth on this MPI.
#include <mpi.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pkl5/bench/buffer_then_sink.h"
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

enum Way {
  kRawObject,
  kRawWire,
  kRecv,
  kIrecv,
  kProbedIrecv,
  kFloorRecv,
  kFloorIrecv,
  kRawLeanWire,
  kWays
};

// A leaner wire for whole objects (not pkl5's; a size to compare with): a
// 16-byte head (magic, version, flags, the type's hash) before the in-band
// bytes, with no type name, no size table and no second header.
constexpr size_t kLeanHeadBytes = 16;

// The floor's receive buffer: kEnvelopeBytes followed, without a gap, by a
// 16 GiB sink (address space only: small messages never reach it), and the
// datatype that receives into both.
class FloorBuffer {
 public:
  FloorBuffer() {
    void* const memory =
        mmap(nullptr, kMappedBytes, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED) MPI_Abort(MPI_COMM_WORLD, 1);
    bytes_ = static_cast<char*>(memory);
    type_ = BufferThenSink(bytes_, static_cast<int>(kEnvelopeBytes),
                           bytes_ + kEnvelopeBytes);
  }
  ~FloorBuffer() {
    MPI_Type_free(&type_);
    munmap(bytes_, kMappedBytes);
  }
  FloorBuffer(const FloorBuffer&) = delete;
  FloorBuffer& operator=(const FloorBuffer&) = delete;

  const char* bytes() const { return bytes_; }
  MPI_Datatype type() const { return type_; }

 private:
  static constexpr size_t kMappedBytes = kEnvelopeBytes + (size_t{16} << 30);
  char* bytes_ = nullptr;
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

// The median one-way time of each way for `value`, `bytes` long in raw MPI.
// `probed` wraps the same communicator as `comm`, with probed irecvs.
// `envelope` is the one pkl5 sends for `value`, its in-band bytes last
// (`inband` of them).
template <typename T>
std::vector<double> Measure(Intracomm& comm, Intracomm& probed, const T& value,
                            int bytes, const std::string& envelope,
                            size_t inband, const FloorBuffer& incoming) {
  const int rank = comm.rank();
  const int peer = 1 - rank;
  const int wire_bytes = static_cast<int>(envelope.size());
  std::vector<char> buffer(static_cast<size_t>(wire_bytes), 'x');
  T received{};
  // The floor's memory: what it sends from and receives into.
  const size_t head = envelope.size() - inband;
  std::string outgoing(envelope.size(), '\0');
  // One byte more, so that data() is a real buffer for an empty in-band.
  std::vector<char> decoded(inband + 1);
  auto floor_receive = [&](bool posted) {
    MPI_Status status;
    if (posted) {
      MPI_Request request;
      MPI_Irecv(MPI_BOTTOM, 1, incoming.type(), peer, 0, MPI_COMM_WORLD,
                &request);
      MPI_Wait(&request, &status);
    } else {
      MPI_Recv(MPI_BOTTOM, 1, incoming.type(), peer, 0, MPI_COMM_WORLD,
               &status);
    }
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    if (static_cast<size_t>(count) != envelope.size() ||
        std::memcmp(incoming.bytes(), envelope.data(), head) != 0) {
      std::fprintf(stderr, "small_objects: the floor received another head\n");
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    std::memcpy(decoded.data(), incoming.bytes() + head, inband);
  };
  auto floor_send = [&] {
    // The head and the in-band bytes lie back to back: one copy.
    std::memcpy(outgoing.data(), envelope.data(), envelope.size());
    MPI_Send(outgoing.data(), wire_bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
  };
  // The posted floor posts its receive after its send, as pkl5's irecv way
  // does.
  auto floor = [&](bool posted) {
    if (rank == 0) {
      floor_send();
      floor_receive(posted);
    } else {
      floor_receive(posted);
      floor_send();
    }
  };
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
          case kFloorRecv:
            floor(/*posted=*/false);
            break;
          case kFloorIrecv:
            floor(/*posted=*/true);
            break;
          case kRawLeanWire:
            raw(static_cast<int>(kLeanHeadBytes + inband));
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

// Prints `value`'s row of the first table and returns its row of the
// floor's (on rank 0; elsewhere nothing).
template <typename T>
std::string Row(Intracomm& comm, Intracomm& probed, const FloorBuffer& floor,
                const char* name, const T& value, int bytes) {
  // The envelope pkl5 sends for `value`: its head, the compact header and
  // the in-band bytes.
  const Frame frame = Encode(value);
  const ConstPiece pieces[] = {{frame.header.data(), frame.header.size()},
                               {frame.inband.data(), frame.inband.size()}};
  const size_t head = transport_internal::WholeEnvelopeHeadBytes(2);
  std::string envelope(head, '\0');
  transport_internal::WriteWholeEnvelopeHead(pieces, envelope.data());
  envelope += frame.header;
  envelope += frame.inband;
  const int wire_bytes = static_cast<int>(envelope.size());
  const std::vector<double> t =
      Measure(comm, probed, value, bytes, envelope, frame.inband.size(), floor);
  if (comm.rank() != 0) return "";
  std::printf(
      "| %s | %d | %d | %.3f us | %.3f us | %.3f us | %.3f us | %.3f us | "
      "%.2fx | %.2fx | %.2fx | %.2fx | %.2fx |\n",
      name, bytes, wire_bytes, t[kRawObject] * 1e6, t[kRawWire] * 1e6,
      t[kRecv] * 1e6, t[kIrecv] * 1e6, t[kProbedIrecv] * 1e6,
      t[kRecv] / t[kRawObject], t[kIrecv] / t[kRawObject],
      t[kRecv] / t[kRawWire], t[kIrecv] / t[kRawWire],
      t[kProbedIrecv] / t[kRawWire]);
  std::fflush(stdout);
  char line[512];
  std::snprintf(
      line, sizeof(line),
      "| %s | %.3f us | %.3f us | %.3f us | %.2fx | %.2fx | %.2fx | "
      "%.2fx | %zu | %.2fx |\n",
      name, t[kRawObject] * 1e6, t[kFloorRecv] * 1e6, t[kFloorIrecv] * 1e6,
      t[kFloorRecv] / t[kRawObject], t[kFloorIrecv] / t[kRawObject],
      t[kRecv] / t[kFloorRecv], t[kIrecv] / t[kFloorIrecv],
      kLeanHeadBytes + frame.inband.size(), t[kRawLeanWire] / t[kRawObject]);
  return line;
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
    const FloorBuffer floor;
    std::string floor_rows;
    floor_rows += Row(*comm, *probed, floor, "int", int32_t{42}, 4);
    const std::string text = "hello, pkl5 bench";
    floor_rows += Row(*comm, *probed, floor, "string", text,
                      static_cast<int>(text.size()));
    floor_rows += Row(*comm, *probed, floor, "struct10", Struct10{}, 80);
    floor_rows += Row(*comm, *probed, floor, "vector<double>(8)",
                      std::vector<double>(8, 0.25), 64);
    floor_rows += Row(*comm, *probed, floor, "pair<int,string>",
                      std::pair<int32_t, std::string>(7, "seven"), 9);
    floor_rows += Row(*comm, *probed, floor, "variant<int,double,string>",
                      std::variant<int32_t, double, std::string>(2.5), 9);
    if (comm->rank() == 0) {
      std::printf(
          "\nThe floor of pkl5's wire (its envelope in plain MPI, checked "
          "and copied out; no library):\n\n"
          "| object | raw MPI | floor recv | floor irecv | floor recv, x "
          "slower than raw | floor irecv, x slower than raw | pkl5 recv, x "
          "slower than the floor | pkl5 irecv, x slower than the floor | "
          "bytes with a %zu-byte head | raw MPI of them, x slower than raw "
          "|\n|---|---|---|---|---|---|---|---|---|---|\n%s",
          kLeanHeadBytes, floor_rows.c_str());
      std::printf(
          "\nOne-way time, median of %d rounds of %d round trips, 2 ranks, "
          "the ways interleaved round by round; %s.\n",
          kRounds, kRoundTrips, first_line.c_str());
    }
  }
  MPI_Finalize();
  return 0;
}
