// A C++ rendering of mpi4py's own pkl5 test suite (test_util_pkl5.py), over
// about twenty objects of many types, on intra- and intercommunicators,
// with every array out-of-band (threshold 0) and at the default threshold.
// Runs under mpirun at 1-4 ranks.
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/comm/comm.h"
#include "pkl5/comm/intercomm.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/testing/comm_testing.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::ForEachObject;
using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::MakeRecord;
using ::pkl5::internal_testing::Record;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

enum class Kind { kIntra, kInter };

struct Setting {
  Kind kind;
  uint64_t threshold;
};

std::string Name(const ::testing::TestParamInfo<Setting>& info) {
  return std::string(info.param.kind == Kind::kIntra ? "Intra" : "Inter") +
         (info.param.threshold == 0 ? "AllOutOfBand" : "DefaultThreshold");
}

int WorldSize() {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

class P2pTest : public ::testing::TestWithParam<Setting> {
 protected:
  void SetUp() override {
    MPI_Barrier(MPI_COMM_WORLD);
    CommOptions options;
    options.encode.out_of_band_threshold = GetParam().threshold;
    options.transport.buffered_send_capacity = 16 << 20;
    if (!intra() && WorldSize() == 1) {
      GTEST_SKIP() << "an intercommunicator needs 2 ranks";
    }
    absl::StatusOr<std::unique_ptr<internal_testing::TestComm>> test =
        internal_testing::TestComm::Create(!intra(), options);
    ASSERT_THAT(test, IsOk());
    test_ = *std::move(test);
    low_ = test_->low();
  }
  void TearDown() override {
    test_.reset();
    MPI_Barrier(MPI_COMM_WORLD);
  }

  Comm& comm() { return test_->comm(); }
  bool intra() const { return GetParam().kind == Kind::kIntra; }
  int RemoteSize() { return test_->peers(); }
  // Whom this rank exchanges with: the next and previous ranks of a ring,
  // or on an intercommunicator the remote rank of the same number (ranks
  // without one sit out).
  bool HasPartner() { return intra() || comm().rank() < RemoteSize(); }
  int Dest() {
    return intra() ? (comm().rank() + 1) % comm().size() : comm().rank();
  }
  int Source() {
    return intra() ? (comm().rank() + comm().size() - 1) % comm().size()
                   : comm().rank();
  }
  // Who sends first in a blocking exchange: rank 0 of a pipeline, or the
  // lower group.
  bool First() { return intra() ? comm().rank() == 0 : low_; }

  std::unique_ptr<internal_testing::TestComm> test_;
  bool low_ = false;
};

// send/ssend/bsend: to MPI_PROC_NULL, then along a pipeline 0 -> 1 -> ...
// (intra) or from the lower group to its partners and back (inter).
TEST_P(P2pTest, BlockingSendsAndRecv) {
  for (SendMode mode :
       {SendMode::kStandard, SendMode::kSynchronous, SendMode::kBuffered}) {
    auto send = [&](const auto& object, int dest) {
      switch (mode) {
        case SendMode::kStandard:
          return comm().send(object, dest);
        case SendMode::kSynchronous:
          return comm().ssend(object, dest);
        case SendMode::kBuffered:
          return comm().bsend(object, dest);
      }
      return absl::InternalError("unreachable");
    };
    ForEachObject([&](const auto& object) {
      using T = std::decay_t<decltype(object)>;
      ASSERT_THAT(send(object, MPI_PROC_NULL), IsOk());
      EXPECT_THAT(comm().recv<T>(MPI_PROC_NULL, 0), IsOkAndHolds(T{}));
      if (!HasPartner() || (intra() && comm().size() == 1)) return;
      if (intra()) {
        const int rank = comm().rank();
        const int last = comm().size() - 1;
        if (rank == 0) {
          ASSERT_THAT(send(object, 1), IsOk());
        } else {
          absl::StatusOr<T> received = comm().recv<T>(rank - 1, 0);
          ASSERT_THAT(received, IsOkAndHolds(object));
          if (rank != last) {
            ASSERT_THAT(send(*received, rank + 1), IsOk());
          }
        }
      } else if (First()) {
        ASSERT_THAT(send(object, Dest()), IsOk());
        EXPECT_THAT(comm().recv<T>(Source(), 0), IsOkAndHolds(object));
      } else {
        absl::StatusOr<T> received = comm().recv<T>(Source(), 0);
        ASSERT_THAT(received, IsOkAndHolds(object));
        ASSERT_THAT(send(*received, Dest()), IsOk());
      }
    });
  }
}

// isend/issend/ibsend: to MPI_PROC_NULL, to oneself, around the ring.
TEST_P(P2pTest, NonblockingSendsAndRecv) {
  for (SendMode mode :
       {SendMode::kStandard, SendMode::kSynchronous, SendMode::kBuffered}) {
    auto isend = [&](const auto& object, int dest) {
      switch (mode) {
        case SendMode::kSynchronous:
          return comm().issend(object, dest);
        case SendMode::kBuffered:
          return comm().ibsend(object, dest);
        default:
          return comm().isend(object, dest);
      }
    };
    ForEachObject([&](const auto& object) {
      using T = std::decay_t<decltype(object)>;
      absl::StatusOr<Request> null_send = isend(object, MPI_PROC_NULL);
      ASSERT_THAT(null_send, IsOk());
      EXPECT_TRUE(static_cast<bool>(*null_send));
      EXPECT_THAT(null_send->wait(), IsOk());
      EXPECT_FALSE(static_cast<bool>(*null_send));
      if (intra()) {
        absl::StatusOr<Request> to_self = isend(object, comm().rank());
        ASSERT_THAT(to_self, IsOk());
        if (mode == SendMode::kSynchronous) {
          // Not received yet, so a synchronous send cannot have completed.
          EXPECT_THAT(to_self->test(), IsOkAndHolds(false));
          EXPECT_TRUE(static_cast<bool>(*to_self));
        }
        EXPECT_THAT(comm().recv<T>(comm().rank(), 0), IsOkAndHolds(object));
        EXPECT_THAT(to_self->wait(), IsOk());
        EXPECT_FALSE(static_cast<bool>(*to_self));
      }
      if (!HasPartner()) return;
      absl::StatusOr<Request> around = isend(object, Dest());
      ASSERT_THAT(around, IsOk());
      EXPECT_THAT(comm().recv<T>(Source(), 0), IsOkAndHolds(object));
      EXPECT_THAT(around->wait(), IsOk());
    });
  }
}

// An rvalue given to isend is moved into the request and kept alive.
TEST_P(P2pTest, IsendOfAnRvalueOwnsIt) {
  if (!HasPartner()) return;
  absl::StatusOr<Request> sent =
      comm().isend(std::vector<double>(1 << 16, 2.5), Dest(), 4);
  ASSERT_THAT(sent, IsOk());
  EXPECT_THAT(comm().recv<std::vector<double>>(Source(), 4),
              IsOkAndHolds(std::vector<double>(1 << 16, 2.5)));
  EXPECT_THAT(sent->wait(), IsOk());
}

TEST_P(P2pTest, IssendCannotBeCancelled) {
  if (!intra()) GTEST_SKIP() << "sends to oneself";
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    absl::StatusOr<Request> sent = comm().issend(object, comm().rank());
    ASSERT_THAT(sent, IsOk());
    EXPECT_THAT(sent->test(), IsOkAndHolds(false));
    EXPECT_THAT(sent->cancel(), IsOkAndHolds(false));
    Status status;
    EXPECT_THAT(sent->get_status(&status), IsOkAndHolds(false));
    EXPECT_FALSE(status.cancelled);
    EXPECT_THAT(comm().recv<T>(comm().rank(), 0), IsOkAndHolds(object));
    EXPECT_THAT(sent->wait(), IsOk());
    EXPECT_FALSE(static_cast<bool>(*sent));
  });
}

