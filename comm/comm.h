// The point-to-point API of pkl5: mpi4py.util.pkl5's Comm in C++.
//
//   absl::StatusOr<pkl5::Intracomm> comm = pkl5::Intracomm::Create(
//       MPI_COMM_WORLD);                                  // collective
//   if (comm->rank() == 0) {
//     absl::Status sent = comm->send(sample, /*dest=*/1);
//   } else if (comm->rank() == 1) {
//     absl::StatusOr<Sample> sample = comm->recv<Sample>(/*source=*/0);
//   }
//
// Any type the serialization layer supports travels with one call; arrays
// of at least CommOptions::encode.out_of_band_threshold bytes go zero-copy
// from the sender's object into the receiver's, at any size.
//
// Semantics follow mpi4py.util.pkl5 and MPI: sends default to tag 0,
// receives and probes to MPI_ANY_SOURCE and MPI_ANY_TAG; MPI_PROC_NULL as
// destination completes at once and sends nothing (the object is not even
// encoded); as source it completes at once with Status::source
// MPI_PROC_NULL and a value-initialized object (`recv`) or the object left
// as it is (`recv_into`). On an intercommunicator ranks name the remote
// group. Every call returns an error as absl::Status: a bad rank or tag is
// kInvalidArgument; a received object of another type is kInvalidArgument
// naming both types; foreign or corrupt bytes are kDataLoss; an object
// over CommOptions::decode.max_object_bytes is kResourceExhausted. A
// rejected object is received and discarded, so the communicator stays
// usable and the next object arrives intact.
//
// Threads: with MPI_THREAD_MULTIPLE, any number of threads may send and
// receive on one communicator at once, with no lock shared between them.
//
// Ordering: objects from one sender with one tag arrive in the order sent
// (MPI's non-overtaking rule), whatever mix of recv, irecv and mprobe takes
// them.
#ifndef PKL5_COMM_COMM_H_
#define PKL5_COMM_COMM_H_

// clang-format off
#include "pkl5/base/config.h"  // first: the C++17 check
// clang-format on

#include <mpi.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/comm/internal/comm_state.h"
#include "pkl5/comm/internal/receive_object.h"
#include "pkl5/comm/internal/request_state.h"
#include "pkl5/comm/message.h"
#include "pkl5/comm/options.h"
#include "pkl5/comm/request.h"
#include "pkl5/comm/status.h"
#include "pkl5/serialization/serialization.h"
#include "pkl5/transport/transport.h"

namespace pkl5 {
namespace comm_internal {
struct CommAccess;
}  // namespace comm_internal

class Comm {
 public:
  // A null communicator: every call on it is kFailedPrecondition.
  Comm() = default;
  Comm(Comm&&) noexcept = default;
  Comm& operator=(Comm&&) noexcept = default;
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;
  virtual ~Comm() = default;

  bool is_null() const { return Current() == nullptr; }
  // The wrapped communicator (MPI_COMM_NULL over a non-MPI transport).
  MPI_Comm mpi_comm() const;
  int rank() const;
  // The size of the local group.
  int size() const;
  // Ranks a send may address: size(), or the remote group's size on an
  // intercommunicator (0 when null).
  int peer_count() const;
  bool is_inter() const;
  // A copy: another thread may free the handle meanwhile.
  CommOptions options() const;
  // Releases this handle (it becomes null). Safe at any time before
  // MPI_Finalize, from any thread, even while other threads are in calls on
  // it: those, and requests and messages still pending, keep the private
  // channel alive until they complete.
  void free() { state_.Reset(); }

  // Blocking sends in standard, buffered and synchronous mode. `bsend`
  // copies the object into room reserved from
  // CommOptions::transport.buffered_send_capacity (pkl5's attached buffer)
  // and fails with kResourceExhausted, sending nothing, when it is full.
  template <typename T>
  absl::Status send(const T& object, int dest, int tag = 0) {
    return SendBlocking(object, dest, tag, SendMode::kStandard);
  }
  template <typename T>
  absl::Status bsend(const T& object, int dest, int tag = 0) {
    return SendBlocking(object, dest, tag, SendMode::kBuffered);
  }
  template <typename T>
  absl::Status ssend(const T& object, int dest, int tag = 0) {
    return SendBlocking(object, dest, tag, SendMode::kSynchronous);
  }

