#include "pkl5/transport/internal/incoming_message.h"

#include <cstring>
#include <new>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/transport/internal/discard_buffer.h"
#include "pkl5/transport/internal/large_count.h"
#include "pkl5/transport/internal/part_wait.h"

namespace pkl5::transport_internal {
namespace {

// Channel receives in flight, with the layouts their statuses are checked
// against. Test gives up at `deadline`, Wait after `timeout` of waiting.
class PendingPieces : public PendingOperation {
 public:
  PendingPieces(std::vector<MPI_Request> requests,
                std::vector<ByteLayout> layouts, absl::Duration timeout,
                int source)
      : requests_(std::move(requests)),
        statuses_(requests_.size()),
        layouts_(std::move(layouts)),
        timeout_(timeout),
        deadline_(DeadlineIn(timeout)),
        source_(source) {}
  ~PendingPieces() override {
    if (!requests_.empty() && !base_internal::MpiFinalized()) (void)Wait();
  }

  absl::StatusOr<bool> Test() override {
    if (requests_.empty()) return true;
    absl::StatusOr<bool> done =
        TestForParts(requests_, statuses_, deadline_, source_);
    if (done.ok() && !*done) return false;
    PKL5_RETURN_IF_ERROR(Check(done.status()));
    return true;
  }
  absl::Status Wait() override {
    if (requests_.empty()) return absl::OkStatus();
    return Check(WaitForParts(requests_, statuses_, timeout_, source_));
  }

 private:
  // The outcome once nothing is pending: `waited`'s error, else the first
  // part that arrived with another size.
  absl::Status Check(absl::Status waited) {
    requests_.clear();
    absl::Status result = std::move(waited);
    for (size_t i = 0; result.ok() && i < statuses_.size(); ++i) {
      result = layouts_[i].CheckReceived(statuses_[i]);
    }
    layouts_.clear();
    return result;
  }

  std::vector<MPI_Request> requests_;
  std::vector<MPI_Status> statuses_;
  std::vector<ByteLayout> layouts_;
  absl::Duration timeout_;
  absl::Time deadline_;
  int source_;
};

}  // namespace

absl::StatusOr<IncomingMessage> IncomingMessage::FromEnvelope(
    Channel& channel, std::string envelope, int source, int tag) {
  PKL5_ASSIGN_OR_RETURN(
      EnvelopeInfo info,
      ParseEnvelope(envelope, channel.options().envelope_bytes));
  IncomingMessage message;
  message.channel_ = &channel;
  message.source_ = source;
  message.tag_ = tag;
  message.channel_tag_ = info.channel_tag;
  message.inline_pieces_ = info.inline_pieces;
  // Keep the envelope itself; its inline bytes start after the table.
  message.inline_offset_ =
      static_cast<size_t>(info.inline_bytes.data() - envelope.data());
  message.envelope_ = std::move(envelope);
  message.part_timeout_ = channel.options().part_timeout;
  if (info.size_table_inline) {
    message.sizes_ = info.PieceSizes();
    return message;
  }
  // The table is on the channel: bounded before it is received.
  if (info.piece_count > channel.options().max_pieces) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "a pkl5 object from rank ", source, " announces ", info.piece_count,
        " pieces, more than TransportOptions::max_pieces (",
        channel.options().max_pieces, "); nothing of it was received"));
  }
  try {
    message.sizes_.resize(info.piece_count);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat("no memory for the size table of a pkl5 object of ",
                     info.piece_count, " pieces"));
  }
  PKL5_RETURN_IF_ERROR(message.ReceiveFromChannel(
      message.sizes_.data(), message.sizes_.size() * sizeof(uint64_t)));
  return message;
}

IncomingMessage IncomingMessage::Null() { return IncomingMessage(); }

absl::Status IncomingMessage::ReceiveFromChannel(void* data, size_t size) {
  if (part_timeout_ == absl::InfiniteDuration()) {
    PKL5_ASSIGN_OR_RETURN(
        const ByteLayout layout,
        ByteLayout::Create(size, channel_->options().block_bytes));
    MPI_Status status;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Recv(data, layout.count(), layout.type(), source_, channel_tag_,
                 channel_->private_comm(), &status),
        "MPI_Recv (pkl5 channel)"));
    return layout.CheckReceived(status);
  }
  std::vector<MPI_Status> status(1);
  std::vector<MPI_Request> request(1, MPI_REQUEST_NULL);
  PKL5_ASSIGN_OR_RETURN(const ByteLayout layout,
                        PostPart(data, size, request[0]));
  if (absl::Status waited =
          WaitForParts(request, status, part_timeout_, source_);
      !waited.ok()) {
    next_ = sizes_.size();
    return waited;
  }
  return layout.CheckReceived(status[0]);
}

absl::StatusOr<ByteLayout> IncomingMessage::PostPart(void* data, size_t size,
                                                     MPI_Request& request) {
  PKL5_ASSIGN_OR_RETURN(
      ByteLayout layout,
      ByteLayout::Create(size, channel_->options().block_bytes));
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Irecv(data, layout.count(), layout.type(), source_, channel_tag_,
                channel_->private_comm(), &request),
      "MPI_Irecv (pkl5 channel)"));
  return layout;
}

