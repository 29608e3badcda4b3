#include "pkl5/comm/request.h"

#include "pkl5/base/status_macros.h"

namespace pkl5 {

absl::StatusOr<bool> Request::Complete(bool block, Status* status) {
  if (state_ == nullptr) {
    if (status != nullptr) *status = Status();
    return true;
  }
  PKL5_RETURN_IF_ERROR(state_->CheckCallingThread());
  absl::Status failure;
  bool done = true;
  if (block) {
    failure = state_->Wait();
  } else {
    absl::StatusOr<bool> tested = state_->Test();
    if (tested.ok()) {
      done = *tested;
    } else {
      failure = tested.status();
    }
  }
  if (!done) return false;
  if (status != nullptr) *status = state_->status();
  if (!failure.ok() || !state_->HoldsObject()) state_.reset();
  PKL5_RETURN_IF_ERROR(failure);
  return true;
}

absl::StatusOr<bool> Request::test(Status* status) {
  return Complete(/*block=*/false, status);
}

absl::Status Request::wait(Status* status) {
  return Complete(/*block=*/true, status).status();
}

absl::StatusOr<bool> Request::cancel() {
  if (state_ == nullptr) return false;
  PKL5_RETURN_IF_ERROR(state_->CheckCallingThread());
  return state_->Cancel();
}

absl::StatusOr<bool> Request::get_status(Status* status) {
  if (state_ == nullptr) {
    if (status != nullptr) *status = Status();
    return true;
  }
  PKL5_RETURN_IF_ERROR(state_->CheckCallingThread());
  PKL5_ASSIGN_OR_RETURN(const bool done, state_->Test());
  if (done && status != nullptr) *status = state_->status();
  return done;
}

absl::StatusOr<bool> Request::testall(absl::Span<Request* const> requests,
                                      std::vector<Status>* statuses) {
  // Progress every request first, so one slow request does not stall the
  // others; collect only when all completed, as MPI_Testall does.
  absl::Status failure;
  bool all = true;
  for (Request* request : requests) {
    if (request->state_ == nullptr) continue;
    absl::StatusOr<bool> done = request->state_->Test();
    if (!done.ok()) {
      if (failure.ok()) failure = done.status();
      request->state_.reset();
    } else if (!*done) {
      all = false;
    }
  }
  PKL5_RETURN_IF_ERROR(failure);
  if (!all) return false;
  if (statuses != nullptr) statuses->resize(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    PKL5_RETURN_IF_ERROR(requests[i]
                             ->Complete(/*block=*/false, statuses == nullptr
                                                             ? nullptr
                                                             : &(*statuses)[i])
                             .status());
  }
  return true;
}

absl::Status Request::waitall(absl::Span<Request* const> requests,
                              std::vector<Status>* statuses) {
  if (statuses != nullptr) statuses->resize(requests.size());
  // A receive posts its parts' receives when its envelope is seen by a test
  // or wait, so waiting on one request at a time could wait on a send whose
  // receiver waits for one of these receives' parts. Poll all instead;
  // block only on the last one pending.
  std::vector<size_t> pending;
  for (size_t i = 0; i < requests.size(); ++i) pending.push_back(i);
  absl::Status failure;
  while (!pending.empty()) {
    const bool last = pending.size() == 1;
    std::vector<size_t> still;
    for (size_t i : pending) {
      absl::StatusOr<bool> done = requests[i]->Complete(
          /*block=*/last, statuses == nullptr ? nullptr : &(*statuses)[i]);
      if (!done.ok()) {
        if (failure.ok()) failure = done.status();
      } else if (!*done) {
        still.push_back(i);
      }
    }
    pending.swap(still);
  }
  return failure;
}

absl::StatusOr<bool> Request::get_status_all(
    absl::Span<Request* const> requests, std::vector<Status>* statuses) {
  if (statuses != nullptr) statuses->resize(requests.size());
  bool all = true;
  for (size_t i = 0; i < requests.size(); ++i) {
    PKL5_ASSIGN_OR_RETURN(const bool done,
                          requests[i]->get_status(
                              statuses == nullptr ? nullptr : &(*statuses)[i]));
    all = all && done;
  }
  return all;
}

}  // namespace pkl5
