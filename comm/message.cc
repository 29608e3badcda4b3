#include "pkl5/comm/message.h"

#include "pkl5/base/mpi_error.h"
#include "pkl5/comm/comm.h"

namespace pkl5 {

Message& Message::operator=(Message&& other) noexcept {
  if (this != &other) {
    (void)free();
    comm_ = std::move(other.comm_);
    object_ = std::move(other.object_);
  }
  return *this;
}

Message::~Message() {
  // Only unreceived parts need MPI (to drain them), which is not allowed
  // after MPI_Finalize: then they are abandoned.
  if (object_ != nullptr && !object_->complete() &&
      !base_internal::MpiFinalized()) {
    (void)free();
  }
}

absl::Status Message::free() {
  std::unique_ptr<ReceivedObject> object = std::move(object_);
  if (object == nullptr || object->complete()) return absl::OkStatus();
  return object->Drain();
}

absl::Status Message::CheckUsable() const {
  if (!is_null()) return comm_->threads.CheckCallingThread();
  return absl::FailedPreconditionError(
      "null pkl5 message: it was received or freed already (or never "
      "probed)");
}

absl::StatusOr<Message> Message::probe(Comm& comm, int source, int tag,
                                       Status* status) {
  return comm.mprobe(source, tag, status);
}

absl::StatusOr<std::optional<Message>> Message::iprobe(Comm& comm, int source,
                                                       int tag,
                                                       Status* status) {
  return comm.improbe(source, tag, status);
}

}  // namespace pkl5
