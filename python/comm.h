// Exchange objects with Python ranks running mpi4py.util.pkl5, unchanged,
// in the same MPI job (`mpirun -np 4 ./sim : -np 1 python3 train.py`).
//
//   // C++ rank                              # Python rank
//   auto comm = pkl5::python::Intracomm::    comm = pkl5.Intracomm(
//       Create(MPI_COMM_WORLD);                  MPI.COMM_WORLD)
//   comm->send(std::vector<float>(n), 1);    field = comm.recv(source=0)
//                                            # a numpy float32 array
//   auto reply = comm->recv<Result>(1);      comm.send({"loss": ...}, 0)
//
// It speaks mpi4py's pkl5 wire (python/internal/wire.h) with Python's
// pickle protocol 5 (python/pickle.h; the types and how they map are in
// python/pickle_codecs.h): arrays travel zero copy as out-of-band buffers,
// of any size. It is a communicator of its own, not pkl5::Intracomm: the
// two wires cannot share a tag (the C++ wire's envelope is not mpi4py's
// header), but they can share an MPI communicator on different tags.
//
// Semantics as mpi4py's pkl5: sends default to tag 0, receives to
// MPI_ANY_SOURCE / MPI_ANY_TAG; MPI_PROC_NULL completes at once. What
// mpi4py offers besides (bsend, ibsend: they need the user's attached
// buffer) and gather/scatter/allgather/alltoall (4.x only; 3.1 pickles
// them in band) are not here; neither are intercommunicators.
//
// Errors are statuses, and leave the communicator usable: a bad rank, tag
// or root is kInvalidArgument before any MPI call; an object of another
// type is kInvalidArgument naming where and both types, its remaining
// messages received and dropped; a message that cannot be an mpi4py
// header, or pieces of other lengths than their header says, kDataLoss
// (received and dropped); an object over max_object_bytes
// kResourceExhausted. An MPI failure goes to the communicator's error
// handler, which pkl5 leaves as it is (MPI_ERRORS_ARE_FATAL aborts).
//
// Threads: with MPI_THREAD_MULTIPLE any threads may send and receive at
// once; the messages of one object stay together (one send and one match
// lock per MPI communicator, shared by all its wrappers).
#ifndef PKL5_PYTHON_COMM_H_
#define PKL5_PYTHON_COMM_H_

// clang-format off
#include "pkl5/base/config.h"  // first: the C++17 check
// clang-format on

#include <mpi.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/comm/internal/comm_access.h"
#include "pkl5/comm/request.h"
#include "pkl5/comm/status.h"
#include "pkl5/python/internal/requests.h"
#include "pkl5/python/internal/wire.h"
#include "pkl5/python/pickle.h"
#include "pkl5/transport/address_rules.h"
#include "pkl5/transport/options.h"

namespace pkl5::python {

struct CommOptions {
  // The out-of-band threshold of what this rank sends, and the cap on
  // what it receives.
  PickleOptions pickle;
  // Out-of-band buffers one received object may have.
  size_t max_pieces = size_t{1} << 20;
  // How long a receive waits for the rest of an object once it has its
  // header (a foreign message taken for a header announces messages that
  // never come); infinite by default.
  absl::Duration part_timeout = absl::InfiniteDuration();
  // Pieces larger go as one element of a derived datatype (tests shrink
  // it to drive that path with small data).
  size_t block_bytes = kDefaultBlockBytes;
};

class Intracomm;

// An object matched by mprobe, to be received once.
class Message {
 public:
  Message() = default;
  bool is_null() const { return object_ == nullptr; }
  explicit operator bool() const { return !is_null(); }

  template <typename T>
  absl::StatusOr<T> recv(Status* status = nullptr) {
    T object{};
    PKL5_RETURN_IF_ERROR(recv_into(object, status));
    return object;
  }
  template <typename T>
  absl::Status recv_into(T& object, Status* status = nullptr);
  // The stream is received at once (it is matched, and needed to know
  // where the buffers go); the out-of-band buffers land in the request's
  // object while the caller works.
  template <typename T>
  absl::StatusOr<RecvRequest<T>> irecv();

