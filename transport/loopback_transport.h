// The transport in one process: a world of N ranks (threads) exchanging
// objects through shared mailboxes, with MPI's semantics where pkl5 relies
// on them: non-overtaking order per (source, tag), wildcards, posted
// receives matching before later probes, MPI_PROC_NULL, cancellation
// before matching, synchronous sends completing when matched.
//
// It lets comm and collectives logic run in plain unit tests, fast and
// under ThreadSanitizer, and it runs the same conformance suite as the MPI
// transport (transport_conformance.h).
//
//   LoopbackWorld world(3);
//   std::thread rank1([&] { Use(world.transport(1)); });
//   Use(world.transport(0));
#ifndef PKL5_TRANSPORT_LOOPBACK_TRANSPORT_H_
#define PKL5_TRANSPORT_LOOPBACK_TRANSPORT_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "pkl5/transport/transport.h"

namespace pkl5 {

class LoopbackWorld {
 public:
  explicit LoopbackWorld(int size);
  ~LoopbackWorld();
  LoopbackWorld(const LoopbackWorld&) = delete;
  LoopbackWorld& operator=(const LoopbackWorld&) = delete;

  int size() const { return size_; }
  // The transport of `rank`, owned by the world.
  Transport& transport(int rank);
  // The same, shared: the world itself must still outlive it.
  std::shared_ptr<Transport> shared_transport(int rank);
  // Blocks until every rank has called it, like MPI_Barrier.
  void Barrier();
  // The number of objects sent but not yet received, for tests.
  size_t UnreceivedCount();

  // Shared by the world's classes (loopback_transport.cc).
  struct Message;
  struct PostedReceive;
  struct Mailbox;

 private:
  friend class LoopbackTransport;

  // Counts this rank in at the current barrier; the operation completes
  // when every rank has been counted.
  std::unique_ptr<PendingOperation> ArriveAtBarrier();

  const int size_;
  // One lock and one condition for the whole world: it is a test fixture.
  // std::mutex rather than absl::Mutex so ThreadSanitizer sees it (Debian's
  // Abseil is not instrumented).
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::unique_ptr<Mailbox>> mailboxes_;  // guarded by mutex_
  std::vector<std::shared_ptr<Transport>> transports_;
  int barrier_arrived_ = 0;     // guarded by mutex_
  int barrier_generation_ = 0;  // guarded by mutex_
};

}  // namespace pkl5

#endif  // PKL5_TRANSPORT_LOOPBACK_TRANSPORT_H_
