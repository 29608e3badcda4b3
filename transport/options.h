// Settings of a transport channel.
#ifndef PKL5_TRANSPORT_OPTIONS_H_
#define PKL5_TRANSPORT_OPTIONS_H_

#include <climits>
#include <cstddef>

#include "absl/time/time.h"

namespace pkl5 {

// The envelope's size bound: Open MPI's shared-memory eager limit (4 KiB),
// so an envelope never waits for a rendezvous with its receiver.
inline constexpr size_t kEnvelopeBytes = 4096;

// The largest block of one MPI message element by default: MPI's int count
// limit (see transport/internal/large_count.h).
inline constexpr size_t kDefaultBlockBytes = INT_MAX;

// How a nonblocking receive (irecv) waits for its object's envelope.
enum class IrecvMatching {
  // kProbed on Open MPI under MPI_THREAD_MULTIPLE, kPosted elsewhere.
  kAuto,
  // An MPI_Irecv posted at call time: MPI matches it as it matches any
  // receive, even while this process is inside other MPI calls; cancel is
  // MPI_Cancel. Open MPI 4.1.4 can call a receive cancelled that took its
  // message (pkl5 then delivers it) or crash when a cancel races another
  // thread's progress (docs/hardening.md).
  kPosted,
  // pkl5 matches it: nothing is posted to MPI; the receive takes its
  // envelope by MPI_Improbe when it is tested or waited for, or while a
  // blocking pkl5 call on the communicator waits. A message any
  // other receive of this process takes goes to the earliest pending irecv
  // it matches, so MPI's order among receives holds; cancel never calls
  // MPI. What differs: a message waits in MPI until this process calls
  // pkl5 (an ssend to it completes only then), and probe/iprobe may report
  // a message a pending irecv will take.
  kProbed,
};

struct TransportOptions {
  // Pieces larger than this travel as one element of a derived datatype
  // (see large_count.h). Tests shrink it to drive that path with small data.
  size_t block_bytes = kDefaultBlockBytes;
  // The envelope's size bound, at least kEnvelopePrefixBytes. Sender and
  // receiver must agree; every receive posts a buffer of this size.
  size_t envelope_bytes = kEnvelopeBytes;
  // Channel tags run from 0 to this bound and wrap; 0 means the private
  // communicator's MPI_TAG_UB. Tests shrink it to force wrap-around.
  int channel_tag_bound = 0;
  // Bytes that buffered sends may hold in flight: pkl5's counterpart of
  // MPI_Buffer_attach (see send_operation.h for why MPI's own buffer is not
  // used). 0, the default, like MPI without an attached buffer, makes every
  // buffered send fail with kResourceExhausted.
  size_t buffered_send_capacity = 0;
  // The most pieces a received object may announce (an object is a header,
  // its in-band bytes and one piece per out-of-band buffer). More is
  // kResourceExhausted before anything is received or allocated, and the
  // object is left on the channel: its size table alone would take 8 bytes
  // a piece. The default, 2^20 pieces, bounds that table to 8 MiB.
  size_t max_pieces = size_t{1} << 20;
  // Blocking sends and receives keep at most this many parts of one object
  // in flight, posting the next as each completes: Open MPI's cost per
  // message grows with the messages outstanding, so an object of 100k
  // parts posted at once takes tens of seconds (docs/benchmarks.md).
  // Nonblocking ones post every part at once, so that MPI completes them
  // while the caller is elsewhere. 0 posts everything at once everywhere.
  size_t part_window = 256;
  // How long a receive waits for the rest of an object it has the envelope
  // of (a test loop: since it started receiving the rest). A receive still
  // missing parts then (the sender died, or forged the envelope to announce
  // parts nobody sends) cancels them and is kDeadlineExceeded; the
  // communicator stays usable. It must exceed the time the largest object
  // takes to transfer. Infinite by default: like MPI, pkl5 then waits as
  // long as the sender takes. Parts that arrive after their receive gave up
  // are never matched, and their sender's request may never complete.
  absl::Duration part_timeout = absl::InfiniteDuration();
  // See IrecvMatching.
  IrecvMatching irecv_matching = IrecvMatching::kAuto;
};

}  // namespace pkl5

#endif  // PKL5_TRANSPORT_OPTIONS_H_