 private:
  friend class Intracomm;
  struct Matched {
    python_internal::MatchedObject object;
    CommOptions options;
    // The object's messages not received yet are drained.
    ~Matched();
  };
  explicit Message(std::unique_ptr<Matched> matched)
      : object_(std::move(matched)) {}
  absl::StatusOr<std::unique_ptr<Matched>> Take();
  std::unique_ptr<Matched> object_;
};

class Intracomm {
 public:
  Intracomm() = default;

  // Wraps `comm` (not collective, as mpi4py's pkl5.Intracomm(comm) is not:
  // no duplicate, the Python ranks see the same communicator). `comm`
  // must outlive it. kInvalidArgument on an intercommunicator;
  // kFailedPrecondition before MPI_Init or after MPI_Finalize.
  static absl::StatusOr<Intracomm> Create(MPI_Comm comm,
                                          const CommOptions& options = {});

  bool is_null() const { return comm_ == MPI_COMM_NULL; }
  MPI_Comm mpi_comm() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return rules_.peer_count; }

  template <typename T>
  absl::Status send(const T& object, int dest, int tag = 0) {
    return SendBlocking(object, dest, tag,
                        python_internal::SendMode::kStandard);
  }
  template <typename T>
  absl::Status ssend(const T& object, int dest, int tag = 0) {
    return SendBlocking(object, dest, tag,
                        python_internal::SendMode::kSynchronous);
  }
  // An rvalue is moved into the request; an lvalue is borrowed (its arrays
  // are sent from where they are) and must stay unchanged until the
  // request completes.
  template <typename T>
  absl::StatusOr<Request> isend(T&& object, int dest, int tag = 0) {
    return StartSend(std::forward<T>(object), dest, tag,
                     python_internal::SendMode::kStandard);
  }
  template <typename T>
  absl::StatusOr<Request> issend(T&& object, int dest, int tag = 0) {
    return StartSend(std::forward<T>(object), dest, tag,
                     python_internal::SendMode::kSynchronous);
  }

  template <typename T>
  absl::StatusOr<T> recv(int source = MPI_ANY_SOURCE, int tag = MPI_ANY_TAG,
                         Status* status = nullptr) {
    T object{};
    PKL5_RETURN_IF_ERROR(recv_into(object, source, tag, status));
    return object;
  }
  // Receives into `object`; out-of-band arrays land straight in it.
  template <typename T>
  absl::Status recv_into(T& object, int source = MPI_ANY_SOURCE,
                         int tag = MPI_ANY_TAG, Status* status = nullptr) {
    PKL5_ASSIGN_OR_RETURN(Message message, mprobe(source, tag, status));
    return message.recv_into(object);
  }

  template <typename R, typename S>
  absl::StatusOr<R> sendrecv(const S& send_object, int dest, int sendtag = 0,
                             int source = MPI_ANY_SOURCE,
                             int recvtag = MPI_ANY_TAG,
                             Status* status = nullptr) {
    PKL5_ASSIGN_OR_RETURN(Request sent, isend(send_object, dest, sendtag));
    absl::StatusOr<R> received = recv<R>(source, recvtag, status);
    absl::Status send_status = sent.wait();
    PKL5_RETURN_IF_ERROR(received.status());
    PKL5_RETURN_IF_ERROR(send_status);
    return received;
  }

  // Matched probes: the next object's messages, taken off the
  // communicator. `status` gets the source, tag and total bytes.
  absl::StatusOr<Message> mprobe(int source = MPI_ANY_SOURCE,
                                 int tag = MPI_ANY_TAG,
                                 Status* status = nullptr);
  absl::StatusOr<std::optional<Message>> improbe(int source = MPI_ANY_SOURCE,
                                                 int tag = MPI_ANY_TAG,
                                                 Status* status = nullptr);

