#include "pkl5/python/comm.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "pkl5/base/mpi_comm.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/comm/internal/thread_policy.h"
#include "pkl5/transport/internal/discard_buffer.h"
#include "pkl5/transport/internal/large_count.h"

namespace pkl5::python {
namespace {

using base_internal::MpiCallStatus;
using python_internal::MatchedObject;
using python_internal::WireLimits;

WireLimits LimitsOf(const CommOptions& options) {
  return WireLimits{options.pickle.max_object_bytes, options.max_pieces,
                    options.part_timeout, options.block_bytes};
}

// MPI_Bcast of `bytes` bytes at `data` (nullptr: into a discard buffer).
absl::Status BcastBytes(void* data, uint64_t bytes, int root, MPI_Comm comm,
                        size_t block_bytes) {
  std::optional<transport_internal::DiscardBuffer> sink;
  if (data == nullptr) {
    absl::StatusOr<transport_internal::DiscardBuffer> made =
        transport_internal::DiscardBuffer::Create(bytes);
    if (!made.ok()) return made.status();
    sink.emplace(std::move(*made));
    data = sink->data();
  }
  PKL5_ASSIGN_OR_RETURN(
      transport_internal::ByteLayout layout,
      transport_internal::ByteLayout::Create(bytes, block_bytes));
  return MpiCallStatus(
      MPI_Bcast(data, layout.count(), layout.type(), root, comm), "MPI_Bcast");
}

}  // namespace

Message::Matched::~Matched() {
  int finalized = 0;
  if (object.next < object.pieces.size() &&
      MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) {
    python_internal::Drain(object, absl::OkStatus()).IgnoreError();
  }
}

absl::StatusOr<std::unique_ptr<Message::Matched>> Message::Take() {
  if (object_ == nullptr) {
    return absl::FailedPreconditionError(
        "the message is null (received already, or never matched)");
  }
  return std::move(object_);
}

absl::StatusOr<Intracomm> Intracomm::Create(MPI_Comm comm,
                                            const CommOptions& options) {
  PKL5_RETURN_IF_ERROR(
      comm_internal::ThreadPolicy::FromMpi("pkl5::python::Intracomm::Create")
          .status());
  if (comm == MPI_COMM_NULL) {
    return absl::InvalidArgumentError("MPI_COMM_NULL cannot be wrapped");
  }
  int inter = 0;
  PKL5_RETURN_IF_ERROR(
      MpiCallStatus(MPI_Comm_test_inter(comm, &inter), "MPI_Comm_test_inter"));
  if (inter) {
    return absl::InvalidArgumentError(
        "pkl5::python::Intracomm wraps intracommunicators only");
  }
  Intracomm made;
  made.comm_ = comm;
  PKL5_RETURN_IF_ERROR(
      MpiCallStatus(MPI_Comm_rank(comm, &made.rank_), "MPI_Comm_rank"));
  PKL5_RETURN_IF_ERROR(MpiCallStatus(
      MPI_Comm_size(comm, &made.rules_.peer_count), "MPI_Comm_size"));
  made.rules_.tag_upper_bound = base_internal::TagUpperBound(comm);
  made.options_ = options;
  PKL5_ASSIGN_OR_RETURN(made.locks_, python_internal::LocksOf(comm));
  return made;
}

python_internal::Outgoing Intracomm::OutgoingOf(Pickled pickled) {
  python_internal::Outgoing outgoing;
  outgoing.header.push_back(static_cast<long long>(pickled.stream.size()));
  for (size_t i = 0; i < pickled.buffers.size(); ++i) {
    outgoing.header.push_back(static_cast<long long>(pickled.buffer_bytes(i)));
  }
  outgoing.stream = std::move(pickled.stream);
  outgoing.buffers = std::move(pickled.buffers);
  // Bytes the buffers view (a std::vector<bool>'s) move with the deque.
  outgoing.kept = std::move(pickled.kept);
  return outgoing;
}

absl::Status Intracomm::CheckSend(int dest, int tag) const {
  if (is_null()) return absl::FailedPreconditionError("a null communicator");
  return rules_.CheckSend(dest, tag);
}

absl::StatusOr<Message> Intracomm::mprobe(int source, int tag, Status* status) {
  PKL5_ASSIGN_OR_RETURN(std::optional<Message> message,
                        MatchMessage(source, tag, status, /*block=*/true));
  // A blocking match always holds a message; saying so also spares GCC 12
  // a false -Wmaybe-uninitialized on the move at -O2.
  if (!message.has_value()) {
    return absl::InternalError("mprobe: a blocking match returned no message");
  }
  return std::move(*message);
}

absl::StatusOr<std::optional<Message>> Intracomm::improbe(int source, int tag,
                                                          Status* status) {
  return MatchMessage(source, tag, status, /*block=*/false);
}

absl::StatusOr<std::optional<Message>> Intracomm::MatchMessage(int source,
                                                               int tag,
                                                               Status* status,
                                                               bool block) {
  if (is_null()) return absl::FailedPreconditionError("a null communicator");
  PKL5_RETURN_IF_ERROR(rules_.CheckReceive(source, tag));
  PKL5_ASSIGN_OR_RETURN(
      std::optional<MatchedObject> matched,
      python_internal::MatchObject(comm_, *locks_, source, tag, block,
                                   LimitsOf(options_)));
  if (!matched.has_value()) return std::nullopt;
  if (status != nullptr) {
    *status = Status{matched->source, matched->tag, MPI_SUCCESS,
                     matched->total_bytes(), false};
  }
  auto held = std::make_unique<Message::Matched>();
  held->object = std::move(*matched);
  held->options = options_;
  return Message(std::move(held));
}

absl::Status Intracomm::BcastHead(std::vector<long long>& header,
                                  std::string& stream, int root,
                                  bool root_failed) {
  const bool is_root = rank_ == root;
  if (is_root && root_failed) {
    python_internal::PickleWriter writer(0);
    writer.ValueError(absl::StrCat("pkl5 bcast root ", root,
                                   " could not pickle its object: ", stream));
    stream = writer.Finish();
    header = {static_cast<long long>(stream.size())};
  }
  long long count = static_cast<long long>(header.size());
  PKL5_RETURN_IF_ERROR(MpiCallStatus(
      MPI_Bcast(&count, 1, MPI_LONG_LONG, root, comm_), "MPI_Bcast"));
  if (!is_root) {
    if (count < 1 || static_cast<uint64_t>(count) - 1 > options_.max_pieces) {
      return absl::DataLossError(
          absl::StrCat("bcast root ", root, " announced ", count,
                       " header entries (1 to max_pieces + 1 expected): not "
                       "mpi4py's pkl5?"));
    }
    header.assign(static_cast<size_t>(count), 0);
  }
  PKL5_RETURN_IF_ERROR(
      MpiCallStatus(MPI_Bcast(header.data(), static_cast<int>(count),
                              MPI_LONG_LONG, root, comm_),
                    "MPI_Bcast"));
  uint64_t total = 0;
  bool negative = false;
  for (long long length : header) {
    negative = negative || length < 0;
    total += length < 0 ? 0 : static_cast<uint64_t>(length);
  }
  if (!is_root && negative) {
    return absl::DataLossError(
        absl::StrCat("bcast root ", root, " sent a negative length"));
  }
  if (!is_root && total > options_.pickle.max_object_bytes) {
    // Take part in every broadcast, keeping nothing.
    for (long long length : header) {
      PKL5_RETURN_IF_ERROR(BcastBytes(nullptr, static_cast<uint64_t>(length),
                                      root, comm_, options_.block_bytes));
    }
    return absl::ResourceExhaustedError(absl::StrCat(
        "the object bcast root ", root, " sent has ", total,
        " bytes, over max_object_bytes (", options_.pickle.max_object_bytes,
        "); it was received and dropped"));
  }
  if (!is_root) stream.assign(static_cast<size_t>(header[0]), '\0');
  return BcastBytes(stream.data(), stream.size(), root, comm_,
                    options_.block_bytes);
}

absl::Status Intracomm::BcastBuffers(
    const std::vector<python_internal::MutableSegments>& destinations,
    const std::vector<uint64_t>& sizes, int root) {
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i >= destinations.size() || destinations[i].empty()) {
      PKL5_RETURN_IF_ERROR(
          BcastBytes(nullptr, sizes[i], root, comm_, options_.block_bytes));
      continue;
    }
    PKL5_ASSIGN_OR_RETURN(python_internal::SegmentsType type,
                          python_internal::SegmentsType::Create(
                              python_internal::AsSegments(destinations[i]),
                              options_.block_bytes));
    PKL5_RETURN_IF_ERROR(MpiCallStatus(
        MPI_Bcast(type.buffer(), type.count(), type.type(), root, comm_),
        "MPI_Bcast"));
  }
  return absl::OkStatus();
}

}  // namespace pkl5::python
