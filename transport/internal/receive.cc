#include "pkl5/transport/internal/receive.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_comm.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/transport/internal/discard_buffer.h"

namespace pkl5::transport_internal {
namespace {

// Where a posted envelope receive puts what follows the envelope's bytes.
// A raw message larger than an envelope that matches a posted receive must
// not be truncated: Open MPI 4.1.4 then writes past the buffer (8 KiB) or
// never completes the receive (64 KiB and more), measured. So the receive's
// datatype is the envelope buffer followed by kSinkBytes of sink: any
// message up to that matches whole, its size is read from the status, and
// it is rejected as foreign. The sink follows the buffer directly where it
// can (sink_followed.h: the faster receive); otherwise it is this one,
// shared by every receive, address space mapped over one discard window
// (discard_buffer.h). Its bytes are never read.
//
// The shared sink's memory and the datatype spanning it, made once per process
// (the type is freed when MPI_Finalize starts): building a datatype of
// kSinkBytes in MPI's int-sized blocks for every receive cost more than the
// rest of a small receive.
struct Sink {
  absl::Status status;
  std::optional<DiscardBuffer> memory;
  MPI_Datatype type = MPI_DATATYPE_NULL;
};

Sink& TheSink() {
  static Sink* const sink = [] {
    auto* made = new Sink();
    absl::StatusOr<DiscardBuffer> memory = DiscardBuffer::Create(kSinkBytes);
    if (!memory.ok()) {
      made->status = memory.status();
      return made;
    }
    made->memory.emplace(*std::move(memory));
    MPI_Datatype gib = MPI_DATATYPE_NULL;
    made->status = base_internal::MpiCallStatus(
        MPI_Type_contiguous(1 << 30, MPI_BYTE, &gib), "MPI_Type_contiguous");
    if (!made->status.ok()) return made;
    made->status = base_internal::MpiCallStatus(
        MPI_Type_contiguous(static_cast<int>(kSinkBytes >> 30), gib,
                            &made->type),
        "MPI_Type_contiguous");
    MPI_Type_free(&gib);
    if (made->status.ok()) {
      made->status = base_internal::MpiCallStatus(MPI_Type_commit(&made->type),
                                                  "MPI_Type_commit");
    }
    if (made->status.ok()) {
      base_internal::CallAtFinalize([] { MPI_Type_free(&TheSink().type); });
    }
    return made;
  }();
  return *sink;
}

// How a blocking receive takes an envelope. Into a buffer the sink
// follows, a receive costs what a plain MPI_Recv does on both MPIs; into
// one with the shared sink it costs 1.02-1.03x on Open MPI 4.1.4 but
// 1.17-1.31x on MPICH 4.0, where a matched probe costs 1.04-1.11x
// (bench/receive_floor.c, docs/benchmarks.md). So a blocking receive is a
// posted one, except on MPICH when its buffer has no sink after it.
#if defined(MPICH)
constexpr bool kSharedSinkReceiveIsFast = false;
#else
constexpr bool kSharedSinkReceiveIsFast = true;
#endif

// Bytes after a posted receive's own envelope buffer that MPI must never
// write: checked when the receive completes, so an MPI that overruns the
// buffer anyway is an error, not silent heap damage. A buffer the sink
// follows has none: past it is the sink, which anything may write.
constexpr size_t kCanaryBytes = 64;
constexpr char kCanary = '\xa5';

// Word by word, inline (every blocking receive checks it; a call to
// memcmp costs twice as much).
bool CanaryIntact(const PostedBuffer& buffer) {
  if (buffer.sink_follows()) return true;
  constexpr uint64_t kWord =
      0x0101010101010101u * static_cast<uint8_t>(kCanary);
  uint64_t differs = 0;
#pragma GCC unroll 8
  for (size_t offset = 0; offset < kCanaryBytes; offset += sizeof(kWord)) {
    uint64_t word = 0;
    std::memcpy(&word, buffer.envelope + buffer.envelope_bytes + offset,
                sizeof(word));
    differs |= word ^ kWord;
  }
  return differs == 0;
}

}  // namespace

PostedBuffer::~PostedBuffer() {
  if (type != MPI_DATATYPE_NULL && !base_internal::MpiFinalized()) {
    MPI_Type_free(&type);
  }
  ReturnSinkFollowedBytes(sink_followed);
}

namespace {

// The buffer of a posted envelope receive: `envelope_bytes` the sink
// follows, or of its own with the canary after them, and the datatype of
// those bytes (relative to MPI_BOTTOM) followed by the sink.
absl::StatusOr<std::unique_ptr<PostedBuffer>> NewPostedBuffer(
    size_t envelope_bytes) {
  const Sink& sink = TheSink();
  PKL5_RETURN_IF_ERROR(sink.status);
  auto buffer = std::make_unique<PostedBuffer>();
  buffer->envelope_bytes = envelope_bytes;
  buffer->sink_followed = TakeSinkFollowedBytes(envelope_bytes);
  const char* sink_start = nullptr;
  if (buffer->sink_follows()) {
    buffer->envelope = buffer->sink_followed.data;
    sink_start = buffer->envelope + envelope_bytes;
  } else {
    // The canary is armed once: only an overrun changes it, and a buffer
    // MPI overran is never used again.
    buffer->own.assign(envelope_bytes + kCanaryBytes, '\0');
    std::memset(buffer->own.data() + envelope_bytes, kCanary, kCanaryBytes);
    buffer->envelope = buffer->own.data();
    sink_start = static_cast<const char*>(sink.memory->data());
  }
  MPI_Aint addresses[2];
  MPI_Get_address(buffer->envelope, &addresses[0]);
  MPI_Get_address(sink_start, &addresses[1]);
  int lengths[2] = {static_cast<int>(envelope_bytes), 1};
  MPI_Datatype types[2] = {MPI_BYTE, sink.type};
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Type_create_struct(2, lengths, addresses, types, &buffer->type),
      "MPI_Type_create_struct"));
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Type_commit(&buffer->type), "MPI_Type_commit"));
  return buffer;
}

