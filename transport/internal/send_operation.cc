#include "pkl5/transport/internal/send_operation.h"

#include <cstddef>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/transport/internal/large_count.h"

namespace pkl5::transport_internal {
absl::StatusOr<std::unique_ptr<SendOperation>> SendOperation::Start(
    Channel& channel, absl::Span<const ConstPiece> pieces, int destination,
    int tag, SendMode mode, size_t window) {
  PKL5_RETURN_IF_ERROR(channel.addresses().CheckSend(destination, tag));
  std::unique_ptr<SendOperation> operation(new SendOperation());
  if (destination == MPI_PROC_NULL) return operation;
  if (absl::Status status =
          operation->Post(channel, pieces, destination, tag, mode, window);
      !status.ok()) {
    // Whatever was posted completes before the pieces may go away.
    (void)operation->Wait();
    return status;
  }
  return operation;
}

absl::Status SendOperation::Post(Channel& channel,
                                 absl::Span<const ConstPiece> pieces,
                                 int destination, int tag, SendMode mode,
                                 size_t window) {
  const int channel_tag = channel.NextChannelTag(destination);
  const EnvelopeLayout layout = BuildEnvelope(pieces, channel_tag, envelope_,
                                              channel.options().envelope_bytes);

  // What follows the envelope on the channel: the size table when it did
  // not fit (owned here: MPI reads it until completion), then the pieces.
  std::vector<ConstPiece> channel_pieces;
  if (!layout.size_table_inline) {
    size_table_.reserve(pieces.size());
    for (const ConstPiece& piece : pieces) size_table_.push_back(piece.size);
    channel_pieces.push_back(
        {size_table_.data(), size_table_.size() * sizeof(uint64_t)});
  }
  for (size_t i = layout.inline_pieces; i < pieces.size(); ++i) {
    channel_pieces.push_back(pieces[i]);
  }
  if (mode == SendMode::kBuffered) {
    return PostBuffered(channel, channel_pieces, destination, tag, channel_tag);
  }
  const bool windowed = window > 0 && channel_pieces.size() > window;
  PKL5_RETURN_IF_ERROR(
      PostAll(channel, envelope_,
              windowed ? absl::MakeConstSpan(channel_pieces).subspan(0, window)
                       : absl::MakeConstSpan(channel_pieces),
              destination, tag, channel_tag, mode == SendMode::kSynchronous,
              requests_));
  if (windowed) {
    // Test and Wait post these as slots free up.
    unposted_.assign(channel_pieces.begin() + static_cast<ptrdiff_t>(window),
                     channel_pieces.end());
    channel_ = &channel;
    destination_ = destination;
    channel_tag_ = channel_tag;
  }
  return absl::OkStatus();
}

absl::Status SendOperation::PostPart(Channel& channel, const ConstPiece& piece,
                                     int destination, int channel_tag,
                                     MPI_Request& request) {
  PKL5_ASSIGN_OR_RETURN(
      const ByteLayout layout,
      ByteLayout::Create(piece.size, channel.options().block_bytes));
  return base_internal::MpiCallStatus(
      MPI_Isend(piece.data, layout.count(), layout.type(), destination,
                channel_tag, channel.private_comm(), &request),
      "pkl5 send of a part");
}

absl::Status SendOperation::PostNext(MPI_Request& request) {
  return PostPart(*channel_, unposted_[next_unposted_++], destination_,
                  channel_tag_, request);
}

absl::StatusOr<bool> SendOperation::AdvanceWindow(bool block) {
  std::vector<int> completed(requests_.size());
  while (true) {
    int count = 0;
    const int code = (block ? MPI_Waitsome : MPI_Testsome)(
        static_cast<int>(requests_.size()), requests_.data(), &count,
        completed.data(), MPI_STATUSES_IGNORE);
    if (code != MPI_SUCCESS) {
      unposted_.clear();
      // The others are still posted: they must finish before the pieces
      // may go away.
      (void)Wait();
      return Finish(code, block ? "MPI_Waitsome (pkl5 send)"
                                : "MPI_Testsome (pkl5 send)");
    }
    if (count == MPI_UNDEFINED) count = 0;  // every slot was free
    for (int i = 0; i < count && next_unposted_ < unposted_.size(); ++i) {
      if (absl::Status posted = PostNext(requests_[static_cast<size_t>(
              completed[static_cast<size_t>(i)])]);
          !posted.ok()) {
        unposted_.clear();
        (void)Wait();
        return posted;
      }
    }
    if (next_unposted_ == unposted_.size()) {
      unposted_.clear();
      return false;  // the rest completes as an ordinary operation
    }
    if (!block && count == 0) return false;
  }
}

absl::Status SendOperation::PostAll(Channel& channel,
                                    absl::string_view envelope,
                                    absl::Span<const ConstPiece> channel_pieces,
                                    int destination, int tag, int channel_tag,
                                    bool synchronous,
                                    std::vector<MPI_Request>& requests) {
  requests.reserve(requests.size() + 1 + channel_pieces.size());
  MPI_Request request = MPI_REQUEST_NULL;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      (synchronous ? MPI_Issend : MPI_Isend)(
          envelope.data(), static_cast<int>(envelope.size()), MPI_BYTE,
          destination, tag, channel.comm(), &request),
      "pkl5 send of the envelope"));
  requests.push_back(request);
  for (const ConstPiece& piece : channel_pieces) {
    PKL5_RETURN_IF_ERROR(
        PostPart(channel, piece, destination, channel_tag, request));
    requests.push_back(request);
  }
  return absl::OkStatus();
}