  // Nonblocking sends. An rvalue is moved into the request and kept until
  // it completes; an lvalue is borrowed (zero copy) and must stay alive and
  // unmodified until the request completes.
  template <typename T>
  absl::StatusOr<Request> isend(T&& object, int dest, int tag = 0) {
    return StartSend(std::forward<T>(object), dest, tag, SendMode::kStandard);
  }
  template <typename T>
  absl::StatusOr<Request> ibsend(T&& object, int dest, int tag = 0) {
    return StartSend(std::forward<T>(object), dest, tag, SendMode::kBuffered);
  }
  template <typename T>
  absl::StatusOr<Request> issend(T&& object, int dest, int tag = 0) {
    return StartSend(std::forward<T>(object), dest, tag,
                     SendMode::kSynchronous);
  }

  // Receives the next object from `source` with `tag` as a `T` (its
  // envelope in one MPI receive, its parts on the private channel, so no
  // other thread's receive can interleave).
  template <typename T>
  absl::StatusOr<T> recv(int source = MPI_ANY_SOURCE, int tag = MPI_ANY_TAG,
                         Status* status = nullptr) {
    T object{};
    PKL5_RETURN_IF_ERROR(recv_into(object, source, tag, status));
    return object;
  }
  // Receives into `object`, reusing its storage where sizes allow: the C++
  // answer to mpi4py's `recv(buf)`. See Message::recv_into.
  template <typename T>
  absl::Status recv_into(T& object, int source = MPI_ANY_SOURCE,
                         int tag = MPI_ANY_TAG, Status* status = nullptr) {
    comm_internal::CallState state;
    PKL5_RETURN_IF_ERROR(StateForCall(state));
    comm_internal::ObjectTarget<T> target(object);
    Arrival arrival;
    PKL5_RETURN_IF_ERROR(Arrive(*state, source, tag, arrival));
    if (arrival.object != nullptr) {
      return ReceiveRest(*state, *arrival.object, target, status);
    }
    // Arrived whole in its envelope: decoded where it arrived, with nothing
    // allocated (inline, as a small object's receive is all this).
    if (status != nullptr) *status = comm_internal::StatusOf(arrival.whole);
    return comm_internal::DecodeWhole(arrival.whole, target,
                                      state->options.decode);
  }
  // Posts a receive of a `T` now: it matches in MPI order with other
  // receives and can be cancelled until it matches (mpi4py's pkl5 cannot
  // do this; pkl5's bounded envelope makes it possible). The object's parts
  // are received when a test or wait on the request sees its envelope
  // (Request::waitall polls every request it is given).
  template <typename T>
  absl::StatusOr<RecvRequest<T>> irecv(int source = MPI_ANY_SOURCE,
                                       int tag = MPI_ANY_TAG) {
    PKL5_ASSIGN_OR_RETURN(std::shared_ptr<comm_internal::CommState> state,
                          State());
    PKL5_ASSIGN_OR_RETURN(std::unique_ptr<PendingReceive> posted,
                          state->transport->StartReceive(source, tag));
    return RecvRequest<T>(comm_internal::ReceiveState<T>::Posted(
        std::move(state), std::move(posted)));
  }

  // irecv into `object`, reusing its storage where sizes allow (as
  // recv_into does): `object` must stay alive, and not be touched, until
  // the request completed (Request::wait, test, waitall, waitany...),
  // which then leaves the request null: the object is in place. On error
  // `object` is valid but unspecified.
  template <typename T>
  absl::StatusOr<Request> irecv_into(T& object, int source = MPI_ANY_SOURCE,
                                     int tag = MPI_ANY_TAG) {
    PKL5_ASSIGN_OR_RETURN(std::shared_ptr<comm_internal::CommState> state,
                          State());
    PKL5_ASSIGN_OR_RETURN(std::unique_ptr<PendingReceive> posted,
                          state->transport->StartReceive(source, tag));
    return Request(comm_internal::ReceiveState<T, /*kIntoCaller=*/true>::Posted(
        std::move(state), std::move(posted), &object));
  }