TEST_P(P2pTest, TestallGetStatusAllAndWaitall) {
  if (!HasPartner()) {
    MPI_Barrier(MPI_COMM_WORLD);  // the one the others wait in
    return;
  }
  // Synchronous sends to the partner complete only once it received them.
  // The objects die with ForEachObject, so each send owns a copy.
  std::vector<Request> sends;
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    absl::StatusOr<Request> sent = comm().issend(T(object), Dest());
    ASSERT_THAT(sent, IsOk());
    sends.push_back(*std::move(sent));
  });
  EXPECT_THAT(Request::testall(sends), IsOkAndHolds(false));
  EXPECT_THAT(Request::get_status_all(sends), IsOkAndHolds(false));
  MPI_Barrier(MPI_COMM_WORLD);
  // Receive through matched probes and Message::irecv, then wait for all.
  std::vector<std::unique_ptr<Request>> receives;
  std::vector<std::function<void()>> checks;
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    absl::StatusOr<Message> message = comm().mprobe(Source());
    ASSERT_THAT(message, IsOk());
    absl::StatusOr<RecvRequest<T>> request = message->irecv<T>();
    ASSERT_THAT(request, IsOk());
    auto* typed = new RecvRequest<T>(*std::move(request));
    receives.emplace_back(typed);
    checks.push_back(
        [typed, object] { EXPECT_THAT(typed->wait(), IsOkAndHolds(object)); });
  });
  std::vector<Request*> pointers;
  for (auto& request : receives) pointers.push_back(request.get());
  std::vector<Status> statuses;
  ASSERT_THAT(Request::waitall(pointers, &statuses), IsOk());
  ASSERT_EQ(statuses.size(), receives.size());
  for (const Status& status : statuses) {
    EXPECT_EQ(status.source, Source());
    EXPECT_EQ(status.tag, 0);
    EXPECT_GT(status.count, 0u);
  }
  for (auto& check : checks) check();
  std::vector<Status> send_statuses;
  bool done = false;
  while (!done) {
    absl::StatusOr<bool> all = Request::get_status_all(sends, &send_statuses);
    ASSERT_THAT(all, IsOk());
    done = *all;
  }
  EXPECT_EQ(send_statuses.size(), sends.size());
  EXPECT_THAT(Request::testall(sends), IsOkAndHolds(true));
  for (const Request& sent : sends) EXPECT_TRUE(sent.is_null());
}