// Buffers of completed receives, kept by the thread that finished them for
// its next receives (making the datatype cost more than the rest of a
// small posted receive: 0.17-0.23 us, bench/transport_bench), and the one
// its blocking receives use.
constexpr size_t kKeptPostedBuffers = 8;
struct ThreadBuffers {
  std::vector<std::unique_ptr<PostedBuffer>> kept;
  std::unique_ptr<PostedBuffer> blocking;
};
thread_local ThreadBuffers thread_buffers;

// The thread that finalizes MPI frees its kept datatypes first (MPICH
// reports datatypes alive at MPI_Finalize as leaks); another thread's go
// when it exits.
void FreeThreadBuffersAtFinalize() {
  static std::once_flag freed_at_finalize;
  std::call_once(freed_at_finalize, [] {
    base_internal::CallAtFinalize([] {
      thread_buffers.kept.clear();
      thread_buffers.blocking = nullptr;
    });
  });
}

absl::StatusOr<std::unique_ptr<PostedBuffer>> TakePostedBuffer(
    size_t envelope_bytes) {
  std::vector<std::unique_ptr<PostedBuffer>>& kept = thread_buffers.kept;
  std::unique_ptr<PostedBuffer> buffer;
  while (buffer == nullptr && !kept.empty()) {
    buffer = std::move(kept.back());
    kept.pop_back();
    if (buffer->envelope_bytes != envelope_bytes) buffer = nullptr;
  }
  if (buffer == nullptr) {
    // Registered when a buffer is made, so that keeping one need not ask.
    FreeThreadBuffersAtFinalize();
    PKL5_ASSIGN_OR_RETURN(buffer, NewPostedBuffer(envelope_bytes));
  }
  // Zero where a message that MPI calls cancelled is looked for
  // (BufferWritten).
  std::memset(buffer->envelope, 0, kEnvelopePrefixBytes);
  return buffer;
}

void KeepPostedBuffer(std::unique_ptr<PostedBuffer> buffer) {
  if (thread_buffers.kept.size() < kKeptPostedBuffers) {
    thread_buffers.kept.push_back(std::move(buffer));
  }
}

