// The Python mode's wire between C++ ranks, in a ring (each rank sends to
// the next with isend and receives from the previous): every call, large
// pieces through small block sizes, and hostile input, each followed by an
// object that must arrive intact. The exchange with real Python ranks is
// //python:interop_test.
#include <mpi.h>

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/python/comm.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5::python {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

struct Sample {
  std::string name;
  std::vector<std::vector<float>> grid;
  std::map<std::string, int64_t> counts;
  PKL5_FIELDS(Sample, name, grid, counts);
  friend bool operator==(const Sample& a, const Sample& b) {
    return a.name == b.name && a.grid == b.grid && a.counts == b.counts;
  }
};

class WireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MPI_Comm_dup(MPI_COMM_WORLD, &mpi_);
    CommOptions options;
    options.pickle.out_of_band_threshold = 64;
    options.block_bytes = 100;  // pieces past 100 bytes: derived datatypes
    options.part_timeout = absl::Seconds(2);
    absl::StatusOr<Intracomm> made = Intracomm::Create(mpi_, options);
    ASSERT_THAT(made, IsOk());
    comm_ = std::move(*made);
    next_ = (comm_.rank() + 1) % comm_.size();
    previous_ = (comm_.rank() + comm_.size() - 1) % comm_.size();
  }
  void TearDown() override {
    MPI_Barrier(mpi_);
    comm_ = Intracomm();
    MPI_Comm_free(&mpi_);
  }
  // Raw bytes to the next rank on `tag`, as a foreign sender would.
  // MPI reads an Isend's buffer until the send completes (MPICH does read it
  // late), so the bytes stay here, at a stable address, until WaitRaw.
  void SendRaw(std::string bytes, int tag) {
    const std::string& kept = raw_bytes_.emplace_back(std::move(bytes));
    MPI_Request request;
    MPI_Isend(kept.data(), static_cast<int>(kept.size()), MPI_BYTE, next_, tag,
              mpi_, &request);
    raw_.push_back(request);
  }
  void WaitRaw() {
    MPI_Waitall(static_cast<int>(raw_.size()), raw_.data(),
                MPI_STATUSES_IGNORE);
    raw_.clear();
    raw_bytes_.clear();
  }
  // The next rank's check that the ring still works on `tag`.
  void ExpectIntact(int tag) {
    absl::StatusOr<Request> sent = comm_.isend(tag * 10, next_, tag);
    ASSERT_THAT(sent, IsOk());
    EXPECT_THAT(comm_.recv<int>(previous_, tag), IsOkAndHolds(tag * 10));
    EXPECT_THAT(sent->wait(), IsOk());
  }

  MPI_Comm mpi_ = MPI_COMM_NULL;
  Intracomm comm_;
  int next_ = 0;
  int previous_ = 0;
  std::vector<MPI_Request> raw_;
  std::deque<std::string> raw_bytes_;
};

Sample MakeSample(int rank) {
  Sample sample{"rank " + std::to_string(rank), {}, {{"a", rank}}};
  sample.grid.assign(7, std::vector<float>(33, static_cast<float>(rank)));
  return sample;
}

TEST_F(WireTest, EveryCallCarriesObjects) {
  const Sample mine = MakeSample(comm_.rank());
  const Sample theirs = MakeSample(previous_);
  {
    absl::StatusOr<Request> sent = comm_.isend(mine, next_, 1);
    ASSERT_THAT(sent, IsOk());
    Status status;
    EXPECT_THAT(comm_.recv<Sample>(previous_, 1, &status),
                IsOkAndHolds(theirs));
    EXPECT_EQ(status.source, previous_);
    EXPECT_GT(status.count, 7u * 33 * 4);
    EXPECT_THAT(sent->wait(), IsOk());
  }
  {
    absl::StatusOr<Request> sent = comm_.issend(Sample(mine), next_, 2);
    ASSERT_THAT(sent, IsOk());
    absl::StatusOr<Message> message = comm_.mprobe(MPI_ANY_SOURCE, 2);
    ASSERT_THAT(message, IsOk());
    absl::StatusOr<RecvRequest<Sample>> request = message->irecv<Sample>();
    ASSERT_THAT(request, IsOk());
    std::vector<Request*> both = {&*sent, &*request};
    EXPECT_THAT(Request::waitall(both), IsOk());
    EXPECT_THAT(request->wait(), IsOkAndHolds(theirs));
  }
  EXPECT_THAT(comm_.sendrecv<Sample>(mine, next_, 3, previous_, 3),
              IsOkAndHolds(theirs));
  // MPI_PROC_NULL completes at once.
  EXPECT_THAT(comm_.send(mine, MPI_PROC_NULL), IsOk());
  Status status;
  EXPECT_THAT(comm_.recv<int>(MPI_PROC_NULL, 0, &status), IsOkAndHolds(0));
  EXPECT_EQ(status.source, MPI_PROC_NULL);
  for (int root = 0; root < comm_.size(); ++root) {
    Sample sample = comm_.rank() == root ? MakeSample(root) : Sample{};
    EXPECT_THAT(comm_.bcast(sample, root), IsOk());
    EXPECT_EQ(sample, MakeSample(root));
  }
}

