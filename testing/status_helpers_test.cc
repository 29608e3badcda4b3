#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/testing/status_matchers.h"

namespace pkl5 {
namespace {

using ::pkl5::internal_testing::IsOk;
using ::pkl5::internal_testing::IsOkAndHolds;
using ::pkl5::internal_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

absl::Status FailIf(bool fail) {
  return fail ? absl::DataLossError("truncated") : absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<int>> MakeInt(bool fail, int value) {
  if (fail) return absl::InvalidArgumentError("no int");
  return std::make_unique<int>(value);
}

absl::Status ReturnIfError(bool fail, int* steps) {
  PKL5_RETURN_IF_ERROR(FailIf(fail));
  ++*steps;
  return absl::OkStatus();
}

absl::StatusOr<int> AssignOrReturn(bool fail) {
  PKL5_ASSIGN_OR_RETURN(std::unique_ptr<int> value, MakeInt(fail, 41));
  int sum = *value;
  // Twice in one scope: the hidden temporaries must not collide.
  PKL5_ASSIGN_OR_RETURN(value, MakeInt(fail, 1));
  return sum + *value;
}

TEST(StatusMacrosTest, ReturnIfErrorContinuesOnOk) {
  int steps = 0;
  EXPECT_THAT(ReturnIfError(false, &steps), IsOk());
  EXPECT_EQ(steps, 1);
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheError) {
  int steps = 0;
  EXPECT_THAT(ReturnIfError(true, &steps),
              StatusIs(absl::StatusCode::kDataLoss, "truncated"));
  EXPECT_EQ(steps, 0);
}

TEST(StatusMacrosTest, AssignOrReturnMovesTheValue) {
  EXPECT_THAT(AssignOrReturn(false), IsOkAndHolds(42));
}

TEST(StatusMacrosTest, AssignOrReturnReturnsTheError) {
  EXPECT_THAT(AssignOrReturn(true),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("int")));
}

TEST(StatusMatchersTest, IsOkMatchesStatusAndStatusOr) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(absl::StatusOr<int>(3), IsOk());
  EXPECT_THAT(absl::InternalError("x"), Not(IsOk()));
  EXPECT_THAT(absl::StatusOr<int>(absl::InternalError("x")), Not(IsOk()));
}

TEST(StatusMatchersTest, StatusIsChecksCodeAndMessage) {
  const absl::Status status = absl::DataLossError("bytes 3..9 truncated");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated")));
  EXPECT_THAT(status, Not(StatusIs(absl::StatusCode::kInternal)));
  EXPECT_THAT(status, Not(StatusIs(absl::StatusCode::kDataLoss, "other")));
  EXPECT_THAT(absl::StatusOr<int>(status),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(StatusMatchersTest, IsOkAndHoldsAppliesTheInnerMatcher) {
  EXPECT_THAT(absl::StatusOr<std::vector<int>>(std::vector<int>{1, 2}),
              IsOkAndHolds(ElementsAre(1, 2)));
  EXPECT_THAT(absl::StatusOr<std::string>("abc"),
              Not(IsOkAndHolds(std::string("abd"))));
  EXPECT_THAT(absl::StatusOr<int>(absl::InternalError("x")),
              Not(IsOkAndHolds(0)));
}

TEST(StatusMatchersTest, DescriptionsNameTheExpectation) {
  const ::testing::Matcher<const absl::StatusOr<int>&> matcher =
      IsOkAndHolds(7);
  EXPECT_EQ(::testing::DescribeMatcher<const absl::StatusOr<int>&>(matcher),
            "is OK and holds a value that is equal to 7");
}

}  // namespace
}  // namespace pkl5
