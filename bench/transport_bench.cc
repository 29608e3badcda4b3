// Ping-pong latency and bandwidth of the pkl5 transport next to raw
// MPI_Send/MPI_Recv of the same bytes, in the same run, interleaved.
//
//   bazel build -c opt //bench:transport_bench
//   testing/mpirun_test.sh 2 bazel-bin/bench/transport_bench [--max=BYTES]
//       [--huge]   (adds 2.5 GiB: raw MPI with the same datatype trick)
//
// The object is one piece of N bytes received into reused storage (the
// transport's share of a pkl5 send/recv; encoding is measured by
// serialization_bench). Up to ~4 KiB it travels inside the envelope, one
// message; beyond, the envelope and the piece are two messages.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "pkl5/bench/mpi_check.h"
#include "pkl5/bench/statistics.h"
#include "pkl5/serialization/storage.h"
#include "pkl5/transport/internal/channel.h"
#include "pkl5/transport/internal/incoming_message.h"
#include "pkl5/transport/internal/large_count.h"
#include "pkl5/transport/internal/receive.h"
#include "pkl5/transport/internal/send_operation.h"

namespace {

using ::pkl5::bench::Check;
using ::pkl5::bench::Median;

// One round trip; returns seconds / 2. Beyond INT_MAX bytes raw MPI needs
// the same derived-datatype trick pkl5 uses, so it gets it.
double RawPingPong(int rank, std::vector<char>& buffer, size_t bytes) {
  const int peer = 1 - rank;
  absl::StatusOr<pkl5::transport_internal::ByteLayout> layout =
      pkl5::transport_internal::ByteLayout::Create(bytes);
  Check(layout.status());
  const int count = layout->count();
  const MPI_Datatype type = layout->type();
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  if (rank == 0) {
    MPI_Send(buffer.data(), count, type, peer, 0, MPI_COMM_WORLD);
    MPI_Recv(buffer.data(), count, type, peer, 0, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
  } else {
    MPI_Recv(buffer.data(), count, type, peer, 0, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    MPI_Send(buffer.data(), count, type, peer, 0, MPI_COMM_WORLD);
  }
  return (MPI_Wtime() - start) / 2;
}

// How the pkl5 side receives the envelope.
enum class EnvelopeBy { kMatchedProbe, kPostedReceive };

absl::StatusOr<pkl5::transport_internal::IncomingMessage> ReceiveEnvelope(
    pkl5::transport_internal::Channel& channel, int source, EnvelopeBy by) {
  if (by == EnvelopeBy::kMatchedProbe) {
    return pkl5::transport_internal::ProbeMessage(channel, source, 0);
  }
  absl::StatusOr<std::unique_ptr<pkl5::transport_internal::EnvelopeReceive>>
      receive =
          pkl5::transport_internal::EnvelopeReceive::Start(channel, source, 0);
  Check(receive.status());
  Check((*receive)->Wait());
  return (*receive)->TakeMessage();
}

double Pkl5PingPong(pkl5::transport_internal::Channel& channel, int rank,
                    std::vector<char>& buffer, size_t bytes, EnvelopeBy by) {
  const int peer = 1 - rank;
  const pkl5::ConstPiece piece{buffer.data(), bytes};
  auto send = [&] {
    Check(pkl5::transport_internal::Send(channel, {&piece, 1}, peer, 0,
                                         pkl5::SendMode::kStandard));
  };
  auto receive = [&] {
    absl::StatusOr<pkl5::transport_internal::IncomingMessage> message =
        ReceiveEnvelope(channel, peer, by);
    Check(message.status());
    Check(message->ReceiveNext({buffer.data(), bytes}));
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
  return (MPI_Wtime() - start) / 2;
}

// From 64 MiB on: receiving into fresh storage each time, as a receiver
// that decodes a new object does. Raw MPI gets a malloc'd buffer advised for
// huge pages before it is touched (the best case docs/benchmarks.md measures);
// pkl5 gets what its decoder allocates (pkl5::ResizeForOverwrite of an
// UninitVector: fresh, huge-page advised, not zero-filled).
double FreshRawReceive(int rank, std::vector<char>& send_buffer, size_t bytes) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  if (rank == 0) {
    MPI_Send(send_buffer.data(), static_cast<int>(bytes), MPI_BYTE, 1, 1,
             MPI_COMM_WORLD);
  } else {
    std::unique_ptr<char[]> fresh(new char[bytes]);
    pkl5::AdviseHugePages(fresh.get(), bytes);
    MPI_Recv(fresh.get(), static_cast<int>(bytes), MPI_BYTE, 0, 1,
             MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  return MPI_Wtime() - start;
}

double FreshPkl5Receive(pkl5::transport_internal::Channel& channel, int rank,
                        std::vector<char>& send_buffer, size_t bytes) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  if (rank == 0) {
    const pkl5::ConstPiece piece{send_buffer.data(), bytes};
    Check(pkl5::transport_internal::Send(channel, {&piece, 1}, 1, 1,
                                         pkl5::SendMode::kStandard));
  } else {
    absl::StatusOr<pkl5::transport_internal::IncomingMessage> message =
        pkl5::transport_internal::ProbeMessage(channel, 0, 1);
    Check(message.status());
    pkl5::UninitVector<char> fresh;
    pkl5::ResizeForOverwrite(fresh, bytes);
    Check(message->ReceiveNext({fresh.data(), bytes}));
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
  size_t max_bytes = size_t{1} << 30;
  bool huge = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--huge") {
      huge = true;
    } else if (arg.rfind("--max=", 0) != 0 ||
               !absl::SimpleAtoi(arg.substr(6), &max_bytes)) {
      if (rank == 0) {
        std::fprintf(stderr, "usage: %s [--max=BYTES] [--huge]\n", argv[0]);
      }
      MPI_Finalize();
      return 2;
    }
  }
  if (size != 2) {
    if (rank == 0) std::fprintf(stderr, "run on exactly 2 ranks\n");
    MPI_Finalize();
    return 2;
  }
  absl::StatusOr<std::unique_ptr<pkl5::transport_internal::Channel>> channel =
      pkl5::transport_internal::Channel::Create(MPI_COMM_WORLD);
  Check(channel.status());
  if (rank == 0) {
    std::printf("one-way time, median; receive into reused storage\n\n");
    std::printf(
        "pkl5 probe: matched probe of the envelope (mprobe; recv on MPICH); "
        "pkl5 "
        "posted: MPI_Irecv of the envelope (irecv)\n\n");
    std::printf("| %10s | %10s | %10s | %11s | %10s | %10s | %6s | %6s |\n",
                "bytes", "raw us", "probe us", "posted us", "raw GB/s",
                "pkl5 GB/s", "probe", "posted");
    std::printf(
        "|-----------:|-----------:|-----------:|------------:|-----------:|"
        "-----------:|-------:|-------:|\n");
  }
  std::vector<size_t> sizes;
  for (size_t bytes = 8; bytes <= max_bytes; bytes *= 8) sizes.push_back(bytes);
  if (huge) sizes.push_back((size_t{5} << 30) / 2);
  for (size_t bytes : sizes) {
    std::vector<char> buffer(bytes, 'x');
    const int reps = bytes <= (size_t{1} << 16)   ? 2000
                     : bytes <= (size_t{1} << 24) ? 100
                     : bytes <= (size_t{1} << 30) ? 7
                                                  : 3;
    std::vector<double> raw;
    std::vector<double> probe;
    std::vector<double> posted;
    for (int rep = 0; rep < reps + 3; ++rep) {
      const double a = RawPingPong(rank, buffer, bytes);
      const double b = Pkl5PingPong(**channel, rank, buffer, bytes,
                                    EnvelopeBy::kMatchedProbe);
      const double c = Pkl5PingPong(**channel, rank, buffer, bytes,
                                    EnvelopeBy::kPostedReceive);
      if (rep >= 3) {
        raw.push_back(a);
        probe.push_back(b);
        posted.push_back(c);
      }
    }
    if (rank == 0) {
      const double r = Median(raw);
      const double p = Median(probe);
      const double q = Median(posted);
      std::printf(
          "| %10zu | %10.2f | %10.2f | %11.2f | %10.2f | %10.2f | %5.2fx | "
          "%5.2fx |\n",
          bytes, r * 1e6, p * 1e6, q * 1e6,
          static_cast<double>(bytes) / r / 1e9,
          static_cast<double>(bytes) / std::min(p, q) / 1e9, p / r, q / r);
      std::fflush(stdout);
    }
  }
  if (rank == 0) {
    std::printf("\none-way receive into fresh storage, median\n\n");
    std::printf("| %10s | %14s | %14s | %6s |\n", "bytes", "raw GB/s",
                "pkl5 GB/s", "ratio");
    std::printf("|-----------:|---------------:|---------------:|-------:|\n");
  }
  for (size_t bytes = size_t{64} << 20; bytes <= max_bytes; bytes *= 4) {
    std::vector<char> buffer(bytes, 'y');
    std::vector<double> raw;
    std::vector<double> pkl5;
    for (int rep = 0; rep < 6; ++rep) {
      const double a = FreshRawReceive(rank, buffer, bytes);
      const double b = FreshPkl5Receive(**channel, rank, buffer, bytes);
      if (rep >= 1) {
        raw.push_back(a);
        pkl5.push_back(b);
      }
    }
    if (rank == 1) {
      const double r = Median(raw);
      const double p = Median(pkl5);
      std::printf("| %10zu | %14.2f | %14.2f | %5.2fx |\n", bytes,
                  static_cast<double>(bytes) / r / 1e9,
                  static_cast<double>(bytes) / p / 1e9, r / p);
      std::fflush(stdout);
    }
  }
  channel->reset();
  MPI_Finalize();
  return 0;
}
