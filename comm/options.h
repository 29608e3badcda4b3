// Settings of a pkl5 communicator: how objects are encoded, what a received
// object may claim, and how the transport moves bytes.
#ifndef PKL5_COMM_OPTIONS_H_
#define PKL5_COMM_OPTIONS_H_

#include "pkl5/serialization/options.h"
#include "pkl5/transport/options.h"

namespace pkl5 {

struct CommOptions {
  // `encode.out_of_band_threshold`: arrays of at least this many bytes
  // travel zero-copy as their own parts (0: every array does).
  EncodeOptions encode;
  // `decode.max_object_bytes`: a received object claiming more is rejected
  // (and drained) before anything is allocated.
  DecodeOptions decode;
  // Block size of large counts, envelope bound, channel tag range, the
  // capacity of buffered sends (`bsend`, `ibsend`: 0 by default, so
  // buffered sends fail until it is set, as MPI_Bsend does without
  // MPI_Buffer_attach), the most pieces a received object may announce,
  // the window of parts blocking calls keep in flight, and `part_timeout`:
  // how long a receive waits for the parts of an object whose envelope it
  // has (infinite by default; then kDeadlineExceeded).
  TransportOptions transport;
};

}  // namespace pkl5

#endif  // PKL5_COMM_OPTIONS_H_