TEST_F(WireTest, ArgumentsAreCheckedBeforeMpi) {
  EXPECT_THAT(comm_.send(1, comm_.size()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(comm_.send(1, 0, -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(comm_.recv<int>(-7),
              StatusIs(absl::StatusCode::kInvalidArgument));
  int value = 0;
  EXPECT_THAT(comm_.bcast(value, comm_.size()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(comm_.send(std::string("\xff"), next_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  ExpectIntact(4);
}

TEST_F(WireTest, ABadRootObjectReachesEveryRankAsAnError) {
  std::string text = comm_.rank() == 0 ? std::string("\xff") : std::string();
  const absl::Status status = comm_.bcast(text, 0);
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  std::string next = comm_.rank() == 0 ? "ok" : "";
  EXPECT_THAT(comm_.bcast(next, 0), IsOk());
  EXPECT_EQ(next, "ok");
}

TEST_F(WireTest, AWrongTypeDrainsTheObject) {
  absl::StatusOr<Request> sent =
      comm_.isend(MakeSample(comm_.rank()), next_, 5);
  ASSERT_THAT(sent, IsOk());
  EXPECT_THAT(
      comm_.recv<std::vector<double>>(previous_, 5),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got dict")));
  EXPECT_THAT(sent->wait(), IsOk());
  ExpectIntact(5);
}

TEST_F(WireTest, ForeignMessagesAreDrainedAndReported) {
  // Not a multiple of 8 bytes; a header with a negative length; a header
  // announcing a 5-byte stream followed by a 9-byte message.
  SendRaw("seven b", 6);
  const long long negative[] = {-1};
  SendRaw(std::string(reinterpret_cast<const char*>(negative), 8), 7);
  const long long five[] = {5};
  SendRaw(std::string(reinterpret_cast<const char*>(five), 8), 8);
  SendRaw("nine byte", 8);
  EXPECT_THAT(comm_.recv<int>(previous_, 6),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("not an mpi4py pkl5 header")));
  EXPECT_THAT(comm_.recv<int>(previous_, 7),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("negative")));
  EXPECT_THAT(comm_.recv<int>(previous_, 8),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("has 9 bytes, its header said 5")));
  WaitRaw();
  ExpectIntact(6);
  ExpectIntact(8);
}

TEST_F(WireTest, AHeaderWhosePiecesNeverComeTimesOut) {
  const long long lengths[] = {10, 20};
  SendRaw(std::string(reinterpret_cast<const char*>(lengths), 16), 9);
  EXPECT_THAT(
      comm_.recv<int>(previous_, 9),
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("part_timeout")));
  WaitRaw();
  // mpi4py's wire sends pieces on the object's own tag: a rank whose wait
  // started later may still be waiting for the forged pieces, and would
  // take the next object's header for one. Every wait ends first.
  MPI_Barrier(mpi_);
  ExpectIntact(9);
}

TEST_F(WireTest, AnObjectOverTheCapIsDropped) {
  CommOptions small;
  small.pickle.max_object_bytes = 1000;
  absl::StatusOr<Intracomm> capped = Intracomm::Create(mpi_, small);
  ASSERT_THAT(capped, IsOk());
  absl::StatusOr<Request> sent =
      comm_.isend(std::vector<double>(1000, 1.0), next_, 10);
  ASSERT_THAT(sent, IsOk());
  EXPECT_THAT(capped->recv<std::vector<double>>(previous_, 10),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("max_object_bytes")));
  EXPECT_THAT(sent->wait(), IsOk());
  ExpectIntact(10);
}

}  // namespace
}  // namespace pkl5::python
