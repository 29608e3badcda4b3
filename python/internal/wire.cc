#include "pkl5/python/internal/wire.h"

#include <climits>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pkl5/base/mpi_comm_cache.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/transport/internal/discard_buffer.h"
#include "pkl5/transport/internal/large_count.h"

namespace pkl5::python_internal {
namespace {

using base_internal::MpiCallStatus;
using transport_internal::ByteLayout;
using transport_internal::DiscardBuffer;

struct CachedLocks {
  std::shared_ptr<CommLocks> locks = std::make_shared<CommLocks>();
};

// Bytes of a probed or received message.
uint64_t MessageBytes(const MPI_Status& status) {
  MPI_Count count = 0;
  MPI_Get_elements_x(&status, MPI_BYTE, &count);
  return count < 0 ? 0 : static_cast<uint64_t>(count);
}

// Receives matched `message` of `bytes` bytes and drops it.
absl::Status DrainMessage(MPI_Message& message, uint64_t bytes) {
  PKL5_ASSIGN_OR_RETURN(DiscardBuffer sink, DiscardBuffer::Create(bytes));
  PKL5_ASSIGN_OR_RETURN(ByteLayout layout, ByteLayout::Create(bytes));
  return MpiCallStatus(MPI_Mrecv(sink.data(), layout.count(), layout.type(),
                                 &message, MPI_STATUS_IGNORE),
                       "MPI_Mrecv");
}

// MPI_Mprobe of the next piece, waiting at most `timeout`.
absl::StatusOr<MPI_Status> ProbePiece(MPI_Comm comm, int source, int tag,
                                      absl::Duration timeout,
                                      MPI_Message& message) {
  MPI_Status status;
  if (timeout == absl::InfiniteDuration()) {
    PKL5_RETURN_IF_ERROR(MpiCallStatus(
        MPI_Mprobe(source, tag, comm, &message, &status), "MPI_Mprobe"));
    return status;
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int found = 0;
    PKL5_RETURN_IF_ERROR(
        MpiCallStatus(MPI_Improbe(source, tag, comm, &found, &message, &status),
                      "MPI_Improbe"));
    if (found) return status;
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "an mpi4py pkl5 header from rank ", source, " on tag ", tag,
          " announced more messages than came within part_timeout (",
          absl::FormatDuration(timeout),
          "): a foreign message was taken "
          "for a header?"));
    }
    std::this_thread::yield();
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<CommLocks>> LocksOf(MPI_Comm comm) {
  // Two wrappers made at once by two threads must find one lock pair.
  static std::mutex* const creating = new std::mutex;
  std::lock_guard<std::mutex> lock(*creating);
  using Cache = base_internal::CommCache<CachedLocks>;
  PKL5_ASSIGN_OR_RETURN(CachedLocks * found, Cache::Find(comm));
  if (found == nullptr) {
    PKL5_ASSIGN_OR_RETURN(found,
                          Cache::Store(comm, std::make_unique<CachedLocks>()));
  }
  return found->locks;
}

Segments AsSegments(absl::Span<const MutableSegment> segments) {
  Segments viewed;
  for (const MutableSegment& segment : segments) {
    viewed.push_back(Segment{segment.data, segment.bytes});
  }
  return viewed;
}

absl::StatusOr<SegmentsType> SegmentsType::Create(
    absl::Span<const Segment> segments, size_t block_bytes) {
  SegmentsType made;
  if (segments.size() == 1) {
    PKL5_ASSIGN_OR_RETURN(ByteLayout layout,
                          ByteLayout::Create(segments[0].bytes, block_bytes));
    made.buffer_ = const_cast<void*>(segments[0].data);
    made.count_ = layout.count();
    if (layout.is_derived()) {
      // Keep a type of our own (ByteLayout frees its type when it goes).
      PKL5_RETURN_IF_ERROR(MpiCallStatus(
          MPI_Type_dup(layout.type(), &made.type_), "MPI_Type_dup"));
    }
    return made;
  }
  if (segments.empty()) return made;
  // Blocks of at most block_bytes at their absolute addresses.
  if (block_bytes == 0 || block_bytes > INT_MAX) {
    return absl::InvalidArgumentError("block_bytes must be in 1..INT_MAX");
  }
  std::vector<int> lengths;
  std::vector<MPI_Aint> addresses;
  for (const Segment& segment : segments) {
    const char* at = static_cast<const char*>(segment.data);
    for (size_t done = 0; done < segment.bytes;) {
      const size_t n = std::min(block_bytes, segment.bytes - done);
      MPI_Aint address;
      MPI_Get_address(at + done, &address);
      lengths.push_back(static_cast<int>(n));
      addresses.push_back(address);
      done += n;
    }
  }
  if (lengths.size() > INT_MAX) {
    return absl::InvalidArgumentError("an array of more than INT_MAX rows");
  }
  PKL5_RETURN_IF_ERROR(MpiCallStatus(
      MPI_Type_create_hindexed(static_cast<int>(lengths.size()), lengths.data(),
                               addresses.data(), MPI_BYTE, &made.type_),
      "MPI_Type_create_hindexed"));
  PKL5_RETURN_IF_ERROR(
      MpiCallStatus(MPI_Type_commit(&made.type_), "MPI_Type_commit"));
  made.buffer_ = MPI_BOTTOM;
  made.count_ = 1;
  return made;
}

SegmentsType::SegmentsType(SegmentsType&& other) noexcept
    : buffer_(other.buffer_), count_(other.count_), type_(other.type_) {
  other.type_ = MPI_BYTE;
}

SegmentsType::~SegmentsType() {
  int finalized = 0;
  if (type_ != MPI_BYTE && MPI_Finalized(&finalized) == MPI_SUCCESS &&
      !finalized) {
    MPI_Type_free(&type_);
  }
}

absl::Status PostSends(MPI_Comm comm, CommLocks& locks,
                       const Outgoing& outgoing, int dest, int tag,
                       SendMode mode, size_t block_bytes,
                       std::vector<MPI_Request>& requests) {
  // Types first, so nothing is posted when one cannot be made.
  std::vector<SegmentsType> types;
  const Segment stream{outgoing.stream.data(), outgoing.stream.size()};
  PKL5_ASSIGN_OR_RETURN(SegmentsType stream_type,
                        SegmentsType::Create({&stream, 1}, block_bytes));
  types.push_back(std::move(stream_type));
  for (const Segments& buffer : outgoing.buffers) {
    PKL5_ASSIGN_OR_RETURN(SegmentsType type,
                          SegmentsType::Create(buffer, block_bytes));
    types.push_back(std::move(type));
  }
  auto post = mode == SendMode::kSynchronous ? MPI_Issend : MPI_Isend;
  const char* name =
      mode == SendMode::kSynchronous ? "MPI_Issend" : "MPI_Isend";
  std::lock_guard<std::mutex> lock(locks.send);
  MPI_Request request;
  absl::Status status = MpiCallStatus(
      post(outgoing.header.data(), static_cast<int>(outgoing.header.size()),
           MPI_LONG_LONG, dest, tag, comm, &request),
      name);
  if (status.ok()) requests.push_back(request);
  for (size_t i = 0; status.ok() && i < types.size(); ++i) {
    status = MpiCallStatus(post(types[i].buffer(), types[i].count(),
                                types[i].type(), dest, tag, comm, &request),
                           name);
    if (status.ok()) requests.push_back(request);
  }
  if (!status.ok()) {
    MPI_Waitall(static_cast<int>(requests.size()), requests.data(),
                MPI_STATUSES_IGNORE);
    requests.clear();
  }
  return status;
}

uint64_t MatchedObject::total_bytes() const {
  uint64_t total = 0;
  for (uint64_t size : sizes) total += size;
  return total;
}

absl::StatusOr<std::optional<MatchedObject>> MatchObject(
    MPI_Comm comm, CommLocks& locks, int source, int tag, bool block,
    const WireLimits& limits) {
  MatchedObject object;
  if (source == MPI_PROC_NULL) return object;
  std::unique_lock<std::mutex> lock(locks.match);
  MPI_Message header_message;
  MPI_Status status;
  if (block) {
    PKL5_RETURN_IF_ERROR(MpiCallStatus(
        MPI_Mprobe(source, tag, comm, &header_message, &status), "MPI_Mprobe"));
  } else {
    int found = 0;
    PKL5_RETURN_IF_ERROR(MpiCallStatus(
        MPI_Improbe(source, tag, comm, &found, &header_message, &status),
        "MPI_Improbe"));
    if (!found) return std::nullopt;
  }
  object.source = status.MPI_SOURCE;
  object.tag = status.MPI_TAG;
  const uint64_t header_bytes = MessageBytes(status);
  const std::string from =
      absl::StrCat(" from rank ", object.source, " on tag ", object.tag);
  if (header_bytes == 0 || header_bytes % 8 != 0 ||
      header_bytes / 8 - 1 > limits.max_pieces) {
    PKL5_RETURN_IF_ERROR(DrainMessage(header_message, header_bytes));
    return absl::DataLossError(absl::StrCat(
        "a message of ", header_bytes, " bytes", from,
        " is not an mpi4py pkl5 header (1 to max_pieces + 1 int64; max_pieces "
        "is ",
        limits.max_pieces, "); it was received and dropped"));
  }
  std::vector<long long> header(header_bytes / 8);
  PKL5_RETURN_IF_ERROR(MpiCallStatus(
      MPI_Mrecv(header.data(), static_cast<int>(header.size()), MPI_LONG_LONG,
                &header_message, MPI_STATUS_IGNORE),
      "MPI_Mrecv"));
  uint64_t total = 0;
  for (long long length : header) {
    if (length < 0) {
      return absl::DataLossError(absl::StrCat(
          "an mpi4py pkl5 header", from, " holds a negative length (", length,
          "): a foreign message? Nothing more was received"));
    }
    object.sizes.push_back(static_cast<uint64_t>(length));
    total += std::min<uint64_t>(static_cast<uint64_t>(length),
                                limits.max_object_bytes + 1);
  }
  for (size_t i = 0; i < object.sizes.size(); ++i) {
    MPI_Message message;
    absl::StatusOr<MPI_Status> probed = ProbePiece(
        comm, object.source, object.tag, limits.part_timeout, message);
    if (!probed.ok()) return Drain(object, probed.status());
    const uint64_t bytes = MessageBytes(*probed);
    if (bytes != object.sizes[i]) {
      absl::Status drained = DrainMessage(message, bytes);
      return Drain(object, absl::DataLossError(absl::StrCat(
                               "piece ", i + 1, " of an mpi4py pkl5 object",
                               from, " has ", bytes, " bytes, its header said ",
                               object.sizes[i], drained.ok() ? "" : " (",
                               drained.message(), drained.ok() ? "" : ")")));
    }
    object.pieces.push_back(message);
  }
  lock.unlock();
  if (total > limits.max_object_bytes) {
    return Drain(object,
                 absl::ResourceExhaustedError(absl::StrCat(
                     "an object of ", object.total_bytes(), " bytes", from,
                     " is over max_object_bytes (", limits.max_object_bytes,
                     "); it was received and dropped")));
  }
  return object;
}

absl::StatusOr<std::string> ReceiveStream(MatchedObject& object,
                                          size_t block_bytes) {
  if (object.next >= object.pieces.size()) {
    return absl::DataLossError("an mpi4py pkl5 object without a stream");
  }
  std::string stream(object.sizes[object.next], '\0');
  PKL5_ASSIGN_OR_RETURN(ByteLayout layout,
                        ByteLayout::Create(stream.size(), block_bytes));
  PKL5_RETURN_IF_ERROR(
      MpiCallStatus(MPI_Mrecv(stream.data(), layout.count(), layout.type(),
                              &object.pieces[object.next], MPI_STATUS_IGNORE),
                    "MPI_Mrecv"));
  ++object.next;
  return stream;
}

absl::Status ReceiveBuffers(MatchedObject& object,
                            const std::vector<MutableSegments>& destinations,
                            size_t block_bytes,
                            std::vector<MPI_Request>* requests) {
  for (const MutableSegments& into : destinations) {
    if (object.next >= object.pieces.size()) break;
    const uint64_t bytes = object.sizes[object.next];
    MPI_Message& message = object.pieces[object.next];
    ++object.next;
    if (into.empty()) {
      PKL5_RETURN_IF_ERROR(DrainMessage(message, bytes));
      continue;
    }
    PKL5_ASSIGN_OR_RETURN(SegmentsType type,
                          SegmentsType::Create(AsSegments(into), block_bytes));
    if (requests == nullptr) {
      PKL5_RETURN_IF_ERROR(
          MpiCallStatus(MPI_Mrecv(type.buffer(), type.count(), type.type(),
                                  &message, MPI_STATUS_IGNORE),
                        "MPI_Mrecv"));
    } else {
      MPI_Request request;
      PKL5_RETURN_IF_ERROR(
          MpiCallStatus(MPI_Imrecv(type.buffer(), type.count(), type.type(),
                                   &message, &request),
                        "MPI_Imrecv"));
      requests->push_back(request);
    }
  }
  return absl::OkStatus();
}

absl::Status Drain(MatchedObject& object, absl::Status error) {
  for (; object.next < object.pieces.size(); ++object.next) {
    absl::Status drained =
        DrainMessage(object.pieces[object.next], object.sizes[object.next]);
    if (!drained.ok() && error.ok()) error = drained;
  }
  return error;
}

void WaitUnlessFinalized(std::vector<MPI_Request>& requests) {
  int finalized = 0;
  if (requests.empty() || MPI_Finalized(&finalized) != MPI_SUCCESS ||
      finalized) {
    return;
  }
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(),
              MPI_STATUSES_IGNORE);
}

}  // namespace pkl5::python_internal