// The buffer of the calling thread's blocking receives: an object that
// arrived whole is a view of it until the thread's next receive. One with
// no sink after it (made while every buffer a sink follows was taken, by
// irecvs in flight say) is traded for such a buffer once one is free.
absl::StatusOr<PostedBuffer*> BlockingBuffer(size_t envelope_bytes) {
  std::unique_ptr<PostedBuffer>& buffer = thread_buffers.blocking;
  if (buffer == nullptr || buffer->envelope_bytes != envelope_bytes ||
      (!buffer->sink_follows() &&
       SinkFollowedBytesMayBeTaken(envelope_bytes))) {
    FreeThreadBuffersAtFinalize();
    PKL5_ASSIGN_OR_RETURN(buffer, NewPostedBuffer(envelope_bytes));
  }
  return buffer.get();
}

// A message of `bytes` that cannot be an envelope, received whole.
absl::Status ForeignMessage(MPI_Count bytes, int source, int tag) {
  return absl::DataLossError(absl::StrCat(
      "not a pkl5 message: ", bytes, " bytes from rank ", source, " with tag ",
      tag,
      ", larger than any pkl5 envelope (a raw MPI message on a tag pkl5 "
      "receives on?); discarded"));
}

// What a receive into `buffer` (posted or blocking) that ended with `code`
// and `status` received: the envelope's length, or why it is not one.
// Sets `overrun` when MPI wrote past the buffer (then not to be used again).
absl::StatusOr<size_t> PostedArrival(const PostedBuffer& buffer, int code,
                                     const MPI_Status& status,
                                     absl::string_view call, bool& overrun) {
  const size_t envelope_bytes = buffer.envelope_bytes;
  if (!CanaryIntact(buffer)) {
    overrun = true;
    return absl::InternalError(
        absl::StrCat("MPI wrote past pkl5's ", envelope_bytes,
                     "-byte envelope buffer receiving from rank ",
                     status.MPI_SOURCE, " with tag ", status.MPI_TAG,
                     " (an MPI bug; the process memory may be damaged)"));
  }
  if (code == MPI_SUCCESS) {
    // MPI_Get_count is cheaper than MPI_Get_elements_x (about 45
    // instructions instead of 110 on Open MPI); only a count past INT_MAX
    // needs the latter.
    int count = 0;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count"));
    if (count >= 0 && static_cast<size_t>(count) <= envelope_bytes) {
      return static_cast<size_t>(count);
    }
    MPI_Count bytes = 0;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Get_elements_x(&status, MPI_BYTE, &bytes), "MPI_Get_elements_x"));
    // What it wrote into the sink need not stay resident.
    if (buffer.sink_follows()) ReleaseSinkWindow();
    return ForeignMessage(bytes, status.MPI_SOURCE, status.MPI_TAG);
  }
  int error_class = MPI_ERR_OTHER;
  MPI_Error_class(status.MPI_ERROR != MPI_SUCCESS ? status.MPI_ERROR : code,
                  &error_class);
  if (error_class == MPI_ERR_TRUNCATE) {
    return absl::DataLossError(absl::StrCat(
        "not a pkl5 message: more than ", envelope_bytes + kSinkBytes,
        " bytes from rank ", status.MPI_SOURCE, " with tag ", status.MPI_TAG,
        " (a raw MPI message on a tag pkl5 receives on?); discarded"));
  }
  return base_internal::MpiCallStatus(code, call);
}

// PostedArrival's first case, inline (every envelope takes it): the
// receive ended well, the buffer is intact and holds the whole message,
// whose length goes to `bytes`.
inline bool ArrivedIntact(const PostedBuffer& buffer, int code,
                          const MPI_Status& status, size_t& bytes) {
  int count = 0;
  if (code != MPI_SUCCESS || !CanaryIntact(buffer) ||
      MPI_Get_count(&status, MPI_BYTE, &count) != MPI_SUCCESS || count < 0 ||
      static_cast<size_t>(count) > buffer.envelope_bytes) {
    return false;
  }
  bytes = static_cast<size_t>(count);
  return true;
}

