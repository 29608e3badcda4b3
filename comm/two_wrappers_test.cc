// Two pkl5 wrappers of one MPI communicator (two libraries in one program)
// share its envelopes' tag space, so an object sent through one may be
// received through the other: it must arrive whole and be the object that
// was sent, never another object's parts. Each case sends around a ring
// (nonblocking, so one rank sending to itself works on every MPI).
#include <mpi.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/comm/request.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;

// Out-of-band: the parts travel on the private channel.
std::vector<double> Large(double value) {
  return std::vector<double>(131072, value);
}

class TwoWrappersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(MPI_Comm_dup(MPI_COMM_WORLD, &mpi_comm_), MPI_SUCCESS);
    absl::StatusOr<Intracomm> a = Intracomm::Create(mpi_comm_);
    absl::StatusOr<Intracomm> b = Intracomm::Create(mpi_comm_);
    ASSERT_THAT(a, IsOk());
    ASSERT_THAT(b, IsOk());
    a_ = *std::move(a);
    b_ = *std::move(b);
    next_ = (a_.rank() + 1) % a_.size();
    previous_ = (a_.rank() + a_.size() - 1) % a_.size();
  }
  void TearDown() override {
    a_.free();
    b_.free();
    MPI_Comm_free(&mpi_comm_);
  }

  MPI_Comm mpi_comm_ = MPI_COMM_NULL;
  Intracomm a_;
  Intracomm b_;
  int next_ = 0;
  int previous_ = 0;
};

TEST_F(TwoWrappersTest, AnObjectReceivedThroughTheOtherWrapperIsTheOneSent) {
  absl::StatusOr<Request> five = a_.isend(Large(1.0), next_, 5);
  absl::StatusOr<Request> six = b_.isend(Large(2.0), next_, 6);
  ASSERT_THAT(five, IsOk());
  ASSERT_THAT(six, IsOk());
  EXPECT_THAT(b_.recv<std::vector<double>>(previous_, 5),
              IsOkAndHolds(Large(1.0)));
  EXPECT_THAT(a_.recv<std::vector<double>>(previous_, 6),
              IsOkAndHolds(Large(2.0)));
  EXPECT_THAT(five->wait(), IsOk());
  EXPECT_THAT(six->wait(), IsOk());
}

TEST_F(TwoWrappersTest, InterleavedObjectsOnOneTagArriveInOrder) {
  constexpr int kTag = 7;
  std::vector<Request> sends;
  for (int i = 0; i < 6; ++i) {
    Intracomm& sender = i % 2 == 0 ? a_ : b_;
    absl::StatusOr<Request> sent =
        i % 3 == 0 ? sender.isend(std::string(10, static_cast<char>('a' + i)),
                                  next_, kTag)
                   : sender.isend(Large(i), next_, kTag);
    ASSERT_THAT(sent, IsOk());
    sends.push_back(*std::move(sent));
  }
  // Received through the wrapper the object was not sent through, and by
  // every kind of receive: in MPI's order whatever the wrapper.
  for (int i = 0; i < 6; ++i) {
    Intracomm& receiver = i % 2 == 0 ? b_ : a_;
    if (i % 3 == 0) {
      EXPECT_THAT(receiver.recv<std::string>(previous_, kTag),
                  IsOkAndHolds(std::string(10, static_cast<char>('a' + i))))
          << "object " << i;
    } else if (i % 3 == 1) {
      absl::StatusOr<RecvRequest<std::vector<double>>> posted =
          receiver.irecv<std::vector<double>>(previous_, kTag);
      ASSERT_THAT(posted, IsOk());
      EXPECT_THAT(posted->wait(), IsOkAndHolds(Large(i))) << "object " << i;
    } else {
      absl::StatusOr<Message> message = receiver.mprobe(previous_, kTag);
      ASSERT_THAT(message, IsOk());
      EXPECT_THAT(message->recv<std::vector<double>>(), IsOkAndHolds(Large(i)))
          << "object " << i;
    }
  }
  for (Request& send : sends) EXPECT_THAT(send.wait(), IsOk());
}

TEST_F(TwoWrappersTest, AWrapperMadeLaterSharesTheChannelToo) {
  absl::StatusOr<Request> sent = a_.isend(Large(3.0), next_, 8);
  ASSERT_THAT(sent, IsOk());
  absl::StatusOr<Intracomm> late = Intracomm::Create(mpi_comm_);
  ASSERT_THAT(late, IsOk());
  EXPECT_THAT(late->recv<std::vector<double>>(previous_, 8),
              IsOkAndHolds(Large(3.0)));
  EXPECT_THAT(sent->wait(), IsOk());
}

}  // namespace
}  // namespace pkl5
