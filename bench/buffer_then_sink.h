/* The receive datatype pkl5 posts for an envelope, for benchmarks that
 * measure it without pkl5 (C and C++): `bytes` bytes at `buffer`, then a
 * 16 GiB sink at `sink`, so that a larger message is received whole instead
 * of truncated (transport/internal/receive.cc). With `sink` right after the
 * buffer MPI sees one contiguous block (transport/internal/sink_followed.h).
 * Small messages never reach the sink: its memory need not be there. */
#ifndef PKL5_BENCH_BUFFER_THEN_SINK_H_
#define PKL5_BENCH_BUFFER_THEN_SINK_H_

#include <mpi.h>

static inline MPI_Datatype BufferThenSink(void* buffer, int bytes, void* sink) {
  MPI_Datatype gib = MPI_DATATYPE_NULL;
  MPI_Datatype sink_type = MPI_DATATYPE_NULL;
  MPI_Type_contiguous(1 << 30, MPI_BYTE, &gib);
  MPI_Type_contiguous(16, gib, &sink_type);
  MPI_Type_free(&gib);
  MPI_Aint addresses[2];
  MPI_Get_address(buffer, &addresses[0]);
  MPI_Get_address(sink, &addresses[1]);
  int lengths[2] = {bytes, 1};
  MPI_Datatype types[2] = {MPI_BYTE, sink_type};
  MPI_Datatype type = MPI_DATATYPE_NULL;
  MPI_Type_create_struct(2, lengths, addresses, types, &type);
  MPI_Type_commit(&type);
  MPI_Type_free(&sink_type);
  return type;
}

#endif /* PKL5_BENCH_BUFFER_THEN_SINK_H_ */