absl::Status SendOperation::PostBuffered(
    Channel& channel, absl::Span<const ConstPiece> channel_pieces,
    int destination, int tag, int channel_tag) {
  size_t total = envelope_.size();
  for (const ConstPiece& piece : channel_pieces) total += piece.size;
  PKL5_RETURN_IF_ERROR(channel.ReserveBufferedBytes(total));
  Channel::BufferedSend buffered;
  buffered.bytes.reserve(total);
  buffered.bytes.append(envelope_);
  std::vector<ConstPiece> copies;
  copies.reserve(channel_pieces.size());
  for (const ConstPiece& piece : channel_pieces) {
    copies.push_back(
        {buffered.bytes.data() + buffered.bytes.size(), piece.size});
    buffered.bytes.append(static_cast<const char*>(piece.data), piece.size);
  }
  const absl::Status status = PostAll(
      channel, absl::string_view(buffered.bytes).substr(0, envelope_.size()),
      copies, destination, tag, channel_tag, /*synchronous=*/false,
      buffered.requests);
  // The channel completes the copy's requests; this operation is done.
  channel.AdoptBufferedSend(std::move(buffered));
  return status;
}

SendOperation::~SendOperation() {
  if (!done() && !base_internal::MpiFinalized()) (void)Wait();
}

absl::Status SendOperation::Finish(int code, absl::string_view call) {
  requests_.clear();
  return base_internal::MpiCallStatus(code, call);
}

absl::StatusOr<bool> SendOperation::Test() {
  if (done()) return true;
  if (!unposted_.empty()) {
    PKL5_RETURN_IF_ERROR(AdvanceWindow(/*block=*/false).status());
    if (!unposted_.empty()) return false;
  }
  int flag = 0;
  const int code = MPI_Testall(static_cast<int>(requests_.size()),
                               requests_.data(), &flag, MPI_STATUSES_IGNORE);
  if (code != MPI_SUCCESS) {
    PKL5_RETURN_IF_ERROR(Finish(code, "MPI_Testall (pkl5 send)"));
  }
  if (!flag) return false;
  PKL5_RETURN_IF_ERROR(Finish(MPI_SUCCESS, "MPI_Testall (pkl5 send)"));
  return true;
}

