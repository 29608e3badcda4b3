#include "bench/driver.h"

#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pkl5::bench {
namespace {

bool Exists(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

// Single quotes for /bin/sh.
std::string Quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

}  // namespace

std::string SelfPath() {
  char path[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0) return "";
  return std::string(path, static_cast<size_t>(length));
}

std::string RunfilePath(const std::string& workspace_relative) {
  std::vector<std::string> candidates;
  if (const char* runfiles = std::getenv("RUNFILES_DIR")) {
    candidates.push_back(absl::StrCat(runfiles, "/pkl5/", workspace_relative));
  }
  candidates.push_back(
      absl::StrCat(SelfPath(), ".runfiles/pkl5/", workspace_relative));
  candidates.push_back(workspace_relative);  // bazel run's working directory
  for (const std::string& candidate : candidates) {
    if (Exists(candidate)) return candidate;
  }
  return workspace_relative;
}

absl::StatusOr<std::vector<Sample>> RunUnderMpirun(
    const std::vector<MpiPart>& parts) {
  int ranks = 0;
  for (const MpiPart& part : parts) ranks += part.ranks;
  const bool enough_cores =
      ranks <= static_cast<int>(std::thread::hardware_concurrency());
  std::vector<std::string> words = {"mpirun.openmpi"};
  if (getuid() == 0) words.push_back("--allow-run-as-root");
  if (enough_cores) {
    words.insert(words.end(), {"--bind-to", "core"});
  } else {
    words.insert(words.end(), {"--oversubscribe", "--bind-to", "none", "--mca",
                               "mpi_yield_when_idle", "1"});
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) words.push_back(":");
    words.insert(words.end(), {"-np", absl::StrCat(parts[i].ranks)});
    words.insert(words.end(), parts[i].command.begin(), parts[i].command.end());
  }
  std::vector<std::string> quoted;
  for (const std::string& word : words) quoted.push_back(Quote(word));
  const std::string line = absl::StrJoin(quoted, " ");

  FILE* output = popen(line.c_str(), "r");
  if (output == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot start: ", line));
  }
  std::vector<Sample> samples;
  std::string text;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), output) != nullptr) {
    text = buffer;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (std::optional<Sample> sample = ParseSample(text)) {
      samples.push_back(*sample);
    } else {
      std::printf("%s\n", text.c_str());  // whatever else a worker says
    }
  }
  const int status = pclose(output);
  if (status != 0) {
    return absl::UnavailableError(absl::StrCat(
        "failed (exit status ", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        "): ", line));
  }
  return samples;
}

}  // namespace pkl5::bench
