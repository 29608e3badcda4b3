// The private channel of a communicator: where the parts of pkl5 messages
// travel, out of reach of every receive on the user's communicator.
//
// The first channel of a communicator duplicates it (collective, like
// MPI_Comm_dup: every process of the communicator must create its channel
// together). Each object sent gets a channel tag from a per-destination
// counter (atomic: threads never share a lock) that wraps within the tag
// bound; the receiver takes the tag from the object's envelope and receives
// the parts from the resolved source under that tag, so neither another
// thread's receive nor the user's raw MPI calls can intercept a part.
//
// Every channel of one communicator shares that duplicate and those
// counters (ChannelCore, cached on the communicator as an MPI attribute and
// freed with it): two pkl5 wrappers of one communicator (two libraries in
// one program) share its envelopes' tag space, so an object sent through
// one may be received through the other, and its parts must then come from
// the same channel under a tag no other object in flight has.
//
// The user's communicator is never changed: the envelopes travel on it under
// its own error handler (pkl5 validates ranks and tags before calling MPI,
// so with valid arguments only a failure of MPI itself or a foreign message
// that overruns a posted envelope receive reaches that handler). The
// duplicate is pkl5's own and returns errors, which become statuses.
#ifndef PKL5_TRANSPORT_INTERNAL_CHANNEL_H_
#define PKL5_TRANSPORT_INTERNAL_CHANNEL_H_

#include <mpi.h>

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/transport/address_rules.h"
#include "pkl5/transport/internal/probed_receives.h"
#include "pkl5/transport/options.h"

namespace pkl5::transport_internal {

// What every channel of one communicator shares.
struct ChannelCore {
  ChannelCore(MPI_Comm private_comm, int peer_count);
  // Frees the duplicate, unless MPI is already finalized.
  ~ChannelCore();
  ChannelCore(const ChannelCore&) = delete;
  ChannelCore& operator=(const ChannelCore&) = delete;

  MPI_Comm private_comm;
  // The next channel ticket per destination.
  std::unique_ptr<std::atomic<uint32_t>[]> next_tags;
  // The pending irecvs pkl5 matches itself, on the user's communicator.
  ProbedReceives probed_receives;
};

class Channel {
 public:
  // Collective over `comm` (an intra- or intercommunicator).
  static absl::StatusOr<std::unique_ptr<Channel>> Create(
      MPI_Comm comm, const TransportOptions& options = {});

  // Waits for buffered sends still in flight (as MPI_Buffer_detach does),
  // unless MPI is already finalized.
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  MPI_Comm comm() const { return comm_; }
  MPI_Comm private_comm() const { return core_->private_comm; }
  int rank() const { return rank_; }
  // The size of the local group.
  int size() const { return size_; }
  // Ranks a send may address: the size, or the remote group's size on an
  // intercommunicator.
  int peer_count() const { return addresses_.peer_count; }
  bool is_inter() const { return addresses_.is_inter; }
  const TransportOptions& options() const { return options_; }
  // Whether irecvs are matched by pkl5 (IrecvMatching::kProbed, resolved).
  bool probes_irecvs() const { return probes_irecvs_; }
  // Every probed irecv pending on the user's communicator in this process
  // (shared by its channels).
  ProbedReceives& probed_receives() const { return core_->probed_receives; }

  // Returns the channel tag of the next object sent to `destination`.
  // Precondition: 0 <= destination < peer_count().
  int NextChannelTag(int destination);

  // The ranks and tags calls may name (checked before any MPI call).
  const AddressRules& addresses() const { return addresses_; }

  // A buffered send's copy of its object and its MPI requests, kept by the
  // channel until MPI is done with them.
  struct BufferedSend {
    std::string bytes;
    std::vector<MPI_Request> requests;
  };
  // Makes room for `bytes` more buffered bytes, first releasing completed
  // buffered sends: kResourceExhausted when the capacity cannot hold them.
  absl::Status ReserveBufferedBytes(size_t bytes);
  // Takes over a posted buffered send whose bytes were reserved.
  void AdoptBufferedSend(BufferedSend send);

 private:
  Channel(MPI_Comm comm, std::shared_ptr<ChannelCore> core,
          const TransportOptions& options, int rank, int size, int peer_count,
          bool is_inter, int tag_upper_bound, int channel_tag_bound,
          bool probes_irecvs);

  const MPI_Comm comm_;
  const std::shared_ptr<ChannelCore> core_;
  const TransportOptions options_;
  const int rank_;
  const int size_;
  const AddressRules addresses_;
  const uint32_t channel_tag_bound_;
  const bool probes_irecvs_;

  // std::mutex, as every lock of pkl5 (probed_receives.h says why).
  std::mutex buffered_mutex_;
  std::list<BufferedSend> buffered_;  // guarded by buffered_mutex_
  size_t buffered_bytes_ = 0;         // guarded by buffered_mutex_
};

}  // namespace pkl5::transport_internal

#endif  // PKL5_TRANSPORT_INTERNAL_CHANNEL_H_