// A RecvRequest<T> cannot be sliced into a plain Request (it would lose
// the way to its object).
static_assert(!std::is_constructible_v<Request, RecvRequest<int>&&>);
static_assert(!std::is_assignable_v<Request&, RecvRequest<int>&&>);
static_assert(std::is_constructible_v<Request, Request&&>);

TEST_P(P2pTest, WaitanyWaitsomeAndTheirTestsOverMixedRequests) {
  if (!HasPartner()) return;
  constexpr size_t kCount = 6;
  for (bool some : {false, true}) {
    std::vector<RecvRequest<Record>> receives;
    std::vector<Request> sends;
    for (size_t i = 0; i < kCount; ++i) {
      absl::StatusOr<RecvRequest<Record>> posted =
          comm().irecv<Record>(Source(), 4);
      ASSERT_THAT(posted, IsOk());
      receives.push_back(*std::move(posted));
    }
    for (size_t i = 0; i < kCount; ++i) {
      absl::StatusOr<Request> sent =
          comm().isend(MakeRecord(static_cast<int>(i), 3000 * i), Dest(), 4);
      ASSERT_THAT(sent, IsOk());
      sends.push_back(*std::move(sent));
    }
    std::vector<Request*> all;
    for (Request& request : sends) all.push_back(&request);
    for (RecvRequest<Record>& request : receives) all.push_back(&request);
    // Each request completes once; a receive hands out its object (in
    // order: one sender, one tag) through its typed wait.
    std::vector<int> completions(all.size(), 0);
    const auto take = [&](size_t index, const Status& status) {
      ++completions[index];
      if (index < kCount) return;
      EXPECT_EQ(status.source, Source());
      const size_t k = index - kCount;
      EXPECT_THAT(receives[k].wait(),
                  IsOkAndHolds(MakeRecord(static_cast<int>(k), 3000 * k)));
    };
    while (true) {
      if (some) {
        std::vector<Status> statuses;
        absl::StatusOr<std::vector<size_t>> done =
            Request::waitsome(all, &statuses);
        ASSERT_THAT(done, IsOk());
        if (done->empty()) break;
        ASSERT_EQ(statuses.size(), done->size());
        for (size_t k = 0; k < done->size(); ++k) take((*done)[k], statuses[k]);
      } else {
        Status status;
        absl::StatusOr<std::optional<size_t>> done =
            Request::waitany(all, &status);
        ASSERT_THAT(done, IsOk());
        if (!done->has_value()) break;
        take(**done, status);
      }
    }
    EXPECT_THAT(completions, ::testing::Each(1));
    for (Request* request : all) EXPECT_TRUE(request->is_null());
    // Nothing active: at once.
    EXPECT_THAT(Request::testany(all), IsOkAndHolds(std::nullopt));
    EXPECT_THAT(Request::testsome(all), IsOkAndHolds(::testing::IsEmpty()));
  }
  // A failure names its request.
  absl::StatusOr<RecvRequest<int>> wrong = comm().irecv<int>(Source(), 5);
  ASSERT_THAT(wrong, IsOk());
  std::vector<Request*> one = {&*wrong};
  ASSERT_THAT(comm().send(std::string("not an int"), Dest(), 5), IsOk());
  absl::StatusOr<std::optional<size_t>> failed = Request::waitany(one);
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("request 0: ")));
  EXPECT_TRUE(wrong->is_null());
  // Still usable.
  absl::StatusOr<Request> next = comm().isend(3, Dest(), 5);
  ASSERT_THAT(next, IsOk());
  EXPECT_THAT(comm().recv<int>(Source(), 5), IsOkAndHolds(3));
  EXPECT_THAT(next->wait(), IsOk());
}

