// Forged envelopes, sent raw on the user's communicator by a hostile or
// buggy peer: every receive path (recv, irecv, improbe) rejects those no
// pkl5 sender makes at once, before receiving or allocating anything, and
// those it does make but whose parts nobody sends once
// CommOptions::transport.part_timeout has passed; the real object sent
// after each arrives intact. Raw sends go around a ring, with MPI_Isend so
// a rank sending to itself works on every MPI.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/comm/request.h"
#include "pkl5/testing/status_matchers.h"
#include "pkl5/testing/transport_testing.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::ForgedEnvelope;
using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::StatusIs;
using ::testing::HasSubstr;

enum class Path { kRecv, kIrecv, kImprobe };

struct Forgery {
  const char* what;
  std::string envelope;
  absl::StatusCode code;
  const char* says;
};

std::vector<Forgery> Forgeries() {
  return {
      {"no table, no pieces", ForgedEnvelope(false, 0, 0),
       absl::StatusCode::kDataLoss, "on the channel although it fits"},
      {"no table for 2 pieces", ForgedEnvelope(false, 2, 0),
       absl::StatusCode::kDataLoss, "on the channel although it fits"},
      {"an 8-byte third piece on the channel",
       ForgedEnvelope(true, 3, 2, {4, 2, 8}, "headin"),
       absl::StatusCode::kDataLoss, "although it fits inline"},
      {"a table of 2^32-1 pieces", ForgedEnvelope(false, 0xffffffffu, 0),
       absl::StatusCode::kResourceExhausted, "TransportOptions::max_pieces"},
      {"a table of 2^27 pieces", ForgedEnvelope(false, 1u << 27, 0),
       absl::StatusCode::kResourceExhausted, "TransportOptions::max_pieces"},
      // Consistent layouts whose channel messages nobody sends: the
      // communicator's part_timeout ends the wait.
      {"a table of 1000 pieces nobody sends", ForgedEnvelope(false, 1000, 0),
       absl::StatusCode::kDeadlineExceeded, "part_timeout"},
      {"a 1 MiB part nobody sends",
       ForgedEnvelope(true, 3, 2, {4, 2, 1 << 20}, "headin"),
       absl::StatusCode::kDataLoss, "part_timeout"},
  };
}

class ForgedEnvelopeTest : public ::testing::TestWithParam<Path> {
 protected:
  void SetUp() override {
    ASSERT_EQ(MPI_Comm_dup(MPI_COMM_WORLD, &mpi_comm_), MPI_SUCCESS);
    CommOptions options;
    options.transport.part_timeout = absl::Milliseconds(300);
    absl::StatusOr<Intracomm> comm = Intracomm::Create(mpi_comm_, options);
    ASSERT_THAT(comm, IsOk());
    comm_ = *std::move(comm);
    next_ = (comm_.rank() + 1) % comm_.size();
    previous_ = (comm_.rank() + comm_.size() - 1) % comm_.size();
  }
  void TearDown() override {
    comm_.free();
    MPI_Comm_free(&mpi_comm_);
  }

  // Receives one object of `tag` the way the test's path does.
  absl::StatusOr<std::vector<double>> Receive(int tag) {
    switch (GetParam()) {
      case Path::kRecv:
        return comm_.recv<std::vector<double>>(previous_, tag);
      case Path::kIrecv: {
        absl::StatusOr<RecvRequest<std::vector<double>>> request =
            comm_.irecv<std::vector<double>>(previous_, tag);
        if (!request.ok()) return request.status();
        return request->wait();
      }
      case Path::kImprobe: {
        // Polls, as a program that never blocks does, for up to 30 s.
        const double deadline = MPI_Wtime() + 30;
        while (MPI_Wtime() < deadline) {
          absl::StatusOr<std::optional<Message>> message =
              comm_.improbe(previous_, tag);
          if (!message.ok()) return message.status();
          if (message->has_value()) {
            return (*message)->recv<std::vector<double>>();
          }
        }
        return absl::DeadlineExceededError("improbe found nothing in 30 s");
      }
    }
    return absl::InternalError("unknown path");
  }

  MPI_Comm mpi_comm_ = MPI_COMM_NULL;
  Intracomm comm_;
  int next_ = 0;
  int previous_ = 0;
};

TEST_P(ForgedEnvelopeTest, EachIsRejectedAtOnceAndTheNextObjectArrives) {
  constexpr int kTag = 9;
  const std::vector<Forgery> forgeries = Forgeries();
  const std::vector<double> real(100000, 0.5);  // parts on the channel
  for (const Forgery& forgery : forgeries) {
    MPI_Request raw = MPI_REQUEST_NULL;
    ASSERT_EQ(MPI_Isend(forgery.envelope.data(),
                        static_cast<int>(forgery.envelope.size()), MPI_BYTE,
                        next_, kTag, mpi_comm_, &raw),
              MPI_SUCCESS);
    absl::StatusOr<Request> sent = comm_.isend(real, next_, kTag);
    ASSERT_THAT(sent, IsOk());
    EXPECT_THAT(Receive(kTag), StatusIs(forgery.code, HasSubstr(forgery.says)))
        << forgery.what;
    EXPECT_THAT(Receive(kTag), IsOkAndHolds(real)) << "after " << forgery.what;
    EXPECT_THAT(sent->wait(), IsOk());
    ASSERT_EQ(MPI_Wait(&raw, MPI_STATUS_IGNORE), MPI_SUCCESS);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryReceivePath, ForgedEnvelopeTest,
                         ::testing::Values(Path::kRecv, Path::kIrecv,
                                           Path::kImprobe));

}  // namespace
}  // namespace pkl5