  // mpi4py's pkl5 bcast, in place: `root` sends `object`, every other rank
  // receives into it (collective: Python ranks call comm.bcast(obj, root)).
  // A root whose object cannot be pickled sends Python a ValueError
  // instead, so no rank waits forever; C++ ranks then return
  // kInvalidArgument with the root's reason.
  template <typename T>
  absl::Status bcast(T& object, int root = 0);

 private:
  template <typename T>
  static absl::StatusOr<python_internal::Outgoing> Pickle(
      const T& object, const PickleOptions& options) {
    PKL5_ASSIGN_OR_RETURN(Pickled pickled, Dumps(object, options));
    return OutgoingOf(std::move(pickled));
  }
  static python_internal::Outgoing OutgoingOf(Pickled pickled);
  absl::Status CheckSend(int dest, int tag) const;
  absl::StatusOr<std::optional<Message>> MatchMessage(int source, int tag,
                                                      Status* status,
                                                      bool block);

  template <typename T>
  absl::Status SendBlocking(const T& object, int dest, int tag,
                            python_internal::SendMode mode) {
    PKL5_RETURN_IF_ERROR(CheckSend(dest, tag));
    if (dest == MPI_PROC_NULL) return absl::OkStatus();
    PKL5_ASSIGN_OR_RETURN(python_internal::Outgoing outgoing,
                          Pickle(object, options_.pickle));
    python_internal::MpiRequests requests;
    PKL5_RETURN_IF_ERROR(
        python_internal::PostSends(comm_, *locks_, outgoing, dest, tag, mode,
                                   options_.block_bytes, requests.requests()));
    return requests.Wait();
  }

  template <typename T>
  absl::StatusOr<Request> StartSend(T&& object, int dest, int tag,
                                    python_internal::SendMode mode) {
    PKL5_RETURN_IF_ERROR(CheckSend(dest, tag));
    using Value = std::decay_t<T>;
    std::shared_ptr<const Value> owner;
    const Value* value = &object;
    if constexpr (!std::is_lvalue_reference_v<T>) {
      owner = std::make_shared<const Value>(std::move(object));
      value = owner.get();
    }
    python_internal::Outgoing outgoing;
    if (dest != MPI_PROC_NULL) {
      PKL5_ASSIGN_OR_RETURN(outgoing, Pickle(*value, options_.pickle));
    }
    auto state = std::make_unique<python_internal::SendState>(
        std::move(owner), std::move(outgoing));
    if (dest != MPI_PROC_NULL) {
      PKL5_RETURN_IF_ERROR(python_internal::PostSends(
          comm_, *locks_, state->outgoing(), dest, tag, mode,
          options_.block_bytes, state->requests()));
    }
    return comm_internal::CommAccess::MakeRequest(std::move(state));
  }

  // bcast's non-template half: the root's header (or a ValueError's) and
  // stream to every rank; the others get the header and stream.
  absl::Status BcastHead(std::vector<long long>& header, std::string& stream,
                         int root, bool root_failed);
  absl::Status BcastBuffers(
      const std::vector<python_internal::MutableSegments>& destinations,
      const std::vector<uint64_t>& sizes, int root);

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  AddressRules rules_;
  CommOptions options_;
  std::shared_ptr<python_internal::CommLocks> locks_;
};

// ---- Templates -----------------------------------------------------------

