// The operations behind the pkl5::Request and pkl5::RecvRequest<T> of the
// Python mode: the 2+K sends of an object, and the out-of-band buffers of
// a matched object landing in a T (Message::irecv). They complete with the
// other pkl5 requests (Request::waitall, waitany...).
#ifndef PKL5_PYTHON_INTERNAL_REQUESTS_H_
#define PKL5_PYTHON_INTERNAL_REQUESTS_H_

#include <mpi.h>

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/base/mpi_error.h"
#include "pkl5/comm/internal/request_state.h"
#include "pkl5/python/internal/wire.h"
#include "pkl5/python/pickle.h"

namespace pkl5::python_internal {

// Completes MPI requests with MPI_Testall / MPI_Waitall.
class MpiRequests {
 public:
  std::vector<MPI_Request>& requests() { return requests_; }
  absl::StatusOr<bool> Test() {
    int done = 0;
    PKL5_RETURN_IF_ERROR(base_internal::MpiCallStatus(
        MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done,
                    MPI_STATUSES_IGNORE),
        "MPI_Testall"));
    return done != 0;
  }
  absl::Status Wait() {
    return base_internal::MpiCallStatus(
        MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(),
                    MPI_STATUSES_IGNORE),
        "MPI_Waitall");
  }
  // Destroyed before completion: the memory they use must stay until MPI
  // is done with it.
  ~MpiRequests() { WaitUnlessFinalized(requests_); }

 private:
  std::vector<MPI_Request> requests_;
};

// An object's sends; it keeps what they read (`owner`: the moved-in
// object, or nullptr for a borrowed one).
class SendState final : public comm_internal::RequestState {
 public:
  SendState(std::shared_ptr<const void> owner, Outgoing outgoing)
      : owner_(std::move(owner)), outgoing_(std::move(outgoing)) {}
  Outgoing& outgoing() { return outgoing_; }
  std::vector<MPI_Request>& requests() { return requests_.requests(); }

  absl::StatusOr<bool> Test() override { return requests_.Test(); }
  absl::Status Wait() override { return requests_.Wait(); }
  absl::StatusOr<bool> Cancel() override { return false; }
  bool HoldsObject() const override { return false; }

 private:
  std::shared_ptr<const void> owner_;
  Outgoing outgoing_;
  MpiRequests requests_;  // last: waited for before the memory goes
};

// A matched object's buffers landing in the request's T.
template <typename T>
class ReceiveState final : public comm_internal::RequestState {
 public:
  ReceiveState() = default;
  T& object() { return object_; }
  std::vector<MPI_Request>& requests() { return requests_.requests(); }
  // The load whose Finish runs on completion, and the status to report.
  void Expect(std::unique_ptr<python::PendingLoad<T>> load, Status status) {
    load_ = std::move(load);
    status_ = status;
  }

  absl::StatusOr<bool> Test() override {
    if (done_) return true;
    PKL5_ASSIGN_OR_RETURN(const bool done, requests_.Test());
    if (done) Complete();
    return done;
  }
  absl::Status Wait() override {
    if (done_) return absl::OkStatus();
    PKL5_RETURN_IF_ERROR(requests_.Wait());
    Complete();
    return absl::OkStatus();
  }
  absl::StatusOr<bool> Cancel() override { return false; }
  bool HoldsObject() const override { return done_; }
  void* HeldObject() override { return &object_; }

 private:
  void Complete() {
    if (load_ != nullptr) load_->Finish();
    done_ = true;
  }

  T object_{};
  std::unique_ptr<python::PendingLoad<T>> load_;
  bool done_ = false;
  MpiRequests requests_;  // last: waited for before the object goes
};

}  // namespace pkl5::python_internal

#endif  // PKL5_PYTHON_INTERNAL_REQUESTS_H_
