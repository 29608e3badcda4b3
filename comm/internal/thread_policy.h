// Which threads may call pkl5 on a communicator, from the thread level MPI
// was initialized with (MPI 3.1 §12.4.3). Below MPI_THREAD_SERIALIZED only
// the main thread may make MPI calls; a call from any other thread would be
// erroneous, and Open MPI then crashes deep inside itself. pkl5 turns that
// into kFailedPrecondition naming the level needed. Serialized use (one
// call at a time, from any thread) cannot be checked cheaply and is the
// caller's promise, as it is for MPI itself.
#ifndef PKL5_COMM_INTERNAL_THREAD_POLICY_H_
#define PKL5_COMM_INTERNAL_THREAD_POLICY_H_

#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pkl5::comm_internal {

class ThreadPolicy {
 public:
  // Any thread: for transports that are not MPI (the loopback).
  ThreadPolicy() = default;

  // From MPI's state: kFailedPrecondition when MPI is not initialized or
  // already finalized, or when `creator` (e.g. "pkl5::Intracomm::Create")
  // runs on a thread that may not call MPI at all.
  static absl::StatusOr<ThreadPolicy> FromMpi(const char* creator);

  // OK when the calling thread may call MPI; otherwise kFailedPrecondition
  // saying which thread level that needs.
  absl::Status CheckCallingThread() const {
    if (!main_thread_only_ || std::this_thread::get_id() == main_thread_) {
      return absl::OkStatus();
    }
    return WrongThread();
  }

  // Whether calls may run at the same time on several threads
  // (MPI_THREAD_MULTIPLE, or a transport that is not MPI). Only then does
  // pkl5 lock the state its calls share: below it calls come one at a time
  // (MPI's rule; the caller's promise under MPI_THREAD_SERIALIZED), and
  // each lock is an atomic read-modify-write every small object pays.
  bool concurrent() const { return concurrent_; }

 private:
  absl::Status WrongThread() const;

  bool main_thread_only_ = false;
  bool concurrent_ = true;
  std::thread::id main_thread_;
  int provided_ = 0;
};

}  // namespace pkl5::comm_internal

#endif  // PKL5_COMM_INTERNAL_THREAD_POLICY_H_