TEST_P(P2pTest, Sendrecv) {
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    EXPECT_THAT(comm().sendrecv<T>(object, MPI_PROC_NULL, 0, MPI_PROC_NULL, 0),
                IsOkAndHolds(T{}));
    if (!HasPartner()) return;
    Status status;
    EXPECT_THAT(comm().sendrecv<T>(object, Dest(), 42, Source(), 42, &status),
                IsOkAndHolds(object));
    EXPECT_EQ(status.source, Source());
    EXPECT_EQ(status.tag, 42);
    EXPECT_EQ(status.error, MPI_SUCCESS);
  });
}

// irecv, which mpi4py's pkl5 cannot do: posted before the object is sent,
// from a given source and from MPI_ANY_SOURCE, and cancelled.
TEST_P(P2pTest, IrecvPostedBeforeTheSend) {
  if (!HasPartner()) return;
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    absl::StatusOr<RecvRequest<T>> posted = comm().irecv<T>(Source(), 8);
    ASSERT_THAT(posted, IsOk());
    absl::StatusOr<Request> sent = comm().isend(object, Dest(), 8);
    ASSERT_THAT(sent, IsOk());
    Status status;
    EXPECT_THAT(posted->wait(&status), IsOkAndHolds(object));
    EXPECT_EQ(status.source, Source());
    EXPECT_EQ(status.tag, 8);
    EXPECT_THAT(sent->wait(), IsOk());
  });
}

// Each rank posts a receive, then blocks in a send of a large object to a
// peer that does the same: the parts of both objects must flow although
// nobody tests the receives until the sends returned.
TEST_P(P2pTest, PostedReceivesProgressWhileBlockedElsewhere) {
  if (!HasPartner()) return;
  const std::vector<double> mine(1 << 20, comm().rank());
  const std::vector<double> theirs(1 << 20, Source());
  absl::StatusOr<RecvRequest<std::vector<double>>> posted =
      comm().irecv<std::vector<double>>(Source(), 2);
  ASSERT_THAT(posted, IsOk());
  ASSERT_THAT(comm().send(mine, Dest(), 2), IsOk());
  EXPECT_THAT(posted->wait(), IsOkAndHolds(theirs));
  // The same with a nonblocking send waited for first.
  posted = comm().irecv<std::vector<double>>(Source(), 2);
  ASSERT_THAT(posted, IsOk());
  absl::StatusOr<Request> sent = comm().issend(mine, Dest(), 2);
  ASSERT_THAT(sent, IsOk());
  ASSERT_THAT(sent->wait(), IsOk());
  EXPECT_THAT(posted->wait(), IsOkAndHolds(theirs));
  // And with a blocking receive on another tag in between.
  posted = comm().irecv<std::vector<double>>(Source(), 2);
  ASSERT_THAT(posted, IsOk());
  sent = comm().isend(mine, Dest(), 2);
  ASSERT_THAT(sent, IsOk());
  absl::StatusOr<Request> small = comm().isend(1, Dest(), 3);
  ASSERT_THAT(small, IsOk());
  EXPECT_THAT(comm().recv<int>(Source(), 3), IsOkAndHolds(1));
  ASSERT_THAT(sent->wait(), IsOk());
  ASSERT_THAT(small->wait(), IsOk());
  EXPECT_THAT(posted->wait(), IsOkAndHolds(theirs));
}