// Receives the matched message `message` into `envelope` when it can be
// one (at most the envelope bound); otherwise consumes it whole and
// rejects it.
absl::Status ReceiveMatched(Channel& channel, MPI_Message message,
                            const MPI_Status& probed, std::string& envelope) {
  // MPI_Get_count first, as PostedArrival does (cheaper); MPI_UNDEFINED
  // past INT_MAX bytes, which only MPI_Get_elements_x counts.
  int count = 0;
  PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
      MPI_Get_count(&probed, MPI_BYTE, &count), "MPI_Get_count"));
  MPI_Count size = count;
  if (count == MPI_UNDEFINED) {
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Get_elements_x(&probed, MPI_BYTE, &size), "MPI_Get_elements_x"));
  }
  if (size < 0 ||
      static_cast<size_t>(size) > channel.options().envelope_bytes) {
    const size_t bytes = size < 0 ? 0 : static_cast<size_t>(size);
    PKL5_ASSIGN_OR_RETURN(const DiscardBuffer sink,
                          DiscardBuffer::Create(bytes));
    PKL5_ASSIGN_OR_RETURN(
        const ByteLayout layout,
        ByteLayout::Create(bytes, channel.options().block_bytes));
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Mrecv(sink.data(), layout.count(), layout.type(), &message,
                  MPI_STATUS_IGNORE),
        "MPI_Mrecv"));
    return ForeignMessage(size, probed.MPI_SOURCE, probed.MPI_TAG);
  }
  envelope.resize(static_cast<size_t>(size));
  return base_internal::MpiCallStatus(
      MPI_Mrecv(envelope.data(), static_cast<int>(size), MPI_BYTE, &message,
                MPI_STATUS_IGNORE),
      "MPI_Mrecv");
}

// Whether a message a receive took from MPI (its envelope, or why it is
// none: `received`) goes to a pending probed irecv instead, which MPI would
// have given it to (probed_receives.h). A failure of MPI itself stays
// with the receive that met it.
bool HandedToProbedIrecv(Channel& channel, absl::string_view envelope,
                         const absl::Status& received, int source, int tag) {
  if (!channel.probed_receives().any()) return false;
  if (!received.ok() && !absl::IsDataLoss(received)) return false;
  return channel.probed_receives().Offer(envelope, received, source, tag);
}

// The matched message received (ReceiveMatched) as this receive's, or
// std::nullopt when it went to a pending probed irecv.
absl::StatusOr<std::optional<IncomingMessage>> KeepMatched(
    Channel& channel, MPI_Message message, const MPI_Status& probed) {
  std::string envelope;
  const absl::Status received =
      ReceiveMatched(channel, message, probed, envelope);
  if (HandedToProbedIrecv(channel, envelope, received, probed.MPI_SOURCE,
                          probed.MPI_TAG)) {
    return std::nullopt;
  }
  PKL5_RETURN_IF_ERROR(received);
  PKL5_ASSIGN_OR_RETURN(
      IncomingMessage incoming,
      IncomingMessage::FromEnvelope(channel, std::move(envelope),
                                    probed.MPI_SOURCE, probed.MPI_TAG));
  return std::optional<IncomingMessage>(std::move(incoming));
}

// Why a receive's object cannot be taken (both kinds of posted receive).
absl::Status TakeTooEarlyOrTwice(bool done, bool cancelled) {
  return absl::FailedPreconditionError(!done ? "the receive has not completed"
                                       : cancelled
                                           ? "the receive was cancelled"
                                           : "the message was already taken");
}

// ArrivalOf for every envelope but a whole one of two pieces.
ABSL_ATTRIBUTE_NOINLINE absl::Status ArrivalOfAnyOther(Channel& channel,
                                                       absl::string_view bytes,
                                                       int source, int tag,
                                                       Arrival& arrival) {
  PKL5_ASSIGN_OR_RETURN(const EnvelopeInfo info,
                        ParseEnvelope(bytes, channel.options().envelope_bytes));
  if (info.whole()) {
    arrival.object = nullptr;
    arrival.whole =
        WholeObject{source, tag, info.inline_bytes, info.size_table};
    return absl::OkStatus();
  }
  PKL5_ASSIGN_OR_RETURN(
      IncomingMessage message,
      IncomingMessage::FromEnvelope(channel, std::string(bytes), source, tag));
  arrival.object = std::make_unique<IncomingMessage>(std::move(message));
  return absl::OkStatus();
}

