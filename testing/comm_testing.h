// Objects of many types for the comm tests (a C++ rendering of the message
// list of mpi4py's own pkl5 tests, plus user structs and large arrays), and
// a way to run a check over each of them.
#ifndef PKL5_TESTING_COMM_TESTING_H_
#define PKL5_TESTING_COMM_TESTING_H_

#include <mpi.h>

#include <complex>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "pkl5/comm/comm.h"
#include "pkl5/comm/options.h"
#include "pkl5/serialization/serialization.h"

namespace pkl5::internal_testing {

// A user struct with strings, a map and a large vector (out-of-band at the
// default threshold).
struct Record {
  std::string name;
  std::map<std::string, int32_t> counts;
  std::vector<double> values;
  PKL5_FIELDS(Record, name, counts, values);
};
inline bool operator==(const Record& a, const Record& b) {
  return a.name == b.name && a.counts == b.counts && a.values == b.values;
}

inline Record MakeRecord(int seed, size_t values) {
  Record record;
  record.name = "record " + std::to_string(seed);
  record.counts = {{"a", seed}, {"bb", 2 * seed}, {"", -seed}};
  record.values.resize(values);
  for (size_t i = 0; i < values; ++i) {
    record.values[i] = static_cast<double>(seed) + 0.5 * static_cast<double>(i);
  }
  return record;
}

// About twenty objects of many types.
inline auto TestObjects() {
  const std::vector<int32_t> array1 = {0};
  const std::vector<float> array2 = {0.0f};
  return std::make_tuple(
      std::optional<int>(), true, false, int64_t{-7}, int64_t{0}, int64_t{7},
      std::numeric_limits<int64_t>::min() + 1,
      std::numeric_limits<int64_t>::max(), -2.17, 0.0, 3.14,
      std::complex<double>(1, 2), std::string("mpi4py"),
      std::vector<int64_t>{-7, 0, 7},
      std::tuple<bool, int64_t, double, std::string>(true, 7, 3.14, "mpi4py"),
      std::set<std::string>{"mpi4py", "", "pkl5"},
      std::unordered_set<int32_t>{1, 2, 3},
      std::map<std::string, double>{{"k0", -2.17}, {"k1", 0.0}, {"k2", 3.14}},
      array1, array2, std::vector<std::vector<int32_t>>{array1, array1},
      std::pair<std::vector<int32_t>, std::vector<float>>(array1, array2),
      std::variant<int32_t, std::string>(std::string("variant")),
      std::vector<double>(), std::vector<double>(100000, 1.5),
      MakeRecord(3, 5000));
}

// What a thread stress run saw: objects that failed or arrived corrupt or
// twice, and how many distinct objects arrived.
struct StressResult {
  int bad = 0;
  size_t distinct = 0;
};

// `threads` threads each send `objects` objects of 0 to ~40 KiB to `peer`
// and receive as many from it, all on one tag, by turns with recv, irecv,
// mprobe and, with `cancels`, an irecv cancelled at once (received
// otherwise if the cancel came too late). Each object names its sending thread
// and index and carries a payload derived from them, so corruption, loss and
// duplication show. Both sides must call it with the same arguments.
StressResult RunThreadStress(Comm& comm, int peer, int threads, int objects,
                             bool cancels);

// On rank `receiver`: three threads block on `comm` (in recv, in the wait
// of an irecv, in mprobe and then Message::recv), the calling thread frees
// `comm` while they wait, then calls `barrier`. On rank `sender`: `barrier`,
// then one object to each. Each blocked call must complete with its object
// (expected inside). Other ranks only call `barrier`.
void RunFreeWhileBlocked(Comm& comm, int sender, int receiver,
                         const std::function<void()>& barrier);

// A pkl5 communicator for an MPI test: an Intracomm over a duplicate of
// MPI_COMM_WORLD, or an Intercomm between the lower and the upper half of
// it (as mpi4py's tests make). Owns and frees the MPI communicator.
class TestComm {
 public:
  // kFailedPrecondition for an intercommunicator on one rank.
  static absl::StatusOr<std::unique_ptr<TestComm>> Create(
      bool inter, const CommOptions& options);
  ~TestComm();

  Comm& comm() { return *comm_; }
  bool inter() const { return inter_; }
  // Whether this rank is in the lower half (intercommunicators).
  bool low() const { return low_; }
  // Ranks objects go to and come from: the size, or the remote size.
  int peers() const { return peers_; }

 private:
  TestComm() = default;

  MPI_Comm mpi_comm_ = MPI_COMM_NULL;
  std::unique_ptr<Comm> comm_;
  bool inter_ = false;
  bool low_ = false;
  int peers_ = 0;
};

// Calls `check(object)` for every test object.
template <typename Check>
void ForEachObject(Check&& check) {
  std::apply([&](const auto&... object) { (check(object), ...); },
             TestObjects());
}

}  // namespace pkl5::internal_testing

#endif  // PKL5_TESTING_COMM_TESTING_H_
