// Early-return macros for `absl::Status` and `absl::StatusOr<T>`.
//
// Debian's Abseil (20220623) ships neither `RETURN_IF_ERROR` nor
// `ASSIGN_OR_RETURN`; these are the pkl5-prefixed equivalents, so they never
// clash with a user's own macros of the common names.
//
//   absl::StatusOr<Frame> Encode(const Thing& thing) {
//     PKL5_RETURN_IF_ERROR(Validate(thing));
//     PKL5_ASSIGN_OR_RETURN(std::string header, EncodeHeader(thing));
//     return Frame{std::move(header)};
//   }
#ifndef PKL5_BASE_STATUS_MACROS_H_
#define PKL5_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pkl5/base/config.h"  // first: the C++17 check

// Evaluates `expr`, an `absl::Status`, and returns it from the enclosing
// function if it is not OK.
#define PKL5_RETURN_IF_ERROR(expr)                                \
  do {                                                            \
    ::absl::Status pkl5_return_if_error_status_ = (expr);         \
    if (ABSL_PREDICT_FALSE(!pkl5_return_if_error_status_.ok())) { \
      return pkl5_return_if_error_status_;                        \
    }                                                             \
  } while (false)

// Evaluates `rexpr`, an `absl::StatusOr<T>`; returns its status from the
// enclosing function if it is not OK, else moves its value into `lhs`, which
// may be a declaration (`PKL5_ASSIGN_OR_RETURN(auto x, F())`) or an existing
// variable. `lhs` must not contain unparenthesised commas.
#define PKL5_ASSIGN_OR_RETURN(lhs, rexpr) \
  PKL5_ASSIGN_OR_RETURN_IMPL_(            \
      PKL5_STATUS_MACROS_CONCAT_(pkl5_statusor_, __LINE__), lhs, rexpr)

#define PKL5_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {               \
    return std::move(statusor).status();                  \
  }                                                       \
  lhs = std::move(statusor).value()

#define PKL5_STATUS_MACROS_CONCAT_(a, b) PKL5_STATUS_MACROS_CONCAT_IMPL_(a, b)
#define PKL5_STATUS_MACROS_CONCAT_IMPL_(a, b) a##b

#endif  // PKL5_BASE_STATUS_MACROS_H_