// `arrival` of the envelope `bytes` from `source` with `tag`: the whole
// object viewing `bytes`, or the message whose pieces follow (its own copy
// of the envelope). Inline for every small object.
inline absl::Status ArrivalOf(Channel& channel, absl::string_view bytes,
                              int source, int tag, Arrival& arrival) {
  if (ABSL_PREDICT_TRUE(
          ParseWholeTwoPieces(bytes, channel.options().envelope_bytes,
                              arrival.whole.size_table, arrival.whole.bytes))) {
    arrival.object = nullptr;
    arrival.whole.source = source;
    arrival.whole.tag = tag;
    return absl::OkStatus();
  }
  return ArrivalOfAnyOther(channel, bytes, source, tag, arrival);
}

}  // namespace

absl::StatusOr<IncomingMessage> ProbeMessage(Channel& channel, int source,
                                             int tag) {
  PKL5_RETURN_IF_ERROR(channel.addresses().CheckReceive(source, tag));
  if (source == MPI_PROC_NULL) return IncomingMessage::Null();
  while (true) {
    MPI_Message message = MPI_MESSAGE_NULL;
    MPI_Status status;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Mprobe(source, tag, channel.comm(), &message, &status),
        "MPI_Mprobe"));
    PKL5_ASSIGN_OR_RETURN(std::optional<IncomingMessage> kept,
                          KeepMatched(channel, message, status));
    if (kept.has_value()) return *std::move(kept);
  }
}

absl::Status ReceiveArrival(Channel& channel, int source, int tag,
                            Arrival& arrival) {
  PKL5_RETURN_IF_ERROR(channel.addresses().CheckReceive(source, tag));
  if (source == MPI_PROC_NULL) {
    arrival.object = std::make_unique<IncomingMessage>(IncomingMessage::Null());
    return absl::OkStatus();
  }
  // Until a message stays with this receive (others go to pending probed
  // irecvs).
  while (true) {
    MPI_Status status;
    status.MPI_SOURCE = source;
    status.MPI_TAG = tag;
    status.MPI_ERROR = MPI_SUCCESS;
    PKL5_ASSIGN_OR_RETURN(PostedBuffer* const buffer,
                          BlockingBuffer(channel.options().envelope_bytes));
    if (kSharedSinkReceiveIsFast || buffer->sink_follows()) {
      const int code = MPI_Recv(MPI_BOTTOM, 1, buffer->type, source, tag,
                                channel.comm(), &status);
      // Every small object: its whole envelope in an intact buffer, and no
      // probed irecv pending that it could belong to. Anything else takes
      // the general path below, which says what went wrong.
      size_t received = 0;
      if (ABSL_PREDICT_TRUE(ArrivedIntact(*buffer, code, status, received) &&
                            !channel.probed_receives().any() &&
                            ParseWholeTwoPieces(buffer->view(received),
                                                buffer->envelope_bytes,
                                                arrival.whole.size_table,
                                                arrival.whole.bytes))) {
        arrival.object = nullptr;
        arrival.whole.source = status.MPI_SOURCE;
        arrival.whole.tag = status.MPI_TAG;
        return absl::OkStatus();
      }
      bool overrun = false;
      absl::StatusOr<size_t> bytes =
          PostedArrival(*buffer, code, status, "MPI_Recv", overrun);
      if (overrun) {
        thread_buffers.blocking = nullptr;
        return bytes.status();
      }
      const absl::string_view envelope = buffer->view(bytes.ok() ? *bytes : 0);
      if (HandedToProbedIrecv(channel, envelope, bytes.status(),
                              status.MPI_SOURCE, status.MPI_TAG)) {
        continue;
      }
      PKL5_RETURN_IF_ERROR(bytes.status());
      return ArrivalOf(channel, envelope, status.MPI_SOURCE, status.MPI_TAG,
                       arrival);
    }
    MPI_Message message = MPI_MESSAGE_NULL;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Mprobe(source, tag, channel.comm(), &message, &status),
        "MPI_Mprobe"));
    // The thread's envelope buffer: its capacity stays, so a small object's
    // receive allocates nothing.
    thread_local std::string envelope;
    const absl::Status received =
        ReceiveMatched(channel, message, status, envelope);
    if (HandedToProbedIrecv(channel, envelope, received, status.MPI_SOURCE,
                            status.MPI_TAG)) {
      continue;
    }
    PKL5_RETURN_IF_ERROR(received);
    return ArrivalOf(channel, envelope, status.MPI_SOURCE, status.MPI_TAG,
                     arrival);
  }
}