// A rank in barrier advances its posted receives: its peer's blocking
// send of a large object (which waits for them) completes, and the peer
// arrives at the barrier too.
TEST_P(P2pTest, BarrierAdvancesPostedReceives) {
  const std::vector<double> big(1 << 20, 2.5);
  const bool has_pair = intra() ? comm().size() >= 2 : true;
  const bool receiver = has_pair && comm().rank() == 0 && (intra() || low_);
  const bool sender =
      has_pair && (intra() ? comm().rank() == 1 : !low_ && comm().rank() == 0);
  const int peer = intra() ? 1 - comm().rank() : 0;
  std::optional<RecvRequest<std::vector<double>>> posted;
  if (receiver) {
    absl::StatusOr<RecvRequest<std::vector<double>>> started =
        comm().irecv<std::vector<double>>(peer, 7);
    ASSERT_THAT(started, IsOk());
    posted = *std::move(started);
  }
  if (sender) {
    ASSERT_THAT(comm().send(big, peer, 7), IsOk());
  }
  EXPECT_THAT(comm().barrier(), IsOk());
  if (receiver) {
    EXPECT_THAT(posted->wait(), IsOkAndHolds(big));
  }
  EXPECT_THAT(comm().barrier(), IsOk());
}

TEST_P(P2pTest, IrecvFromAnySourceAndCancel) {
  // Every rank sends one object to every remote rank; each receives them
  // all through irecv(MPI_ANY_SOURCE) and learns the senders from statuses.
  std::vector<Request> sends;
  for (int dest = 0; dest < RemoteSize(); ++dest) {
    absl::StatusOr<Request> sent =
        comm().isend(std::vector<int32_t>(2000, comm().rank()), dest, 3);
    ASSERT_THAT(sent, IsOk());
    sends.push_back(*std::move(sent));
  }
  const int senders = intra() ? comm().size() : RemoteSize();
  std::vector<int> seen;
  for (int i = 0; i < senders; ++i) {
    absl::StatusOr<RecvRequest<std::vector<int32_t>>> posted =
        comm().irecv<std::vector<int32_t>>(MPI_ANY_SOURCE, 3);
    ASSERT_THAT(posted, IsOk());
    Status status;
    absl::StatusOr<std::vector<int32_t>> received = posted->wait(&status);
    ASSERT_THAT(received, IsOk());
    EXPECT_EQ(*received, std::vector<int32_t>(2000, status.source));
    seen.push_back(status.source);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(senders));
  ASSERT_THAT(Request::waitall(sends), IsOk());
  // Nothing is sent on tag 4: the receive is cancelled, and loses nothing.
  absl::StatusOr<RecvRequest<std::string>> never =
      comm().irecv<std::string>(MPI_ANY_SOURCE, 4);
  ASSERT_THAT(never, IsOk());
  EXPECT_THAT(never->cancel(), IsOkAndHolds(true));
  Status status;
  EXPECT_THAT(static_cast<Request&>(*never).wait(&status), IsOk());
  EXPECT_TRUE(status.cancelled);
  EXPECT_TRUE(never->is_null());
}