template <typename T>
absl::Status Message::recv_into(T& object, Status* status) {
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<Matched> matched, Take());
  python_internal::MatchedObject& m = matched->object;
  if (status != nullptr) {
    *status = Status{m.source, m.tag, MPI_SUCCESS, m.total_bytes(), false};
  }
  if (m.pieces.empty()) return absl::OkStatus();  // MPI_PROC_NULL
  const size_t block_bytes = matched->options.block_bytes;
  PKL5_ASSIGN_OR_RETURN(std::string stream,
                        python_internal::ReceiveStream(m, block_bytes));
  std::vector<uint64_t> sizes(m.sizes.begin() + 1, m.sizes.end());
  absl::StatusOr<std::unique_ptr<PendingLoad<T>>> load = PendingLoad<T>::Start(
      std::move(stream), std::move(sizes), object, matched->options.pickle);
  if (!load.ok()) return python_internal::Drain(m, load.status());
  PKL5_RETURN_IF_ERROR(python_internal::ReceiveBuffers(
      m, (*load)->destinations(), block_bytes, nullptr));
  (*load)->Finish();
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<RecvRequest<T>> Message::irecv() {
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<Matched> matched, Take());
  python_internal::MatchedObject& m = matched->object;
  auto state = std::make_unique<python_internal::ReceiveState<T>>();
  const Status status{m.source, m.tag, MPI_SUCCESS, m.total_bytes(), false};
  if (m.pieces.empty()) {  // MPI_PROC_NULL
    state->Expect(nullptr, status);
    return comm_internal::CommAccess::MakeRecvRequest<T>(std::move(state));
  }
  const size_t block_bytes = matched->options.block_bytes;
  PKL5_ASSIGN_OR_RETURN(std::string stream,
                        python_internal::ReceiveStream(m, block_bytes));
  std::vector<uint64_t> sizes(m.sizes.begin() + 1, m.sizes.end());
  absl::StatusOr<std::unique_ptr<PendingLoad<T>>> load =
      PendingLoad<T>::Start(std::move(stream), std::move(sizes),
                            state->object(), matched->options.pickle);
  if (!load.ok()) return python_internal::Drain(m, load.status());
  PKL5_RETURN_IF_ERROR(python_internal::ReceiveBuffers(
      m, (*load)->destinations(), block_bytes, &state->requests()));
  state->Expect(std::move(*load), status);
  return comm_internal::CommAccess::MakeRecvRequest<T>(std::move(state));
}

template <typename T>
absl::Status Intracomm::bcast(T& object, int root) {
  if (is_null()) return absl::FailedPreconditionError("a null communicator");
  if (root < 0 || root >= size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bcast root ", root, " is not a rank of this communicator (0..",
        size() - 1, ")"));
  }
  std::vector<long long> header;
  std::string stream;
  python_internal::Outgoing outgoing;
  absl::Status failed;
  if (rank_ == root) {
    absl::StatusOr<python_internal::Outgoing> pickled =
        Pickle(object, options_.pickle);
    if (pickled.ok()) {
      outgoing = std::move(*pickled);
      header = outgoing.header;
      stream = outgoing.stream;
    } else {
      failed = pickled.status();
      stream = std::string(failed.message());
    }
  }
  PKL5_RETURN_IF_ERROR(BcastHead(header, stream, root, !failed.ok()));
  if (!failed.ok()) return failed;
  std::vector<uint64_t> sizes(header.begin() + 1, header.end());
  if (rank_ == root) {
    std::vector<python_internal::MutableSegments> from;
    for (const python_internal::Segments& buffer : outgoing.buffers) {
      python_internal::MutableSegments& segments = from.emplace_back();
      for (const python_internal::Segment& s : buffer) {
        segments.push_back({const_cast<void*>(s.data), s.bytes});
      }
    }
    return BcastBuffers(from, sizes, root);
  }
  absl::StatusOr<std::unique_ptr<PendingLoad<T>>> load =
      PendingLoad<T>::Start(std::move(stream), sizes, object, options_.pickle);
  if (!load.ok()) {
    // Still take part in every broadcast of the buffers.
    PKL5_RETURN_IF_ERROR(BcastBuffers({}, sizes, root));
    return load.status();
  }
  PKL5_RETURN_IF_ERROR(BcastBuffers((*load)->destinations(), sizes, root));
  (*load)->Finish();
  return absl::OkStatus();
}

}  // namespace pkl5::python

#endif  // PKL5_PYTHON_COMM_H_