absl::StatusOr<std::optional<IncomingMessage>> TryProbeMessage(Channel& channel,
                                                               int source,
                                                               int tag) {
  PKL5_RETURN_IF_ERROR(channel.addresses().CheckReceive(source, tag));
  if (source == MPI_PROC_NULL) return IncomingMessage::Null();
  while (true) {
    MPI_Message message = MPI_MESSAGE_NULL;
    MPI_Status status;
    int found = 0;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Improbe(source, tag, channel.comm(), &found, &message, &status),
        "MPI_Improbe"));
    if (!found) return std::nullopt;
    PKL5_ASSIGN_OR_RETURN(std::optional<IncomingMessage> kept,
                          KeepMatched(channel, message, status));
    if (kept.has_value()) return kept;
  }
}

absl::StatusOr<std::unique_ptr<EnvelopeReceive>> EnvelopeReceive::Start(
    Channel& channel, int source, int tag) {
  PKL5_RETURN_IF_ERROR(channel.addresses().CheckReceive(source, tag));
  std::unique_ptr<EnvelopeReceive> receive(new EnvelopeReceive(channel));
  if (source == MPI_PROC_NULL) {
    receive->proc_null_ = true;
    receive->done_ = true;
    return receive;
  }
  PKL5_ASSIGN_OR_RETURN(receive->buffer_,
                        TakePostedBuffer(channel.options().envelope_bytes));
  if (absl::Status posted = base_internal::MpiCallStatus(
          MPI_Irecv(MPI_BOTTOM, 1, receive->buffer_->type, source, tag,
                    channel.comm(), &receive->request_),
          "MPI_Irecv");
      !posted.ok()) {
    receive->done_ = true;  // nothing to cancel or take
    receive->cancelled_ = true;
    return posted;
  }
  return receive;
}

EnvelopeReceive::~EnvelopeReceive() {
  // Settled (taken, cancelled, failed): no MPI call is left to make.
  const bool settled =
      done_ && (taken_ || cancelled_ || proc_null_ || !error_.ok());
  if (!settled) {
    // After MPI_Finalize no MPI call is allowed: what is pending is
    // abandoned (and the buffer with it: MPI may still hold it).
    if (base_internal::MpiFinalized()) {
      if (!done_) (void)buffer_.release();
      return;
    }
    if (!done_) {
      absl::StatusOr<bool> cancelled = Cancel();
      // Matched before the cancel: consume it to keep the channel in order.
      if (!cancelled.ok() || (!*cancelled && !Wait().ok())) {
        (void)buffer_.release();  // still MPI's, or in an unknown state
        return;
      }
    }
    if (!taken_ && !cancelled_ && !proc_null_ && error_.ok()) {
      absl::StatusOr<IncomingMessage> message = TakeMessage();
      if (message.ok()) (void)message->Drain();
    }
  }
  // A buffer MPI overran is not used again.
  if (buffer_ != nullptr && !overrun_) KeepPostedBuffer(std::move(buffer_));
}