  // Sends `send_object` to `dest` and receives a `R` from `source`; the
  // send is nonblocking, so exchanging with oneself or in a ring is safe.
  template <typename R, typename S>
  absl::StatusOr<R> sendrecv(const S& send_object, int dest, int sendtag = 0,
                             int source = MPI_ANY_SOURCE,
                             int recvtag = MPI_ANY_TAG,
                             Status* status = nullptr) {
    R object{};
    PKL5_RETURN_IF_ERROR(sendrecv_into(send_object, dest, object, source,
                                       sendtag, recvtag, status));
    return object;
  }

  // sendrecv into `recv_object`, reusing its storage (see recv_into).
  template <typename S, typename R>
  absl::Status sendrecv_into(const S& send_object, int dest, R& recv_object,
                             int source = MPI_ANY_SOURCE, int sendtag = 0,
                             int recvtag = MPI_ANY_TAG,
                             Status* status = nullptr) {
    PKL5_ASSIGN_OR_RETURN(Request sent, isend(send_object, dest, sendtag));
    absl::Status received = recv_into(recv_object, source, recvtag, status);
    absl::Status send_status = sent.wait();
    PKL5_RETURN_IF_ERROR(received);
    return send_status;
  }

  // Matched probes (MPI 3.1 §3.8.2): take the next object from `source`
  // with `tag` off the communicator, to be received through the Message.
  // `status` gets the source, tag and size of the object. `improbe` never
  // blocks: std::nullopt when no object is waiting.
  absl::StatusOr<Message> mprobe(int source = MPI_ANY_SOURCE,
                                 int tag = MPI_ANY_TAG,
                                 Status* status = nullptr);
  absl::StatusOr<std::optional<Message>> improbe(int source = MPI_ANY_SOURCE,
                                                 int tag = MPI_ANY_TAG,
                                                 Status* status = nullptr);
  // Non-matching probes: wait for (or check for) an object from `source`
  // with `tag` and report its source and tag, leaving it to be received.
  // Status::count is 0: only the first message has been seen.
  absl::Status probe(int source = MPI_ANY_SOURCE, int tag = MPI_ANY_TAG,
                     Status* status = nullptr);
  absl::StatusOr<bool> iprobe(int source = MPI_ANY_SOURCE,
                              int tag = MPI_ANY_TAG, Status* status = nullptr);

  // Blocks until every rank of the communicator (both groups of an
  // intercommunicator) has called barrier. While it waits it advances
  // this rank's posted receives, as every blocking pkl5 call does, so a
  // peer waiting for their parts cannot deadlock with it.
  absl::Status barrier();

 protected:
  explicit Comm(std::shared_ptr<comm_internal::CommState> state)
      : state_(std::move(state)) {}
  // Builds the state of a communicator over `transport`, called from the
  // threads `threads` allows.
  static std::shared_ptr<comm_internal::CommState> MakeState(
      std::shared_ptr<Transport> transport, MPI_Comm comm,
      const CommOptions& options, comm_internal::ThreadPolicy threads = {});
  // The state, held by the caller for the whole of its call: another
  // thread's free() (or the handle's destruction) only drops the handle's
  // reference, and a call in progress completes on the state it holds.
  absl::StatusOr<std::shared_ptr<comm_internal::CommState>> State() const;
  // State() for the length of one blocking call: borrowed, not counted,
  // below MPI_THREAD_MULTIPLE (comm_internal::CallState). An out-parameter,
  // not a StatusOr: a small object's call pays for every move.
  ABSL_ATTRIBUTE_ALWAYS_INLINE absl::Status StateForCall(
      comm_internal::CallState& call) const {
    state_.ForCall(call);
    if (ABSL_PREDICT_FALSE(call.get() == nullptr)) {
      return NullCommunicatorError();
    }
    return call->threads.CheckCallingThread();
  }
  static absl::Status NullCommunicatorError();
  // The state or nullptr, without the thread check (accessors).
  std::shared_ptr<comm_internal::CommState> Current() const {
    return state_.Load();
  }