TEST_P(P2pTest, PingPong) {
  if (!HasPartner() || (intra() && comm().size() == 1)) return;
  const bool playing = !intra() || comm().rank() < 2;
  if (!playing) return;
  const int peer = intra() ? 1 - comm().rank() : Dest();
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    if (First()) {
      ASSERT_THAT(comm().send(object, peer), IsOk());
      EXPECT_THAT(comm().recv<T>(peer), IsOkAndHolds(object));
    } else {
      absl::StatusOr<T> received = comm().recv<T>(peer);
      ASSERT_THAT(received, IsOkAndHolds(object));
      ASSERT_THAT(comm().send(*received, peer), IsOk());
    }
  });
}

TEST_P(P2pTest, ProbeAndIprobeTakeNothing) {
  if (!intra()) GTEST_SKIP() << "sends to oneself";
  Status status;
  EXPECT_THAT(comm().iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, &status),
              IsOkAndHolds(false));
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    absl::StatusOr<Request> sent = comm().issend(object, comm().rank(), 123);
    ASSERT_THAT(sent, IsOk());
    absl::StatusOr<bool> found = false;
    while (found.ok() && !*found) {
      found = comm().iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, &status);
    }
    ASSERT_THAT(found, IsOk());
    EXPECT_EQ(status.source, comm().rank());
    EXPECT_EQ(status.tag, 123);
    ASSERT_THAT(comm().probe(MPI_ANY_SOURCE, MPI_ANY_TAG, &status), IsOk());
    EXPECT_EQ(status.tag, 123);
    EXPECT_THAT(sent->test(), IsOkAndHolds(false));
    EXPECT_THAT(comm().recv<T>(comm().rank(), 123), IsOkAndHolds(object));
    EXPECT_THAT(sent->wait(), IsOk());
  });
}

TEST_P(P2pTest, MatchedProbes) {
  if (!intra()) GTEST_SKIP() << "sends to oneself";
  const int me = comm().rank();
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    // mprobe + recv
    absl::StatusOr<Request> sent = comm().issend(object, me, 123);
    ASSERT_THAT(sent, IsOk());
    Status status;
    absl::StatusOr<Message> message =
        comm().mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, &status);
    ASSERT_THAT(message, IsOk());
    EXPECT_EQ(status.source, me);
    EXPECT_EQ(status.tag, 123);
    EXPECT_GT(status.count, 0u);
    EXPECT_TRUE(static_cast<bool>(*message));
    Status received_status;
    EXPECT_THAT(message->recv<T>(&received_status), IsOkAndHolds(object));
    EXPECT_FALSE(static_cast<bool>(*message));
    EXPECT_EQ(received_status.count, status.count);
    EXPECT_THAT(sent->wait(), IsOk());
    // mprobe + irecv
    sent = comm().issend(object, me, 123);
    ASSERT_THAT(sent, IsOk());
    message = comm().mprobe(me, 123);
    ASSERT_THAT(message, IsOk());
    absl::StatusOr<RecvRequest<T>> request = message->irecv<T>();
    ASSERT_THAT(request, IsOk());
    EXPECT_FALSE(static_cast<bool>(*message));
    EXPECT_THAT(request->wait(&status), IsOkAndHolds(object));
    EXPECT_EQ(status.source, me);
    EXPECT_FALSE(static_cast<bool>(*request));
    EXPECT_THAT(sent->wait(), IsOk());
    // improbe: nothing, then the object.
    absl::StatusOr<std::optional<Message>> none = comm().improbe(me, 123);
    ASSERT_THAT(none, IsOk());
    EXPECT_FALSE(none->has_value());
    sent = comm().issend(object, me, 123);
    ASSERT_THAT(sent, IsOk());
    while (!*comm().iprobe(me, 123)) {
    }
    absl::StatusOr<std::optional<Message>> some =
        Message::iprobe(comm(), MPI_ANY_SOURCE, MPI_ANY_TAG, &status);
    ASSERT_THAT(some, IsOk());
    ASSERT_TRUE(some->has_value());
    EXPECT_EQ(status.tag, 123);
    EXPECT_THAT((*some)->recv<T>(), IsOkAndHolds(object));
    EXPECT_THAT(sent->wait(), IsOk());
    // Message::probe, then free: the object is discarded, the sender
    // completes.
    sent = comm().issend(object, me, 123);
    ASSERT_THAT(sent, IsOk());
    message = Message::probe(comm(), me, 123);
    ASSERT_THAT(message, IsOk());
    EXPECT_THAT(message->free(), IsOk());
    EXPECT_TRUE(message->is_null());
    EXPECT_THAT(sent->wait(), IsOk());
  });
}