absl::Status EnvelopeReceive::Complete(int code, absl::string_view call) {
  done_ = true;
  if (ABSL_PREDICT_TRUE(
          ArrivedIntact(*buffer_, code, status_, received_bytes_))) {
    return absl::OkStatus();
  }
  absl::StatusOr<size_t> bytes =
      PostedArrival(*buffer_, code, status_, call, overrun_);
  if (bytes.ok()) {
    received_bytes_ = *bytes;
  } else {
    error_ = bytes.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> EnvelopeReceive::Test() {
  if (done_) return true;
  int flag = 0;
  const int code = MPI_Test(&request_, &flag, &status_);
  if (code == MPI_SUCCESS && !flag) return false;
  PKL5_RETURN_IF_ERROR(Complete(code, "MPI_Test"));
  return true;
}

absl::Status EnvelopeReceive::Wait() {
  if (done_) return absl::OkStatus();
  return Complete(MPI_Wait(&request_, &status_), "MPI_Wait");
}

absl::StatusOr<bool> EnvelopeReceive::Cancel() {
  if (done_) return cancelled_;
  PKL5_RETURN_IF_ERROR(
      base_internal::MpiCallStatus(MPI_Cancel(&request_), "MPI_Cancel"));
  PKL5_RETURN_IF_ERROR(Wait());
  int flag = 0;
  MPI_Test_cancelled(&status_, &flag);
  cancelled_ = flag != 0;
  if (cancelled_ && status_.MPI_SOURCE >= 0 && BufferWritten()) {
    // Open MPI 4.1.4 under MPI_THREAD_MULTIPLE sometimes reports a receive
    // cancelled that had taken a message: its bytes are in the buffer
    // (zeroed when posted), its source and tag in the status, its count
    // 0 (raw MPI, 6 threads x 3 ranks: 1 in 200,000 cancels). Deliver it
    // rather than lose it.
    cancelled_ = false;
    received_bytes_ = EnvelopeLength(buffer_->view(buffer_->envelope_bytes),
                                     channel_->options().envelope_bytes);
  }
  return cancelled_;
}

bool EnvelopeReceive::BufferWritten() const {
  for (size_t i = 0; i < kEnvelopePrefixBytes; ++i) {
    if (buffer_->envelope[i] != '\0') return true;
  }
  return false;
}

absl::Status EnvelopeReceive::TakeArrival(Arrival& arrival) {
  if (!done_ || cancelled_ || taken_ || proc_null_) {
    PKL5_ASSIGN_OR_RETURN(IncomingMessage message, TakeMessage());
    arrival.object = std::make_unique<IncomingMessage>(std::move(message));
    return absl::OkStatus();
  }
  taken_ = true;
  PKL5_RETURN_IF_ERROR(error_);
  return ArrivalOf(*channel_, buffer_->view(received_bytes_),
                   status_.MPI_SOURCE, status_.MPI_TAG, arrival);
}

absl::StatusOr<std::unique_ptr<ReceivedObject>> EnvelopeReceive::TakeObject() {
  PKL5_ASSIGN_OR_RETURN(IncomingMessage message, TakeMessage());
  return std::unique_ptr<ReceivedObject>(
      std::make_unique<IncomingMessage>(std::move(message)));
}

absl::StatusOr<IncomingMessage> EnvelopeReceive::TakeMessage() {
  if (!done_ || cancelled_ || taken_) {
    return TakeTooEarlyOrTwice(done_, cancelled_);
  }
  taken_ = true;
  if (proc_null_) return IncomingMessage::Null();
  PKL5_RETURN_IF_ERROR(error_);
  return IncomingMessage::FromEnvelope(
      *channel_, std::string(buffer_->view(received_bytes_)),
      status_.MPI_SOURCE, status_.MPI_TAG);
}

namespace {

// Envelope strings of destroyed probed receives, kept by the thread for
// its next ones (their capacity: an irecv allocates nothing).
constexpr size_t kSpareEnvelopes = 8;
thread_local std::vector<std::string> spare_envelopes;

}  // namespace

absl::StatusOr<std::unique_ptr<ProbedReceive>> ProbedReceive::Start(
    Channel& channel, int source, int tag) {
  PKL5_RETURN_IF_ERROR(channel.addresses().CheckReceive(source, tag));
  std::unique_ptr<ProbedReceive> receive(new ProbedReceive(channel));
  if (source == MPI_PROC_NULL) {
    receive->proc_null_ = true;
    receive->done_ = true;
    return receive;
  }
  if (!spare_envelopes.empty()) {
    receive->slot_.envelope = std::move(spare_envelopes.back());
    spare_envelopes.pop_back();
  }
  receive->slot_.source = source;
  receive->slot_.tag = tag;
  channel.probed_receives().Add(receive->slot_);
  return receive;
}

ProbedReceive::~ProbedReceive() {
  const bool was_pending =
      !proc_null_ && !done_ && channel_->probed_receives().Remove(slot_);
  const bool matched = !proc_null_ && !cancelled_ && !was_pending;
  // Matched, never taken: its parts are received and dropped, so the
  // channel stays in order (after MPI_Finalize no MPI call is allowed).
  if (matched && !taken_ && slot_.error.ok() &&
      !base_internal::MpiFinalized()) {
    absl::StatusOr<IncomingMessage> message = IncomingMessage::FromEnvelope(
        *channel_, slot_.envelope, slot_.matched_source, slot_.matched_tag);
    if (message.ok()) (void)message->Drain();
  }
  if (spare_envelopes.size() < kSpareEnvelopes) {
    spare_envelopes.push_back(std::move(slot_.envelope));
  }
}

absl::StatusOr<bool> ProbedReceive::Test() {
  if (done_) return true;
  Channel& channel = *channel_;
  const int source = slot_.source;
  const int tag = slot_.tag;
  PKL5_ASSIGN_OR_RETURN(
      done_, channel.probed_receives().TakeFor(
                 slot_,
                 [&](std::string& envelope, absl::Status& error, int& from,
                     int& with_tag) -> absl::StatusOr<bool> {
                   MPI_Message message = MPI_MESSAGE_NULL;
                   MPI_Status status;
                   int found = 0;
                   PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
                       MPI_Improbe(source, tag, channel.comm(), &found,
                                   &message, &status),
                       "MPI_Improbe"));
                   if (!found) return false;
                   error = ReceiveMatched(channel, message, status, envelope);
                   if (!error.ok()) envelope.clear();
                   from = status.MPI_SOURCE;
                   with_tag = status.MPI_TAG;
                   return true;
                 }));
  return done_;
}

