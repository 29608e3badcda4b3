#include "pkl5/python/pickle_codecs.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace pkl5::python_internal {

std::vector<absl::string_view> SplitFieldNames(const char* names) {
  std::vector<absl::string_view> split = absl::StrSplit(names, ',');
  for (absl::string_view& name : split) {
    name = absl::StripAsciiWhitespace(name);
  }
  return split;
}

}  // namespace pkl5::python_internal