TEST_P(P2pTest, SsendAndMprobe) {
  if (!HasPartner() || (intra() && comm().size() == 1)) return;
  if (intra() && comm().rank() > 1) return;
  const int peer = intra() ? 1 - comm().rank() : Dest();
  ForEachObject([&](const auto& object) {
    using T = std::decay_t<decltype(object)>;
    if (First()) {
      ASSERT_THAT(comm().ssend(object, peer), IsOk());
      absl::StatusOr<Message> message = comm().mprobe(peer);
      ASSERT_THAT(message, IsOk());
      EXPECT_THAT(message->recv<T>(), IsOkAndHolds(object));
    } else {
      absl::StatusOr<Message> message = comm().mprobe(peer);
      ASSERT_THAT(message, IsOk());
      absl::StatusOr<T> received = message->recv<T>();
      ASSERT_THAT(received, IsOkAndHolds(object));
      ASSERT_THAT(comm().ssend(*received, peer), IsOk());
    }
  });
}

TEST_P(P2pTest, RecvIntoReusesStorage) {
  if (!HasPartner()) return;
  std::vector<double> storage(1 << 16, 0.0);
  const double* before = storage.data();
  for (int round = 0; round < 3; ++round) {
    absl::StatusOr<Request> sent = comm().isend(
        std::vector<double>(1 << 16, static_cast<double>(round)), Dest());
    ASSERT_THAT(sent, IsOk());
    ASSERT_THAT(comm().recv_into(storage, Source()), IsOk());
    EXPECT_EQ(storage.data(), before);
    EXPECT_EQ(storage,
              std::vector<double>(1 << 16, static_cast<double>(round)));
    EXPECT_THAT(sent->wait(), IsOk());
  }
}

