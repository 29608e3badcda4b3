/* The floor of each way pkl5 can receive a small message, in plain MPI.
 *
 * A receive can match a message before it knows its size (a matched probe,
 * MPI_Mprobe + MPI_Mrecv, or MPI_Improbe polled until it finds one, as an
 * irecv pkl5 matches itself waits), or post a receive whose datatype is the
 * envelope buffer followed by a 16 GiB sink (so a larger raw message is
 * received whole, not truncated: see transport/internal/receive.cc), the
 * sink lying elsewhere (a datatype with a gap) or right after the buffer
 * (one contiguous block: transport/internal/sink_followed.h). This program
 * times a ping-pong of `bytes` bytes received each of those ways next to a
 * plain MPI_Recv, with no pkl5 code, so the floor pkl5 can reach on this
 * MPI is a measured fact:
 *
 *   mpirun -np 2 --bind-to core bazel-bin/bench/receive_floor [bytes]
 *
 * Rank 0 sends with MPI_Send and receives with MPI_Recv every time; rank 1
 * receives the way under test and sends back. Reports the median one-way
 * time of 15 runs of 20000 round trips per way, the ways taking turns run
 * by run, and its ratio to MPI_Recv. */
#define _GNU_SOURCE
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pkl5/bench/buffer_then_sink.h"

enum Way {
  kRecv,
  kMprobe,
  kRecvSink,
  kRecvAdjacentSink,
  kIrecv,
  kIrecvSink,
  kIrecvAdjacentSink,
  kImprobe,
  kWays
};
static const char* const kWayNames[kWays] = {
    "MPI_Recv",
    "MPI_Mprobe + MPI_Mrecv",
    "MPI_Recv, buffer + 16 GiB sink type",
    "MPI_Recv, buffer + 16 GiB sink right after it",
    "MPI_Irecv + MPI_Wait",
    "MPI_Irecv + MPI_Wait, buffer + 16 GiB sink type",
    "MPI_Irecv + MPI_Wait, buffer + 16 GiB sink right after it",
    "MPI_Improbe until found + MPI_Mrecv"};

enum { kRuns = 15, kRoundTrips = 20000, kEnvelopeBytes = 4096 };

static int CompareDoubles(const void* a, const void* b) {
  const double x = *(const double*)a;
  const double y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const int bytes = argc > 1 ? atoi(argv[1]) : 8;
  char* buffer = malloc(kEnvelopeBytes);
  memset(buffer, 0, kEnvelopeBytes);
  /* Address space only: a small message never touches it. */
  void* sink = mmap(NULL, (size_t)16 << 30, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (sink == MAP_FAILED) MPI_Abort(MPI_COMM_WORLD, 1);
  const MPI_Datatype sink_type = BufferThenSink(buffer, kEnvelopeBytes, sink);
  /* The same type over a buffer the sink follows without a gap: MPI sees
   * one contiguous block. */
  char* adjacent = mmap(NULL, kEnvelopeBytes + ((size_t)16 << 30),
                        PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (adjacent == MAP_FAILED) MPI_Abort(MPI_COMM_WORLD, 1);
  const MPI_Datatype adjacent_type =
      BufferThenSink(adjacent, kEnvelopeBytes, adjacent + kEnvelopeBytes);
  /* The ways take turns run by run, so a machine whose speed drifts
   * slows them alike. */
  static double times[kWays][kRuns];
  for (int run = -1; run < kRuns; ++run) { /* run -1 warms up */
    for (int way = 0; way < kWays; ++way) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      for (int i = 0; i < kRoundTrips; ++i) {
        if (rank == 0) {
          MPI_Send(buffer, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
          MPI_Recv(buffer, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE);
          continue;
        }
        MPI_Request request;
        MPI_Message message;
        MPI_Status status;
        int count = 0;
        switch (way) {
          case kRecv:
            MPI_Recv(buffer, kEnvelopeBytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD,
                     &status);
            break;
          case kMprobe:
            MPI_Mprobe(0, 0, MPI_COMM_WORLD, &message, &status);
            MPI_Get_count(&status, MPI_BYTE, &count);
            MPI_Mrecv(buffer, count, MPI_BYTE, &message, MPI_STATUS_IGNORE);
            break;
          case kRecvSink:
            MPI_Recv(MPI_BOTTOM, 1, sink_type, 0, 0, MPI_COMM_WORLD, &status);
            break;
          case kRecvAdjacentSink:
            MPI_Recv(MPI_BOTTOM, 1, adjacent_type, 0, 0, MPI_COMM_WORLD,
                     &status);
            break;
          case kIrecv:
            MPI_Irecv(buffer, kEnvelopeBytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD,
                      &request);
            MPI_Wait(&request, &status);
            break;
          case kIrecvSink:
            MPI_Irecv(MPI_BOTTOM, 1, sink_type, 0, 0, MPI_COMM_WORLD,
                      &request);
            MPI_Wait(&request, &status);
            break;
          case kIrecvAdjacentSink:
            MPI_Irecv(MPI_BOTTOM, 1, adjacent_type, 0, 0, MPI_COMM_WORLD,
                      &request);
            MPI_Wait(&request, &status);
            break;
          case kImprobe: {
            int found = 0;
            while (!found) {
              MPI_Improbe(0, 0, MPI_COMM_WORLD, &found, &message, &status);
            }
            MPI_Get_count(&status, MPI_BYTE, &count);
            MPI_Mrecv(buffer, count, MPI_BYTE, &message, MPI_STATUS_IGNORE);
            break;
          }
        }
        MPI_Send(buffer, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
      }
      const double one_way = (MPI_Wtime() - start) / (2.0 * kRoundTrips);
      if (run >= 0) times[way][run] = one_way;
    }
  }
  double medians[kWays];
  for (int way = 0; way < kWays; ++way) {
    qsort(times[way], kRuns, sizeof(double), CompareDoubles);
    medians[way] = times[way][kRuns / 2];
  }
  if (rank == 0) {
    printf("| rank 1 receives with | one way | / MPI_Recv |\n|---|---|---|\n");
    for (int way = 0; way < kWays; ++way) {
      printf("| %s | %.3f us | %.2fx |\n", kWayNames[way], medians[way] * 1e6,
             medians[way] / medians[kRecv]);
    }
    printf("\n%d-byte messages, median of %d runs of %d round trips.\n", bytes,
           kRuns, kRoundTrips);
  }
  MPI_Type_free((MPI_Datatype*)&sink_type);
  MPI_Type_free((MPI_Datatype*)&adjacent_type);
  munmap(adjacent, kEnvelopeBytes + ((size_t)16 << 30));
  munmap(sink, (size_t)16 << 30);
  free(buffer);
  MPI_Finalize();
  return 0;
}
