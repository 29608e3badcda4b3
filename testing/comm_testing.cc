#include "pkl5/testing/comm_testing.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/comm/intercomm.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5::internal_testing {
namespace {

using StressObject = std::tuple<int32_t, int32_t, std::vector<int64_t>>;

size_t PayloadLength(int32_t thread, int32_t index) {
  return static_cast<size_t>((index * 7919 + thread * 131) % 5000);
}
int64_t PayloadValue(int32_t thread, int32_t index, size_t k) {
  return int64_t{thread} * 1000003 + index + static_cast<int64_t>(k);
}

absl::StatusOr<StressObject> ReceiveOne(Comm& comm, int peer, int turn,
                                        bool cancels) {
  switch (turn % (cancels ? 4 : 3)) {
    case 0:
      return comm.recv<StressObject>(peer, 9);
    case 1: {
      absl::StatusOr<RecvRequest<StressObject>> request =
          comm.irecv<StressObject>(peer, 9);
      if (!request.ok()) return request.status();
      return request->wait();
    }
    case 3: {
      // Cancelled before it matched, or it took an object that must then
      // be received: racing other threads' receives, either may happen.
      absl::StatusOr<RecvRequest<StressObject>> request =
          comm.irecv<StressObject>(peer, 9);
      if (!request.ok()) return request.status();
      absl::StatusOr<bool> cancelled = request->cancel();
      if (!cancelled.ok()) return cancelled.status();
      if (*cancelled) return comm.recv<StressObject>(peer, 9);
      return request->wait();
    }
    default: {
      absl::StatusOr<Message> message = comm.mprobe(peer, 9);
      if (!message.ok()) return message.status();
      return message->recv<StressObject>();
    }
  }
}

}  // namespace

StressResult RunThreadStress(Comm& comm, int peer, int threads, int objects,
                             bool cancels) {
  std::mutex mutex;
  std::set<std::pair<int32_t, int32_t>> seen;
  std::atomic<int> bad{0};
  std::vector<std::thread> workers;
  for (int32_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int32_t i = 0; i < objects; ++i) {
        std::vector<int64_t> payload(PayloadLength(t, i));
        for (size_t k = 0; k < payload.size(); ++k) {
          payload[k] = PayloadValue(t, i, k);
        }
        absl::StatusOr<Request> sent =
            comm.isend(StressObject(t, i, std::move(payload)), peer, 9);
        if (!sent.ok()) {
          ++bad;
          continue;
        }
        absl::StatusOr<StressObject> received =
            ReceiveOne(comm, peer, i, cancels);
        if (!sent->wait().ok() || !received.ok()) {
          ++bad;
          continue;
        }
        const auto& [thread, index, values] = *received;
        bool intact = values.size() == PayloadLength(thread, index);
        for (size_t k = 0; intact && k < values.size(); ++k) {
          intact = values[k] == PayloadValue(thread, index, k);
        }
        std::lock_guard<std::mutex> lock(mutex);
        if (!intact || !seen.insert({thread, index}).second) ++bad;
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return StressResult{bad.load(), seen.size()};
}

absl::StatusOr<std::unique_ptr<TestComm>> TestComm::Create(
    bool inter, const CommOptions& options) {
  std::unique_ptr<TestComm> test(new TestComm());
  test->inter_ = inter;
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (!inter) {
    MPI_Comm_dup(MPI_COMM_WORLD, &test->mpi_comm_);
    absl::StatusOr<Intracomm> comm =
        Intracomm::Create(test->mpi_comm_, options);
    if (!comm.ok()) return comm.status();
    test->peers_ = comm->size();
    test->comm_ = std::make_unique<Intracomm>(*std::move(comm));
    return test;
  }
  if (size == 1) {
    return absl::FailedPreconditionError("an intercommunicator needs 2 ranks");
  }
  const int half = size / 2;
  test->low_ = rank < half;
  MPI_Comm local = MPI_COMM_NULL;
  MPI_Comm_split(MPI_COMM_WORLD, test->low_ ? 0 : 1, 0, &local);
  MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, test->low_ ? half : 0, 77,
                       &test->mpi_comm_);
  MPI_Comm_free(&local);
  absl::StatusOr<Intercomm> comm = Intercomm::Create(test->mpi_comm_, options);
  if (!comm.ok()) return comm.status();
  test->peers_ = comm->remote_size();
  test->comm_ = std::make_unique<Intercomm>(*std::move(comm));
  return test;
}

TestComm::~TestComm() {
  comm_.reset();
  if (mpi_comm_ != MPI_COMM_NULL) MPI_Comm_free(&mpi_comm_);
}

void RunFreeWhileBlocked(Comm& comm, int sender, int receiver,
                         const std::function<void()>& barrier) {
  constexpr int kRecvTag = 31;
  constexpr int kIrecvTag = 32;
  constexpr int kMprobeTag = 33;
  const auto expected = [](int tag) {
    return std::string(100, static_cast<char>(tag));
  };
  if (comm.rank() == sender) {
    barrier();
    for (const int tag : {kRecvTag, kIrecvTag, kMprobeTag}) {
      EXPECT_THAT(comm.send(expected(tag), receiver, tag), IsOk());
    }
    return;
  }
  if (comm.rank() != receiver) {
    barrier();
    return;
  }
  absl::StatusOr<RecvRequest<std::string>> posted =
      comm.irecv<std::string>(sender, kIrecvTag);
  ASSERT_THAT(posted, IsOk());
  std::atomic<int> started{0};
  std::vector<std::thread> blocked;
  blocked.emplace_back([&] {
    ++started;
    EXPECT_THAT(comm.recv<std::string>(sender, kRecvTag),
                IsOkAndHolds(expected(kRecvTag)));
  });
  blocked.emplace_back([&] {
    ++started;
    EXPECT_THAT(posted->wait(), IsOkAndHolds(expected(kIrecvTag)));
  });
  blocked.emplace_back([&] {
    ++started;
    absl::StatusOr<Message> message = comm.mprobe(sender, kMprobeTag);
    ASSERT_THAT(message, IsOk());
    EXPECT_THAT(message->recv<std::string>(),
                IsOkAndHolds(expected(kMprobeTag)));
  });
  while (started < 3) std::this_thread::yield();
  // Long enough for each thread to be inside its call.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  comm.free();
  EXPECT_TRUE(comm.is_null());
  barrier();
  for (std::thread& thread : blocked) thread.join();
}

}  // namespace pkl5::internal_testing
