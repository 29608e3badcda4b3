// GoogleMock matchers for `absl::Status` and `absl::StatusOr<T>`.
//
// Debian's Abseil (20220623) has none; these follow TensorStore's:
//
//   EXPECT_THAT(Decode(bytes), IsOk());
//   EXPECT_THAT(Decode(truncated), StatusIs(absl::StatusCode::kDataLoss));
//   EXPECT_THAT(Decode(other), StatusIs(absl::StatusCode::kInvalidArgument,
//                                       HasSubstr("vector<f64>")));
//   EXPECT_THAT(Decode(bytes), IsOkAndHolds(ElementsAre(1, 2, 3)));
//
// Each works on both `absl::Status` and `absl::StatusOr<T>`.
#ifndef PKL5_TESTING_STATUS_MATCHERS_H_
#define PKL5_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace pkl5::internal_testing {
namespace status_matchers_internal {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}

template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

class IsOkMatcher {
 public:
  template <typename StatusType>
  bool MatchAndExplain(const StatusType& value,
                       ::testing::MatchResultListener* listener) const {
    const absl::Status& status = GetStatus(value);
    if (!status.ok()) *listener << "whose status is " << status;
    return status.ok();
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not OK"; }
};

class StatusIsMatcher {
 public:
  StatusIsMatcher(::testing::Matcher<absl::StatusCode> code,
                  ::testing::Matcher<const std::string&> message)
      : code_(std::move(code)), message_(std::move(message)) {}

  template <typename StatusType>
  bool MatchAndExplain(const StatusType& value,
                       ::testing::MatchResultListener* listener) const {
    const absl::Status& status = GetStatus(value);
    *listener << "whose status is " << status;
    const std::string message(status.message());
    return code_.Matches(status.code()) && message_.Matches(message);
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has a status code that ";
    code_.DescribeTo(os);
    *os << " and a message that ";
    message_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "has a status code that ";
    code_.DescribeNegationTo(os);
    *os << " or a message that ";
    message_.DescribeNegationTo(os);
  }

 private:
  ::testing::Matcher<absl::StatusCode> code_;
  ::testing::Matcher<const std::string&> message_;
};

// Converts to a monomorphic matcher once the StatusOr type is known, so the
// inner matcher can describe itself for that value type.
template <typename InnerMatcher>
class IsOkAndHoldsMatcher {
 public:
  explicit IsOkAndHoldsMatcher(InnerMatcher inner) : inner_(std::move(inner)) {}

  template <typename StatusOrType>
  operator ::testing::Matcher<StatusOrType>() const {  // NOLINT: implicit
    using Value = typename std::decay_t<StatusOrType>::value_type;
    return ::testing::Matcher<StatusOrType>(
        new Impl<StatusOrType, Value>(inner_));
  }

 private:
  template <typename StatusOrType, typename Value>
  class Impl : public ::testing::MatcherInterface<StatusOrType> {
   public:
    explicit Impl(const InnerMatcher& inner)
        : inner_(::testing::SafeMatcherCast<const Value&>(inner)) {}

    bool MatchAndExplain(
        StatusOrType value,
        ::testing::MatchResultListener* listener) const override {
      if (!value.ok()) {
        *listener << "whose status is " << value.status();
        return false;
      }
      return inner_.MatchAndExplain(*value, listener);
    }
    void DescribeTo(std::ostream* os) const override {
      *os << "is OK and holds a value that ";
      inner_.DescribeTo(os);
    }
    void DescribeNegationTo(std::ostream* os) const override {
      *os << "is not OK or holds a value that ";
      inner_.DescribeNegationTo(os);
    }

   private:
    ::testing::Matcher<const Value&> inner_;
  };

  InnerMatcher inner_;
};

}  // namespace status_matchers_internal

// Matches an OK `absl::Status` or `absl::StatusOr<T>`.
inline auto IsOk() {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::IsOkMatcher());
}

// Matches a status (or a StatusOr's status) whose code matches `code`.
template <typename CodeMatcher>
auto StatusIs(CodeMatcher&& code) {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::StatusIsMatcher(
          ::testing::MatcherCast<absl::StatusCode>(
              std::forward<CodeMatcher>(code)),
          ::testing::A<const std::string&>()));
}

// Matches a status whose code matches `code` and whose message matches
// `message` (a string for equality, or a matcher such as `HasSubstr`).
template <typename CodeMatcher, typename MessageMatcher>
auto StatusIs(CodeMatcher&& code, MessageMatcher&& message) {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::StatusIsMatcher(
          ::testing::MatcherCast<absl::StatusCode>(
              std::forward<CodeMatcher>(code)),
          ::testing::MatcherCast<const std::string&>(
              std::forward<MessageMatcher>(message))));
}

// Matches an OK `absl::StatusOr<T>` whose value matches `inner`.
template <typename InnerMatcher>
auto IsOkAndHolds(InnerMatcher&& inner) {
  return status_matchers_internal::IsOkAndHoldsMatcher<
      std::decay_t<InnerMatcher>>(std::forward<InnerMatcher>(inner));
}

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_STATUS_MATCHERS_H_
