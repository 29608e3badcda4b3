#include "pkl5/transport/internal/channel.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_comm.h"
#include "pkl5/base/mpi_comm_cache.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/transport/internal/envelope.h"

namespace pkl5::transport_internal {
namespace {

// The core of `comm`: the one every earlier channel of it made, or a new
// duplicate. Whether it duplicates depends only on earlier Creates on
// `comm`, which every process makes alike, so every process duplicates
// together or not at all.
absl::StatusOr<std::shared_ptr<ChannelCore>> CoreOf(MPI_Comm comm,
                                                    int peer_count) {
  // Serializes first uses from several threads (MPI_THREAD_MULTIPLE).
  static std::mutex* const mutex = new std::mutex();
  std::lock_guard<std::mutex> lock(*mutex);
  // Held as a shared_ptr: the cache drops its reference when `comm` is
  // freed (for a communicator never freed, never: no MPI call happens
  // after finalize), the channels theirs when they go.
  using Cache = base_internal::CommCache<std::shared_ptr<ChannelCore>>;
  PKL5_ASSIGN_OR_RETURN(std::shared_ptr<ChannelCore> * found,
                        Cache::Find(comm));
  if (found != nullptr) return *found;
  PKL5_ASSIGN_OR_RETURN(MPI_Comm private_comm,
                        base_internal::PrivateDuplicate(comm));
  auto core = std::make_shared<ChannelCore>(private_comm, peer_count);
  PKL5_RETURN_IF_ERROR(
      Cache::Store(comm, std::make_unique<std::shared_ptr<ChannelCore>>(core))
          .status());
  return core;
}

// IrecvMatching::kAuto: probed where MPI_Cancel cannot be trusted, Open
// MPI (4.1.4, measured: hardening.md) under MPI_THREAD_MULTIPLE, where
// another thread's progress may be matching the message a receive is
// cancelled under.
bool ProbesIrecvs(const TransportOptions& options) {
  switch (options.irecv_matching) {
    case IrecvMatching::kPosted:
      return false;
    case IrecvMatching::kProbed:
      return true;
    case IrecvMatching::kAuto:
      break;
  }
#if defined(OPEN_MPI)
  int provided = MPI_THREAD_SINGLE;
  MPI_Query_thread(&provided);
  return provided == MPI_THREAD_MULTIPLE;
#else
  return false;
#endif
}

}  // namespace

ChannelCore::ChannelCore(MPI_Comm private_comm_in, int peer_count)
    : private_comm(private_comm_in),
      next_tags(new std::atomic<uint32_t>[static_cast<size_t>(peer_count)]) {
  for (int i = 0; i < peer_count; ++i) next_tags[static_cast<size_t>(i)] = 0;
}

ChannelCore::~ChannelCore() {
  if (!base_internal::MpiFinalized() && private_comm != MPI_COMM_NULL) {
    MPI_Comm_free(&private_comm);
  }
}

absl::StatusOr<std::unique_ptr<Channel>> Channel::Create(
    MPI_Comm comm, const TransportOptions& options) {
  if (comm == MPI_COMM_NULL) {
    return absl::InvalidArgumentError("pkl5 cannot wrap MPI_COMM_NULL");
  }
  if (options.envelope_bytes < kEnvelopePrefixBytes ||
      options.envelope_bytes > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat("envelope_bytes must be at least ", kEnvelopePrefixBytes,
                     ", not ", options.envelope_bytes));
  }
  if (options.block_bytes == 0 ||
      options.block_bytes > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "block_bytes must be 1..", INT_MAX, ", not ", options.block_bytes));
  }
  int is_inter = 0;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Comm_test_inter(comm, &is_inter), "MPI_Comm_test_inter"));
  int rank = 0;
  int size = 0;
  int peer_count = 0;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(MPI_Comm_rank(comm, &rank),
                                                    "MPI_Comm_rank"));
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(MPI_Comm_size(comm, &size),
                                                    "MPI_Comm_size"));
  peer_count = size;
  if (is_inter) {
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Comm_remote_size(comm, &peer_count), "MPI_Comm_remote_size"));
  }
  PKL5_ASSIGN_OR_RETURN(std::shared_ptr<ChannelCore> core,
                        CoreOf(comm, peer_count));
  const int tag_upper_bound = base_internal::TagUpperBound(core->private_comm);
  int channel_tag_bound = tag_upper_bound;
  if (options.channel_tag_bound > 0) {
    channel_tag_bound = std::min(options.channel_tag_bound, tag_upper_bound);
  }
  return std::unique_ptr<Channel>(new Channel(
      comm, std::move(core), options, rank, size, peer_count, is_inter != 0,
      tag_upper_bound, channel_tag_bound, ProbesIrecvs(options)));
}

Channel::Channel(MPI_Comm comm, std::shared_ptr<ChannelCore> core,
                 const TransportOptions& options, int rank, int size,
                 int peer_count, bool is_inter, int tag_upper_bound,
                 int channel_tag_bound, bool probes_irecvs)
    : comm_(comm),
      core_(std::move(core)),
      options_(options),
      rank_(rank),
      size_(size),
      addresses_{peer_count, is_inter, tag_upper_bound},
      channel_tag_bound_(static_cast<uint32_t>(channel_tag_bound)),
      probes_irecvs_(probes_irecvs) {}

Channel::~Channel() {
  if (base_internal::MpiFinalized()) return;
  {
    std::lock_guard<std::mutex> lock(buffered_mutex_);
    for (BufferedSend& send : buffered_) {
      MPI_Waitall(static_cast<int>(send.requests.size()), send.requests.data(),
                  MPI_STATUSES_IGNORE);
    }
  }
}

absl::Status Channel::ReserveBufferedBytes(size_t bytes) {
  std::lock_guard<std::mutex> lock(buffered_mutex_);
  for (auto it = buffered_.begin(); it != buffered_.end();) {
    int done = 0;
    MPI_Testall(static_cast<int>(it->requests.size()), it->requests.data(),
                &done, MPI_STATUSES_IGNORE);
    if (done) {
      buffered_bytes_ -= it->bytes.size();
      it = buffered_.erase(it);
    } else {
      ++it;
    }
  }
  const size_t capacity = options_.buffered_send_capacity;
  if (bytes > capacity || buffered_bytes_ > capacity - bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "buffered send of ", bytes, " bytes does not fit: ", buffered_bytes_,
        " of the ", capacity,
        " bytes of TransportOptions::buffered_send_capacity are in flight"));
  }
  buffered_bytes_ += bytes;
  return absl::OkStatus();
}

void Channel::AdoptBufferedSend(BufferedSend send) {
  std::lock_guard<std::mutex> lock(buffered_mutex_);
  buffered_.push_back(std::move(send));
}

int Channel::NextChannelTag(int destination) {
  const uint32_t ticket =
      core_->next_tags[static_cast<size_t>(destination)].fetch_add(
          1, std::memory_order_relaxed);
  return static_cast<int>(ticket % (channel_tag_bound_ + 1));
}

}  // namespace pkl5::transport_internal