// irecv_into, Message::irecv_into and sendrecv_into land in the caller's
// storage; the request completes null (nothing to take); a failure leaves
// the communicator usable.
TEST_P(P2pTest, NonblockingAndCombinedReceivesIntoCallerStorage) {
  if (!HasPartner()) return;
  std::vector<double> storage(1 << 16, 0.0);
  const double* before = storage.data();
  for (int round = 0; round < 3; ++round) {
    const std::vector<double> sent_values(1 << 16, round + 0.5);
    absl::StatusOr<Request> posted = comm().irecv_into(storage, Source(), 8);
    ASSERT_THAT(posted, IsOk());
    absl::StatusOr<Request> sent = comm().isend(sent_values, Dest(), 8);
    ASSERT_THAT(sent, IsOk());
    std::vector<Request*> both = {&*posted, &*sent};
    ASSERT_THAT(Request::waitall(both), IsOk());
    EXPECT_TRUE(posted->is_null());
    EXPECT_EQ(storage.data(), before);
    EXPECT_EQ(storage, sent_values);

    sent = comm().isend(std::vector<double>(1 << 16, round + 1.5), Dest(), 9);
    ASSERT_THAT(sent, IsOk());
    absl::StatusOr<Message> message = comm().mprobe(Source(), 9);
    ASSERT_THAT(message, IsOk());
    posted = message->irecv_into(storage);
    ASSERT_THAT(posted, IsOk());
    EXPECT_TRUE(message->is_null());
    Status status;
    ASSERT_THAT(posted->wait(&status), IsOk());
    EXPECT_EQ(status.source, Source());
    EXPECT_EQ(storage.data(), before);
    EXPECT_EQ(storage, std::vector<double>(1 << 16, round + 1.5));
    EXPECT_THAT(sent->wait(), IsOk());

    ASSERT_THAT(comm().sendrecv_into(std::vector<double>(1 << 16, round + 2.5),
                                     Dest(), storage, Source(), 10, 10),
                IsOk());
    EXPECT_EQ(storage.data(), before);
    EXPECT_EQ(storage, std::vector<double>(1 << 16, round + 2.5));
  }
  // Another type than the storage's: an error, and the next object arrives.
  absl::StatusOr<Request> posted = comm().irecv_into(storage, Source(), 11);
  ASSERT_THAT(posted, IsOk());
  absl::StatusOr<Request> sent = comm().isend(std::string("text"), Dest(), 11);
  ASSERT_THAT(sent, IsOk());
  EXPECT_THAT(posted->wait(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(sent->wait(), IsOk());
  std::string text;
  ASSERT_THAT(
      comm().sendrecv_into(std::string("next"), Dest(), text, Source(), 11, 11),
      IsOk());
  EXPECT_EQ(text, "next");
  // From MPI_PROC_NULL: at once, the object untouched.
  posted = comm().irecv_into(text, MPI_PROC_NULL);
  ASSERT_THAT(posted, IsOk());
  ASSERT_THAT(posted->wait(), IsOk());
  EXPECT_EQ(text, "next");
}

// Wrong type, foreign bytes, bad ranks and tags: a clear error each, and
// the communicator stays usable.
TEST_P(P2pTest, BadInputIsAnErrorAndLosesNothing) {
  if (!HasPartner()) return;
  absl::StatusOr<Request> sent = comm().isend(std::string("text"), Dest(), 6);
  ASSERT_THAT(sent, IsOk());
  EXPECT_THAT(comm().recv<double>(Source(), 6),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("received string but expected f64")));
  EXPECT_THAT(sent->wait(), IsOk());
  if (intra()) {
    // Raw MPI bytes on the tag pkl5 receives on.
    std::mt19937 random(static_cast<unsigned>(comm().rank()));
    std::vector<char> foreign(1 + random() % 3000);
    for (char& c : foreign) c = static_cast<char>(random());
    MPI_Request raw;
    MPI_Isend(foreign.data(), static_cast<int>(foreign.size()), MPI_BYTE,
              Dest(), 6, comm().mpi_comm(), &raw);
    EXPECT_THAT(
        comm().recv<std::string>(Source(), 6),
        StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a pkl5 message")));
    MPI_Wait(&raw, MPI_STATUS_IGNORE);
  }
  EXPECT_THAT(
      comm().send(1, RemoteSize()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid rank")));
  EXPECT_THAT(comm().recv<int>(-5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(comm().irecv<int>(0, -3),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(comm().isend(1, Dest(), -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Still usable.
  EXPECT_THAT(comm().sendrecv<std::string>(std::string("after"), Dest(), 6,
                                           Source(), 6),
              IsOkAndHolds("after"));
}

INSTANTIATE_TEST_SUITE_P(
    Settings, P2pTest,
    ::testing::Values(Setting{Kind::kIntra, 0},
                      Setting{Kind::kIntra, kDefaultOutOfBandThreshold},
                      Setting{Kind::kInter, 0},
                      Setting{Kind::kInter, kDefaultOutOfBandThreshold}),
    Name);

TEST(CommCreateTest, WrongKindsAreInvalidArguments) {
  EXPECT_THAT(Intercomm::Create(MPI_COMM_WORLD),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("use pkl5::Intracomm")));
  EXPECT_THAT(Intracomm::Create(MPI_COMM_NULL),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CommCreateTest, AFreedCommunicatorKeepsPendingRequestsWorking) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_SELF);
  ASSERT_THAT(comm, IsOk());
  absl::StatusOr<Request> sent =
      comm->isend(std::vector<char>(1 << 20, 'z'), 0);
  ASSERT_THAT(sent, IsOk());
  absl::StatusOr<RecvRequest<std::vector<char>>> posted =
      comm->irecv<std::vector<char>>(0);
  ASSERT_THAT(posted, IsOk());
  comm->free();
  EXPECT_TRUE(comm->is_null());
  EXPECT_THAT(comm->send(1, 0),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(posted->wait(), IsOkAndHolds(std::vector<char>(1 << 20, 'z')));
  EXPECT_THAT(sent->wait(), IsOk());
}

}  // namespace
}  // namespace pkl5