absl::Status SendOperation::Wait() {
  if (done()) return absl::OkStatus();
  if (!unposted_.empty()) {
    PKL5_RETURN_IF_ERROR(AdvanceWindow(/*block=*/true).status());
  }
  const int code = MPI_Waitall(static_cast<int>(requests_.size()),
                               requests_.data(), MPI_STATUSES_IGNORE);
  return Finish(code, "MPI_Waitall (pkl5 send)");
}

absl::Status Send(Channel& channel, absl::Span<const ConstPiece> pieces,
                  int destination, int tag, SendMode mode) {
  // An object that fits in its envelope is one blocking MPI send: no
  // request to allocate, wait on and free, which is most of a small send's
  // cost beyond MPI's own (bench/transport_bench). Buffered mode still
  // copies into channel-owned memory, so it takes the general path.
  if (mode != SendMode::kBuffered && destination != MPI_PROC_NULL &&
      FitsInEnvelope(pieces, channel.options().envelope_bytes)) {
    PKL5_RETURN_IF_ERROR(channel.addresses().CheckSend(destination, tag));
    thread_local std::string envelope;
    BuildEnvelope(pieces, 0, envelope, channel.options().envelope_bytes);
    return base_internal::MpiCallStatus(
        (mode == SendMode::kSynchronous ? MPI_Ssend : MPI_Send)(
            envelope.data(), static_cast<int>(envelope.size()), MPI_BYTE,
            destination, tag, channel.comm()),
        "pkl5 send of the envelope");
  }
  // Blocking, so it may post its parts a window at a time.
  PKL5_ASSIGN_OR_RETURN(
      std::unique_ptr<SendOperation> operation,
      SendOperation::Start(channel, pieces, destination, tag, mode,
                           channel.options().part_window));
  return operation->Wait();
}

absl::Status SendContiguous(Channel& channel,
                            absl::Span<const ConstPiece> pieces,
                            int destination, int tag, SendMode mode) {
  if (mode == SendMode::kBuffered || destination == MPI_PROC_NULL ||
      pieces.empty() || pieces.front().data == nullptr) {
    return Send(channel, pieces, destination, tag, mode);
  }
  char* const first = static_cast<char*>(const_cast<void*>(pieces[0].data));
  size_t head_bytes = WholeEnvelopeHeadBytes(2);
  const char* end = first;
  static_assert(WholeEnvelopeHeadBytes(2) <= kSendHeadroomBytes);
  if (ABSL_PREDICT_TRUE(
          pieces.size() == 2 &&
          (first + pieces[0].size == pieces[1].data || pieces[1].size == 0) &&
          TwoPiecesFitWhole(pieces[0].size, pieces[1].size,
                            channel.options().envelope_bytes))) {
    // Every small object: a header and its in-band bytes, back to back.
    end += pieces[0].size + pieces[1].size;
  } else {
    head_bytes = WholeEnvelopeHeadBytes(pieces.size());
    if (head_bytes > kSendHeadroomBytes ||
        !FitsInEnvelope(pieces, channel.options().envelope_bytes)) {
      return Send(channel, pieces, destination, tag, mode);
    }
    for (const ConstPiece& piece : pieces) {
      if (piece.data != end && piece.size > 0) {
        return Send(channel, pieces, destination, tag, mode);
      }
      end += piece.size;
    }
  }
  PKL5_RETURN_IF_ERROR(channel.addresses().CheckSend(destination, tag));
  // The head goes right before the first piece, in the headroom the caller
  // gave for it (the pieces themselves are only read).
  char* const envelope = first - head_bytes;
  WriteWholeEnvelopeHead(pieces, envelope);
  return base_internal::MpiCallStatus(
      (mode == SendMode::kSynchronous ? MPI_Ssend : MPI_Send)(
          envelope, static_cast<int>(end - envelope), MPI_BYTE, destination,
          tag, channel.comm()),
      "pkl5 send of the envelope");
}

}  // namespace pkl5::transport_internal