absl::Status ProbedReceive::Wait() {
  while (true) {
    PKL5_ASSIGN_OR_RETURN(const bool matched, Test());
    if (matched) return absl::OkStatus();
  }
}

absl::StatusOr<bool> ProbedReceive::Cancel() {
  if (done_) return cancelled_;
  done_ = true;
  // Not in the list: another receive handed it a message first.
  cancelled_ = channel_->probed_receives().Remove(slot_);
  return cancelled_;
}

absl::Status ProbedReceive::Take() {
  if (!done_ || cancelled_ || taken_) {
    return TakeTooEarlyOrTwice(done_, cancelled_);
  }
  taken_ = true;
  return absl::OkStatus();
}

absl::Status ProbedReceive::TakeArrival(Arrival& arrival) {
  PKL5_RETURN_IF_ERROR(Take());
  if (proc_null_) {
    arrival.object = std::make_unique<IncomingMessage>(IncomingMessage::Null());
    return absl::OkStatus();
  }
  PKL5_RETURN_IF_ERROR(slot_.error);
  return ArrivalOf(*channel_, slot_.envelope, slot_.matched_source,
                   slot_.matched_tag, arrival);
}

absl::StatusOr<std::unique_ptr<ReceivedObject>> ProbedReceive::TakeObject() {
  PKL5_RETURN_IF_ERROR(Take());
  if (proc_null_) {
    return std::unique_ptr<ReceivedObject>(
        std::make_unique<IncomingMessage>(IncomingMessage::Null()));
  }
  PKL5_RETURN_IF_ERROR(slot_.error);
  PKL5_ASSIGN_OR_RETURN(
      IncomingMessage message,
      IncomingMessage::FromEnvelope(*channel_, slot_.envelope,
                                    slot_.matched_source, slot_.matched_tag));
  return std::unique_ptr<ReceivedObject>(
      std::make_unique<IncomingMessage>(std::move(message)));
}

}  // namespace pkl5::transport_internal
