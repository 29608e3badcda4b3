// pkl5's limits at the API, each at its edge: an object of 20,000 parts
// (no fixed maximum; the size table then travels on the channel), channel
// tags wrapping many times around a tiny range, the object size cap, and
// buffered sends against a too-small capacity.
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/comm/intracomm.h"
#include "pkl5/comm/request.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

struct Ring {
  explicit Ring(const CommOptions& options) {
    absl::StatusOr<Intracomm> created =
        Intracomm::Create(MPI_COMM_WORLD, options);
    status = created.status();
    if (created.ok()) comm = std::move(*created);
    next = (comm.rank() + 1) % comm.size();
    previous = (comm.rank() - 1 + comm.size()) % comm.size();
  }
  absl::Status status;
  Intracomm comm;
  int next = 0;
  int previous = 0;
};

// 20,000 rather than more: Open MPI 4.1.4's shared memory path is quadratic
// in outstanding messages (raw MPI, 2 ranks, n 2-byte Isend/Irecv pairs
// at once: 10k 0.5 s, 30k 3.5 s, 100k 31 s), and each part is a message.
TEST(LimitsTest, AnObjectOfTwentyThousandPartsArrives) {
  CommOptions options;
  options.encode.out_of_band_threshold = 0;  // every vector its own part
  Ring ring(options);
  ASSERT_THAT(ring.status, IsOk());
  std::vector<std::vector<char>> parts(20000);
  for (size_t i = 0; i < parts.size(); ++i) {
    parts[i].assign(1 + i % 3, static_cast<char>(i));
  }
  absl::StatusOr<Request> sent = ring.comm.isend(parts, ring.next);
  ASSERT_THAT(sent, IsOk());
  Status status;
  EXPECT_THAT(
      ring.comm.recv<std::vector<std::vector<char>>>(ring.previous, 0, &status),
      IsOkAndHolds(parts));
  EXPECT_THAT(sent->wait(), IsOk());
}

TEST(LimitsTest, ChannelTagsWrapManyTimes) {
  CommOptions options;
  options.encode.out_of_band_threshold = 0;
  options.transport.channel_tag_bound = 2;  // tags 0, 1, 2, 0, ...
  Ring ring(options);
  ASSERT_THAT(ring.status, IsOk());
  std::vector<Request> sent;
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<Request> request =
        ring.comm.isend(std::vector<int>(100, i), ring.next, 4);
    ASSERT_THAT(request, IsOk());
    sent.push_back(std::move(*request));
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_THAT(ring.comm.recv<std::vector<int>>(ring.previous, 4),
                IsOkAndHolds(std::vector<int>(100, i)))
        << "object " << i;
  }
  EXPECT_THAT(Request::waitall(sent), IsOk());
}

TEST(LimitsTest, AnObjectOverTheCapIsRejectedAndTheNextArrives) {
  CommOptions options;
  options.decode.max_object_bytes = 64 << 10;
  Ring ring(options);
  ASSERT_THAT(ring.status, IsOk());
  absl::StatusOr<Request> big =
      ring.comm.isend(std::vector<char>(1 << 20, 'b'), ring.next, 5);
  absl::StatusOr<Request> small =
      ring.comm.isend(std::string("small"), ring.next, 5);
  ASSERT_THAT(big, IsOk());
  ASSERT_THAT(small, IsOk());
  EXPECT_THAT(ring.comm.recv<std::vector<char>>(ring.previous, 5),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("max_object_bytes")));
  EXPECT_THAT(ring.comm.recv<std::string>(ring.previous, 5),
              IsOkAndHolds("small"));
  EXPECT_THAT(big->wait(), IsOk());
  EXPECT_THAT(small->wait(), IsOk());
}

// A small object arrives whole in its envelope and is decoded where it
// landed (blocking recv and irecv alike): over the cap, or of another type,
// it is rejected with nothing left behind, and the next object arrives.
TEST(LimitsTest, WholeObjectsOverTheCapOrOfAnotherTypeAreRejected) {
  CommOptions options;
  options.decode.max_object_bytes = 64;
  Ring ring(options);
  ASSERT_THAT(ring.status, IsOk());
  for (bool posted : {false, true}) {
    SCOPED_TRACE(posted ? "irecv" : "recv");
    std::vector<Request> sent;
    for (const std::string& text :
         {std::string(100, 'l'), std::string("typed"), std::string("next")}) {
      absl::StatusOr<Request> request = ring.comm.isend(text, ring.next, 9);
      ASSERT_THAT(request, IsOk());
      sent.push_back(*std::move(request));
    }
    auto receive = [&](auto type_tag) {
      using T = decltype(type_tag);
      if (!posted) return ring.comm.recv<T>(ring.previous, 9);
      absl::StatusOr<RecvRequest<T>> request =
          ring.comm.irecv<T>(ring.previous, 9);
      if (!request.ok()) return absl::StatusOr<T>(request.status());
      return request->wait();
    };
    EXPECT_THAT(receive(std::string()),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("max_object_bytes")));
    EXPECT_THAT(receive(int64_t{0}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("received string but expected i64"),
                               HasSubstr("discarded"))));
    EXPECT_THAT(receive(std::string()), IsOkAndHolds("next"));
    EXPECT_THAT(Request::waitall(sent), IsOk());
  }
}

TEST(LimitsTest, BufferedSendsBeyondTheCapacityFailAndSendNothing) {
  CommOptions options;
  options.transport.buffered_send_capacity = 4 << 10;
  Ring ring(options);
  ASSERT_THAT(ring.status, IsOk());
  EXPECT_THAT(ring.comm.bsend(std::vector<char>(64 << 10, 'x'), ring.next, 6),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // Nothing of it was sent: the next object on the tag is the small one.
  EXPECT_THAT(ring.comm.bsend(std::string("fits"), ring.next, 6), IsOk());
  EXPECT_THAT(ring.comm.recv<std::string>(ring.previous, 6),
              IsOkAndHolds("fits"));
}

}  // namespace
}  // namespace pkl5