 private:
  friend struct comm_internal::CommAccess;
  // probe (block) and iprobe (not): one waits, the other looks once.
  absl::StatusOr<bool> PeekObject(int source, int tag, Status* status,
                                  bool block);
  // The matched probe (mprobe), advancing this rank's posted receives
  // while it waits when there are any.
  static absl::StatusOr<std::unique_ptr<ReceivedObject>> ProbeAdvancing(
      comm_internal::CommState& state, int source, int tag);
  // recv_into's receive: the object that arrived whole, or the one whose
  // pieces follow (advancing posted receives meanwhile when there are any).
  static ABSL_ATTRIBUTE_ALWAYS_INLINE absl::Status Arrive(
      comm_internal::CommState& state, int source, int tag, Arrival& arrival) {
    if (ABSL_PREDICT_FALSE(state.progress.AnyBesides(nullptr))) {
      return ArriveAdvancing(state, source, tag, arrival);
    }
    return state.transport->Receive(source, tag, arrival);
  }
  static absl::Status ArriveAdvancing(comm_internal::CommState& state,
                                      int source, int tag, Arrival& arrival);
  // recv_into of an object whose pieces follow.
  static absl::Status ReceiveRest(comm_internal::CommState& state,
                                  ReceivedObject& object,
                                  comm_internal::DecodeTarget& target,
                                  Status* status);
  template <typename T>
  absl::Status SendBlocking(const T& object, int dest, int tag, SendMode mode) {
    comm_internal::CallState state;
    PKL5_RETURN_IF_ERROR(StateForCall(state));
    // Blocking, so the frame is free again on return: each thread encodes
    // into one frame, and a small object's send allocates nothing.
    comm_internal::ThreadSendMemory& memory =
        comm_internal::TheThreadSendMemory();
    Frame& frame = memory.frame;
    if (dest != MPI_PROC_NULL && !state->progress.AnyBesides(nullptr)) {
      // An object without out-of-band buffers is encoded behind room for
      // the transport's envelope head and sent from there, copied once.
      std::string& bytes = memory.bytes;
      const std::optional<CompactFrame> compact = EncodeCompact(
          object, kSendHeadroomBytes, bytes, frame, state->options.encode);
      if (compact.has_value()) {
        return SendCompact(*state, *compact, bytes, dest, tag, mode);
      }
    } else if (dest != MPI_PROC_NULL) {
      EncodeInto(object, frame, state->options.encode);
    }
    return SendFrame(state.Share(), frame, dest, tag, mode);
  }
  // Send memory a thread keeps for its next blocking send.
  static constexpr size_t kKeptSendBytes = size_t{64} << 10;
  // Sends `compact`, which views `bytes` after kSendHeadroomBytes.
  static ABSL_ATTRIBUTE_ALWAYS_INLINE absl::Status SendCompact(
      comm_internal::CommState& state, const CompactFrame& compact,
      std::string& bytes, int dest, int tag, SendMode mode) {
    const ConstPiece pieces[] = {
        {compact.header.data(), compact.header.size()},
        {compact.inband.data(), compact.inband.size()}};
    absl::Status sent =
        state.transport->SendContiguous(pieces, dest, tag, mode);
    // As SendFrame does: the thread keeps small memory for its next send.
    if (ABSL_PREDICT_FALSE(bytes.capacity() > kKeptSendBytes)) {
      bytes = std::string();
    }
    return sent;
  }
  // Sends `frame` and leaves it empty, or its memory reusable when small.
  static absl::Status SendFrame(
      const std::shared_ptr<comm_internal::CommState>& state, Frame& frame,
      int dest, int tag, SendMode mode);

  template <typename T>
  absl::StatusOr<Request> StartSend(T&& object, int dest, int tag,
                                    SendMode mode) {
    PKL5_ASSIGN_OR_RETURN(std::shared_ptr<comm_internal::CommState> state,
                          State());
    using Value = std::decay_t<T>;
    std::shared_ptr<const void> owner;
    Frame frame;
    if (dest != MPI_PROC_NULL) {
      if constexpr (std::is_lvalue_reference_v<T>) {
        frame =
            Encode(static_cast<const Value&>(object), state->options.encode);
      } else {
        auto owned = std::make_shared<const Value>(std::move(object));
        frame = Encode(*owned, state->options.encode);
        owner = std::move(owned);
      }
    }
    PKL5_ASSIGN_OR_RETURN(
        std::unique_ptr<comm_internal::SendState> send,
        comm_internal::SendState::Start(std::move(state), std::move(owner),
                                        std::move(frame), dest, tag, mode));
    return Request(std::move(send));
  }

  comm_internal::StateHandle state_;
};

}  // namespace pkl5

#endif  // PKL5_COMM_COMM_H_
