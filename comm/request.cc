#include "pkl5/comm/request.h"

#include "absl/strings/str_cat.h"
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

namespace {

// The error of request `index`, saying which it was.
absl::Status OfRequest(const absl::Status& error, size_t index) {
  return absl::Status(error.code(),
                      absl::StrCat("request ", index, ": ", error.message()));
}

}  // namespace

std::vector<size_t> Request::Active(absl::Span<Request* const> requests) {
  std::vector<size_t> indices;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i]->active()) indices.push_back(i);
  }
  return indices;
}

absl::StatusOr<std::optional<size_t>> Request::testany(
    absl::Span<Request* const> requests, Status* status) {
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!requests[i]->active()) continue;
    absl::StatusOr<bool> done = requests[i]->Complete(/*block=*/false, status);
    if (!done.ok()) return OfRequest(done.status(), i);
    if (*done) return std::optional<size_t>(i);
  }
  return std::optional<size_t>();
}

absl::StatusOr<std::optional<size_t>> Request::waitany(
    absl::Span<Request* const> requests, Status* status) {
  // As waitall: poll every active request (a receive posts its parts'
  // receives only when a test sees its envelope); block only when one is
  // left.
  while (true) {
    const std::vector<size_t> active = Active(requests);
    if (active.empty()) return std::optional<size_t>();
    const size_t first = active.front();
    if (active.size() == 1) {
      absl::StatusOr<bool> done =
          requests[first]->Complete(/*block=*/true, status);
      if (!done.ok()) return OfRequest(done.status(), first);
      return std::optional<size_t>(first);
    }
    PKL5_ASSIGN_OR_RETURN(std::optional<size_t> index,
                          testany(requests, status));
    if (index.has_value()) return index;
  }
}

absl::StatusOr<std::vector<size_t>> Request::TestSome(
    absl::Span<Request* const> requests, absl::Span<const size_t> active,
    std::vector<Status>* statuses) {
  // Test every one first, collecting nothing, so that a failure leaves the
  // completed ones to be reported by the next call.
  std::vector<size_t> completed;
  for (size_t i : active) {
    absl::StatusOr<bool> done = requests[i]->state_->Test();
    if (!done.ok()) {
      requests[i]->state_.reset();
      return OfRequest(done.status(), i);
    }
    if (*done) completed.push_back(i);
  }
  if (statuses != nullptr) statuses->resize(completed.size());
  for (size_t k = 0; k < completed.size(); ++k) {
    const size_t i = completed[k];
    absl::StatusOr<bool> done = requests[i]->Complete(
        /*block=*/false, statuses == nullptr ? nullptr : &(*statuses)[k]);
    if (!done.ok()) return OfRequest(done.status(), i);
  }
  return completed;
}

absl::StatusOr<std::vector<size_t>> Request::testsome(
    absl::Span<Request* const> requests, std::vector<Status>* statuses) {
  const std::vector<size_t> active = Active(requests);
  for (size_t i : active) {
    PKL5_RETURN_IF_ERROR(requests[i]->state_->CheckCallingThread());
  }
  return TestSome(requests, active, statuses);
}

absl::StatusOr<std::vector<size_t>> Request::waitsome(
    absl::Span<Request* const> requests, std::vector<Status>* statuses) {
  while (true) {
    const std::vector<size_t> active = Active(requests);
    if (active.empty()) {
      if (statuses != nullptr) statuses->clear();
      return std::vector<size_t>();
    }
    if (active.size() == 1) {
      Status status;
      absl::StatusOr<bool> done =
          requests[active[0]]->Complete(/*block=*/true, &status);
      if (!done.ok()) return OfRequest(done.status(), active[0]);
      if (statuses != nullptr) *statuses = {status};
      return std::vector<size_t>{active[0]};
    }
    PKL5_ASSIGN_OR_RETURN(std::vector<size_t> completed,
                          testsome(requests, statuses));
    if (!completed.empty()) return completed;
  }
}

}  // namespace pkl5