absl::Status IncomingMessage::ReceiveNext(MutablePiece destination) {
  if (complete()) {
    return absl::FailedPreconditionError(
        "every piece of this pkl5 message was already received");
  }
  const uint64_t size = sizes_[next_];
  if (destination.size != size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "piece ", next_, " has ", size, " bytes, not ", destination.size));
  }
  if (next_ < inline_pieces_) {
    if (size > 0) {
      std::memcpy(destination.data, envelope_.data() + inline_offset_, size);
    }
    inline_offset_ += size;
  } else {
    PKL5_RETURN_IF_ERROR(ReceiveFromChannel(destination.data, size));
  }
  ++next_;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PendingOperation>>
IncomingMessage::StartReceiveRest(absl::Span<const MutablePiece> destinations) {
  std::vector<MPI_Request> requests;
  std::vector<ByteLayout> layouts;
  PKL5_RETURN_IF_ERROR(PostReceiveRest(destinations, requests, layouts));
  return std::unique_ptr<PendingOperation>(new PendingPieces(
      std::move(requests), std::move(layouts), part_timeout_, source_));
}

absl::Status IncomingMessage::PostReceiveRest(
    absl::Span<const MutablePiece> destinations,
    std::vector<MPI_Request>& requests, std::vector<ByteLayout>& layouts) {
  PKL5_RETURN_IF_ERROR(CheckRestDestinations(destinations));
  for (const MutablePiece& destination : destinations) {
    if (next_ < inline_pieces_) {
      PKL5_RETURN_IF_ERROR(ReceiveNext(destination));
      continue;
    }
    MPI_Request request = MPI_REQUEST_NULL;
    PKL5_ASSIGN_OR_RETURN(
        ByteLayout layout,
        PostPart(destination.data, destination.size, request));
    requests.push_back(request);
    layouts.push_back(std::move(layout));
    ++next_;
  }
  return absl::OkStatus();
}

absl::Status IncomingMessage::ReceiveRest(
    absl::Span<const MutablePiece> destinations) {
  PKL5_RETURN_IF_ERROR(CheckRestDestinations(destinations));
  while (!destinations.empty() && next_ < inline_pieces_) {
    PKL5_RETURN_IF_ERROR(ReceiveNext(destinations.front()));
    destinations.remove_prefix(1);
  }
  const size_t window = channel_->options().part_window;
  if (window == 0 || destinations.size() <= window) {
    return ReceivedObject::ReceiveRest(destinations);
  }
  // Slot i of the window receives piece posted[i] into layouts[i].
  std::vector<MPI_Request> requests(window, MPI_REQUEST_NULL);
  std::vector<std::optional<ByteLayout>> layouts(window);
  std::vector<int> completed(window);
  std::vector<MPI_Status> statuses(window);
  size_t unposted = 0;
  const auto post = [&](size_t slot) -> absl::Status {
    const MutablePiece& destination = destinations[unposted++];
    ++next_;
    PKL5_ASSIGN_OR_RETURN(
        layouts[slot],
        PostPart(destination.data, destination.size, requests[slot]));
    return absl::OkStatus();
  };
  // On an MPI error, what is posted completes before the destinations may
  // go away, and the object is given up.
  const auto give_up = [&](absl::Status error) {
    MPI_Waitall(static_cast<int>(window), requests.data(), MPI_STATUSES_IGNORE);
    next_ = sizes_.size();
    return error;
  };
  for (size_t slot = 0; slot < window; ++slot) {
    if (absl::Status posted = post(slot); !posted.ok()) {
      return give_up(posted);
    }
  }
  const absl::Time deadline = DeadlineIn(part_timeout_);
  absl::Status first_mismatch;
  while (true) {
    absl::StatusOr<int> count =
        WaitForSomeParts(requests, completed, statuses, deadline, source_);
    if (!count.ok()) return give_up(count.status());
    if (*count == 0) break;
    for (size_t i = 0; i < static_cast<size_t>(*count); ++i) {
      const size_t slot = static_cast<size_t>(completed[i]);
      // Keep receiving after a size mismatch: later parts are still queued.
      absl::Status received = layouts[slot]->CheckReceived(statuses[i]);
      if (!received.ok() && first_mismatch.ok()) first_mismatch = received;
      if (unposted < destinations.size()) {
        if (absl::Status posted = post(slot); !posted.ok()) {
          return give_up(posted);
        }
      }
    }
  }
  return first_mismatch;
}

absl::Status IncomingMessage::Drain() {
  absl::Status first_error;
  while (!complete()) {
    const uint64_t size = sizes_[next_];
    if (next_ < inline_pieces_) {
      inline_offset_ += size;
      ++next_;
      continue;
    }
    PKL5_ASSIGN_OR_RETURN(DiscardBuffer sink, DiscardBuffer::Create(size));
    absl::Status status = ReceiveFromChannel(sink.data(), size);
    // Past the deadline the rest was given up: nothing is left to drain.
    if (absl::IsDeadlineExceeded(status)) return status;
    ++next_;
    // Keep draining after a size mismatch: later parts are still queued.
    if (!status.ok() && first_error.ok()) first_error = std::move(status);
  }
  return first_error;
}

}  // namespace pkl5::transport_internal
