#include "bench/workloads.h"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/size_name.h"
#include "pkl5/bench/mpi_check.h"
#include "pkl5/pkl5.h"
#include "pkl5/transport/internal/large_count.h"

namespace pkl5::bench {
namespace {

constexpr int kTag = 11;
using Bytes = std::vector<uint8_t>;

int WorldRank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int WorldSize() {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

void Emit(const char* section, const std::string& case_name,
          const std::string& contender, size_t bytes, double value) {
  if (WorldRank() != 0) return;
  std::printf("sample,%s,%s,%s,%d,%zu,%.9g\n", section, case_name.c_str(),
              contender.c_str(), WorldSize(), bytes, value);
  std::fflush(stdout);
}

void Progress(const std::string& what) {
  if (WorldRank() != 0) return;
  // On a terminal each step replaces the last; in a log, one line each.
  if (isatty(fileno(stderr))) {
    std::fprintf(stderr, "\r\033[K  %s", what.c_str());
  } else {
    std::fprintf(stderr, "  %s\n", what.c_str());
  }
  std::fflush(stderr);
}

// A way to move an object one hop: `send(peer)` and `recv(peer)`.
struct Contender {
  std::string name;
  std::function<void(int)> send;
  std::function<void(int)> recv;
  // Whether what rank 0 holds after a round trip is what it sent.
  std::function<bool()> intact = [] { return true; };
};

// Seconds per one-way trip: rank 0 sends and waits for the echo of rank 1.
double PingPong(const Contender& contender, int iterations) {
  const int rank = WorldRank();
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int i = 0; i < iterations; ++i) {
    if (rank == 0) {
      contender.send(1);
      contender.recv(1);
    } else if (rank == 1) {
      contender.recv(0);
      contender.send(0);
    }
  }
  const double elapsed = MPI_Wtime() - start;
  return elapsed / (2.0 * iterations);
}

// Runs every contender once (warm-up, checked), then `reps` rounds in
// which each contender takes its turn.
void MeasurePingPong(const char* section, const std::string& case_name,
                     size_t bytes, int reps, int iterations,
                     const std::vector<Contender>& contenders) {
  for (const Contender& contender : contenders) {
    PingPong(contender, 1);
    if (WorldRank() == 0 && !contender.intact()) {
      std::fprintf(stderr, "\n%s: %s arrived damaged\n", contender.name.c_str(),
                   case_name.c_str());
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  for (int rep = 0; rep < reps; ++rep) {
    for (const Contender& contender : contenders) {
      Emit(section, case_name, contender.name, bytes,
           PingPong(contender, iterations));
    }
  }
}

// Peak and current resident set size from /proc/self/status, in bytes.
size_t ProcStatusBytes(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) {
      return static_cast<size_t>(std::stoull(line.substr(prefix.size()))) *
             1024;
    }
  }
  return 0;
}

// The objects of the "objects" section (bench/mpi4py_peer.py builds the
// same ones in Python).
struct Record {  // a 10-element struct
  int64_t a = 1, b = 2, c = 3, d = 4, e = 5;
  double f = 1.5, g = 2.5, h = 3.5, i = 4.5, j = 5.5;
  PKL5_FIELDS(Record, a, b, c, d, e, f, g, h, i, j);
  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& a& b& c& d& e& f& g& h& i& j;
  }
  bool operator==(const Record& other) const {
    return a == other.a && b == other.b && c == other.c && d == other.d &&
           e == other.e && f == other.f && g == other.g && h == other.h &&
           i == other.i && j == other.j;
  }
};

using KeyedArrays = std::map<std::string, std::vector<double>>;
using SmallVariant = std::variant<int32_t, double, std::string>;

KeyedArrays MakeKeyedArrays() {
  KeyedArrays keyed;
  for (int i = 0; i < 1000; ++i) {
    keyed[absl::StrFormat("key-%04d", i)] = std::vector<double>(100, i);
  }
  return keyed;
}

std::vector<std::string> MakeNames() {
  std::vector<std::string> names;
  names.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    names.push_back(absl::StrFormat("entry-%08d", i));
  }
  return names;
}

// Where raw MPI finds an object's bytes, for objects that are one run of
// bytes of a known size (the receiver's copy is already that size).
template <typename T>
using RawBytes = std::function<std::pair<void*, int>(T&)>;

template <typename T>
std::pair<void*, int> PlainBytes(T& object) {
  return {&object, static_cast<int>(sizeof(T))};
}

// pkl5 (blocking recv), pkl5 irecv (posted receive), Boost.MPI and, given
// `raw`, raw MPI: each moves a fresh `T` per hop.
// As many bytes as an object holds that are not one run of its memory
// (a pair, a variant): raw MPI sends that many from a buffer of its own.
template <typename T, size_t kBytes>
std::pair<void*, int> SameCount(T& /*object*/) {
  static char bytes[kBytes] = {};
  return {bytes, static_cast<int>(kBytes)};
}

template <typename T>
std::vector<Contender> ObjectContenders(Intracomm& comm,
                                        boost::mpi::communicator& world,
                                        const T& original,
                                        RawBytes<T> raw = nullptr) {
  auto held = std::make_shared<T>(original);
  std::vector<Contender> contenders;
  if (raw) {  // one MPI message of the object's bytes
    contenders.push_back(
        Contender{"raw MPI",
                  [held, raw](int peer) {
                    auto [data, size] = raw(*held);
                    MPI_Send(data, size, MPI_BYTE, peer, kTag, MPI_COMM_WORLD);
                  },
                  [held, raw](int peer) {
                    auto [data, size] = raw(*held);
                    MPI_Recv(data, size, MPI_BYTE, peer, kTag, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE);
                  }});
  }
  auto intact = [held, original] { return *held == original; };
  contenders.push_back(Contender{
      "pkl5", [&comm, held](int peer) { Check(comm.send(*held, peer, kTag)); },
      [&comm, held](int peer) {
        absl::StatusOr<T> got = comm.recv<T>(peer, kTag);
        Check(got.status());
        *held = std::move(*got);
      },
      intact});
  contenders.push_back(Contender{
      "pkl5 irecv",
      [&comm, held](int peer) { Check(comm.send(*held, peer, kTag)); },
      [&comm, held](int peer) {
        absl::StatusOr<RecvRequest<T>> request = comm.irecv<T>(peer, kTag);
        Check(request.status());
        absl::StatusOr<T> got = request->wait();
        Check(got.status());
        *held = std::move(*got);
      },
      intact});
  // Boost.Serialization 1.74 has no std::variant.
  if constexpr (!std::is_same_v<T, SmallVariant>) {
    contenders.push_back(
        Contender{"Boost.MPI",
                  [&world, held](int peer) { world.send(peer, kTag, *held); },
                  [&world, held](int peer) {
                    T got;
                    world.recv(peer, kTag, got);
                    *held = std::move(got);
                  },
                  intact});
  }
  return contenders;
}

constexpr int kAckTag = 12;

// "C++" or "Python" for a rank of a mixed job.
std::string LanguageName(const WorkloadOptions& options, int rank) {
  const std::string& language = options.languages.at(static_cast<size_t>(rank));
  return language == "python" ? "Python" : "C++";
}

// Seconds per hop of `contender` from rank `sender` to the other rank, each
// hop acknowledged by a zero-byte raw MPI message back (so a hop is not
// pipelined behind the last, at any size); bench/mpi4py_peer.py's mixed
// section runs the same loop.
double OneWay(const Contender& contender, int sender, int iterations) {
  const int rank = WorldRank();
  const int peer = 1 - rank;
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int i = 0; i < iterations; ++i) {
    if (rank == sender) {
      contender.send(peer);
      MPI_Recv(nullptr, 0, MPI_BYTE, peer, kAckTag, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
    } else {
      contender.recv(peer);
      MPI_Send(nullptr, 0, MPI_BYTE, peer, kAckTag, MPI_COMM_WORLD);
    }
  }
  return (MPI_Wtime() - start) / iterations;
}

}  // namespace

int Iterations(size_t bytes) {
  const size_t target = size_t{32} << 20;
  const size_t iterations = target / (bytes == 0 ? 1 : bytes);
  return static_cast<int>(std::clamp<size_t>(iterations, 1, 1000));
}

void RunPointToPoint(const WorkloadOptions& options) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  Check(comm.status());
  boost::mpi::communicator world(MPI_COMM_WORLD, boost::mpi::comm_attach);
  for (size_t bytes : options.sizes) {
    Progress("p2p " + SizeName(bytes));
    const int rank = WorldRank();
    // Only rank 0 holds the payload: rank 1 echoes what it received.
    Bytes payload(rank == 0 ? bytes : 0);
    for (size_t i = 0; i < payload.size(); ++i) {
      payload[i] = static_cast<uint8_t>(i * 131 + 7);
    }
    Bytes received(bytes);  // reused storage
    Bytes fresh;            // replaced by a new vector at every hop
    // Raw MPI sends the bytes as one message with the datatype pkl5's
    // transport uses: MPI_BYTE counts up to INT_MAX, INT_MAX blocks beyond.
    absl::StatusOr<transport_internal::ByteLayout> layout =
        transport_internal::ByteLayout::Create(bytes);
    Check(layout.status());
    // Past 2 GiB (--huge) only reused storage: new copies at every hop
    // beside the others would not fit in 24 GiB.
    const bool huge = bytes > static_cast<size_t>(INT_MAX);
    // Rank 0 sends the payload and receives the echo; rank 1 echoes what
    // it received.
    auto outgoing = [&]() -> const Bytes& {
      return rank == 0 ? payload : received;
    };
    std::vector<Contender> contenders;
    contenders.push_back(
        Contender{"raw MPI",
                  [&](int peer) {
                    MPI_Send(outgoing().data(), layout->count(), layout->type(),
                             peer, kTag, MPI_COMM_WORLD);
                  },
                  [&](int peer) {
                    MPI_Recv(received.data(), layout->count(), layout->type(),
                             peer, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                  },
                  [&] { return received == payload; }});
    contenders.push_back(Contender{
        "pkl5", [&](int peer) { Check(comm->send(outgoing(), peer, kTag)); },
        [&](int peer) { Check(comm->recv_into(received, peer, kTag)); },
        [&] { return received == payload; }});
    // New storage every hop as pkl5 makes it: advised for huge pages.
    if (!huge) {
      contenders.push_back(Contender{
          "raw MPI fresh",
          [&](int peer) {
            MPI_Send(rank == 0 ? payload.data() : fresh.data(), layout->count(),
                     layout->type(), peer, kTag, MPI_COMM_WORLD);
          },
          [&](int peer) {
            Bytes storage;
            ResizeForOverwrite(storage, bytes);
            MPI_Recv(storage.data(), layout->count(), layout->type(), peer,
                     kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            fresh = std::move(storage);
          },
          [&] { return fresh == payload; }});
      contenders.push_back(Contender{
          "pkl5 fresh",
          [&](int peer) {
            Check(comm->send(rank == 0 ? payload : fresh, peer, kTag));
          },
          [&](int peer) {
            absl::StatusOr<Bytes> got = comm->recv<Bytes>(peer, kTag);
            Check(got.status());
            fresh = std::move(*got);
          },
          [&] { return fresh == payload; }});
      // Boost.MPI counts in int.
      contenders.push_back(Contender{
          "Boost.MPI", [&](int peer) { world.send(peer, kTag, outgoing()); },
          [&](int peer) { world.recv(peer, kTag, received); },
          [&] { return received == payload; }});
    }
    const int reps = options.RepsFor(bytes);
    MeasurePingPong("p2p", "array", bytes, reps, Iterations(bytes), contenders);
  }
}

void RunObjects(const WorkloadOptions& options) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  Check(comm.status());
  boost::mpi::communicator world(MPI_COMM_WORLD, boost::mpi::comm_attach);
  const int small = 2000;
  const int composite = 20;
  Progress("objects: int");
  MeasurePingPong(
      "objects", "int", 4, options.reps, small,
      ObjectContenders<int32_t>(*comm, world, 42, PlainBytes<int32_t>));
  Progress("objects: struct10");
  MeasurePingPong(
      "objects", "struct10", sizeof(Record), options.reps, small,
      ObjectContenders<Record>(*comm, world, Record{}, PlainBytes<Record>));
  Progress("objects: string");
  const std::string text = "hello, pkl5 bench";
  MeasurePingPong(
      "objects", "string", text.size(), options.reps, small,
      ObjectContenders<std::string>(*comm, world, text, [](std::string& held) {
        return std::pair<void*, int>(held.data(),
                                     static_cast<int>(held.size()));
      }));
  Progress("objects: vector<double>(8)");
  MeasurePingPong("objects", "vector<double>(8)", 64, options.reps, small,
                  ObjectContenders<std::vector<double>>(
                      *comm, world, std::vector<double>(8, 0.25),
                      [](std::vector<double>& held) {
                        return std::pair<void*, int>(held.data(), 64);
                      }));
  Progress("objects: pair<int,string>");
  using IntAndString = std::pair<int32_t, std::string>;
  MeasurePingPong(
      "objects", "pair<int,string>", 9, options.reps, small,
      ObjectContenders<IntAndString>(*comm, world, IntAndString(7, "seven"),
                                     SameCount<IntAndString, 9>));
  Progress("objects: variant<int,double,string>");
  MeasurePingPong(
      "objects", "variant<int,double,string>", 9, options.reps, small,
      ObjectContenders<SmallVariant>(*comm, world, SmallVariant(2.5),
                                     SameCount<SmallVariant, 9>));
  Progress("objects: map1000");
  MeasurePingPong(
      "objects", "map1000", 1000 * (8 + 800), options.reps, composite,
      ObjectContenders<KeyedArrays>(*comm, world, MakeKeyedArrays()));
  Progress("objects: strings100k");
  MeasurePingPong(
      "objects", "strings100k", 100000 * 14, options.reps, composite,
      ObjectContenders<std::vector<std::string>>(*comm, world, MakeNames()));
}

void RunCollectives(const WorkloadOptions& options) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  Check(comm.status());
  const int rank = WorldRank();
  const auto ranks = static_cast<size_t>(WorldSize());
  for (size_t bytes : options.sizes) {
    Progress(absl::StrFormat("collectives on %zu ranks, %s", ranks,
                             SizeName(bytes)));
    const Bytes mine(bytes, static_cast<uint8_t>(rank + 1));
    Bytes root_data(bytes, 0xAB);
    Bytes bcast_buffer = rank == 0 ? root_data : Bytes(bytes);
    Bytes gathered(bytes * ranks);
    std::vector<Bytes> gathered_objects(ranks, Bytes(bytes));
    const int iterations = Iterations(bytes * ranks);
    auto timed = [&](const std::function<void()>& operation) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      for (int i = 0; i < iterations; ++i) operation();
      return (MPI_Wtime() - start) / iterations;
    };
    struct Operation {
      const char* case_name;
      const char* contender;
      std::function<void()> run;
    };
    const int count = static_cast<int>(bytes);
    const std::vector<Operation> operations = {
        {"bcast", "raw MPI",
         [&] {
           MPI_Bcast(bcast_buffer.data(), count, MPI_BYTE, 0, MPI_COMM_WORLD);
         }},
        {"bcast", "pkl5", [&] { Check(pkl5::bcast(*comm, bcast_buffer, 0)); }},
        {"allgather", "raw MPI",
         [&] {
           MPI_Allgather(mine.data(), count, MPI_BYTE, gathered.data(), count,
                         MPI_BYTE, MPI_COMM_WORLD);
         }},
        {"allgather", "pkl5",
         [&] { Check(pkl5::allgather(*comm, mine, gathered_objects)); }},
    };
    for (const Operation& operation : operations) operation.run();  // warm-up
    if (bcast_buffer != root_data ||
        gathered_objects.back() != Bytes(bytes, static_cast<uint8_t>(ranks))) {
      std::fprintf(stderr, "\ncollectives: wrong data on rank %d\n", rank);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const int reps = options.RepsFor(bytes);
    for (int rep = 0; rep < reps; ++rep) {
      for (const Operation& operation : operations) {
        Emit("collectives", operation.case_name, operation.contender, bytes,
             timed(operation.run));
      }
    }
  }
}

using Counts = std::map<std::string, int64_t>;

// The op of the map rows, for pkl5 and Boost.MPI alike: a counter merge.
struct MergeCounts {
  Counts operator()(const Counts& a, const Counts& b) const {
    Counts merged = a;
    for (const auto& [key, count] : b) merged[key] += count;
    return merged;
  }
};

// Allreduce of float64 arrays (raw MPI_Allreduce of the same elements next
// to pkl5's, which runs as MPI_Allreduce too) and of a 1000-key counter map
// (pkl5's tree next to Boost.MPI's all_reduce with the same op).
void RunReductions(const WorkloadOptions& options) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  Check(comm.status());
  const boost::mpi::communicator world;
  const int rank = WorldRank();
  const auto ranks = static_cast<size_t>(WorldSize());
  const auto timed = [](int iterations,
                        const std::function<void()>& operation) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    for (int i = 0; i < iterations; ++i) operation();
    return (MPI_Wtime() - start) / iterations;
  };
  const int reps = options.RepsFor(0);
  for (size_t bytes : options.sizes) {
    Progress(
        absl::StrFormat("reductions on %zu ranks, %s", ranks, SizeName(bytes)));
    const size_t count = std::max<size_t>(bytes / sizeof(double), 1);
    const std::vector<double> mine(count, rank + 1.0);
    std::vector<double> raw(count);
    std::vector<double> reduced(count);
    const auto raw_allreduce = [&] {
      // MPI's default error handler on MPI_COMM_WORLD aborts on failure.
      MPI_Allreduce(mine.data(), raw.data(), static_cast<int>(count),
                    MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    };
    const auto pkl5_allreduce = [&] {
      Check(pkl5::allreduce(*comm, mine, reduced, std::plus<>()));
    };
    raw_allreduce();  // warm-up
    pkl5_allreduce();
    const double sum = static_cast<double>(ranks * (ranks + 1) / 2);
    if (reduced != raw || raw.front() != sum) {
      std::fprintf(stderr, "\nreductions: wrong sum on rank %d\n", rank);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const int iterations = Iterations(bytes * ranks);
    for (int rep = 0; rep < options.RepsFor(bytes); ++rep) {
      Emit("reductions", "allreduce doubles", "raw MPI", bytes,
           timed(iterations, raw_allreduce));
      Emit("reductions", "allreduce doubles", "pkl5", bytes,
           timed(iterations, pkl5_allreduce));
    }
  }
  Progress(absl::StrFormat("reductions on %zu ranks, map1000", ranks));
  Counts counts;
  for (int i = 0; i < 1000; ++i) {
    counts["key " + std::to_string(i)] = rank + i;
  }
  Counts merged;
  Counts boost_merged;
  const auto pkl5_merge = [&] {
    Check(pkl5::allreduce(*comm, counts, merged, MergeCounts()));
  };
  const auto boost_merge = [&] {
    boost::mpi::all_reduce(world, counts, boost_merged, MergeCounts());
  };
  pkl5_merge();
  boost_merge();
  if (merged != boost_merged || merged.size() != 1000) {
    std::fprintf(stderr, "\nreductions: maps differ on rank %d\n", rank);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  for (int rep = 0; rep < reps; ++rep) {
    // `bytes` is the number of keys.
    Emit("reductions", "allreduce map1000", "pkl5", 1000,
         timed(200, pkl5_merge));
    Emit("reductions", "allreduce map1000", "Boost.MPI", 1000,
         timed(200, boost_merge));
  }
}

void RunMemory(const WorkloadOptions& options) {
  absl::StatusOr<Intracomm> comm = Intracomm::Create(MPI_COMM_WORLD);
  Check(comm.status());
  const size_t bytes = options.sizes.at(0);
  const int rank = WorldRank();
  Progress("memory: receiving " + SizeName(bytes));
  if (rank == 0) {
    Check(comm->send(Bytes(bytes, 3), 1, kTag));
    absl::StatusOr<size_t> growth = comm->recv<size_t>(1, kTag);
    Check(growth.status());
    Emit("memory", "recv array", "pkl5", bytes, static_cast<double>(*growth));
  } else if (rank == 1) {
    // Growth of the peak over what was resident before the receive.
    const size_t before = ProcStatusBytes("VmRSS");
    absl::StatusOr<Bytes> got = comm->recv<Bytes>(0, kTag);
    Check(got.status());
    const size_t peak = ProcStatusBytes("VmHWM");
    if (got->size() != bytes) MPI_Abort(MPI_COMM_WORLD, 1);
    Check(comm->send(peak - before, 0, kTag));
  }
}

void RunMixed(const WorkloadOptions& options) {
  if (WorldSize() != 2 || options.languages.size() != 2) {
    std::fprintf(stderr, "mixed: needs 2 ranks and --languages=A,B\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  absl::StatusOr<python::Intracomm> comm =
      python::Intracomm::Create(MPI_COMM_WORLD);
  Check(comm.status());
  const bool all_cpp =
      options.languages[0] == "cpp" && options.languages[1] == "cpp";
  for (size_t bytes : options.sizes) {
    Progress("mixed " + SizeName(bytes));
    // Every rank sends in its turn. The Python wire receives into new
    // storage, as Python does; raw MPI into reused memory. What arrives is
    // compared with what was sent in the warm-up only.
    const Bytes array(bytes, 7);
    Bytes reused(all_cpp ? bytes : 0);
    bool warm_up = true;
    auto arrived = [&](const Bytes& got) {
      if (warm_up && got != array) {
        std::fprintf(stderr, "\nmixed: an array arrived damaged\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
      }
    };
    std::vector<Contender> contenders;
    contenders.push_back(
        {"Python wire", [&](int peer) { Check(comm->send(array, peer, kTag)); },
         [&](int peer) {
           absl::StatusOr<Bytes> got = comm->recv<Bytes>(peer, kTag);
           Check(got.status());
           arrived(*got);
         }});
    if (all_cpp) {
      contenders.push_back({"raw MPI",
                            [&](int peer) {
                              MPI_Send(array.data(), static_cast<int>(bytes),
                                       MPI_BYTE, peer, kTag, MPI_COMM_WORLD);
                            },
                            [&](int peer) {
                              MPI_Recv(reused.data(), static_cast<int>(bytes),
                                       MPI_BYTE, peer, kTag, MPI_COMM_WORLD,
                                       MPI_STATUS_IGNORE);
                              arrived(reused);
                            }});
    }
    // Contenders by direction: "C++ to Python", ...; raw MPI keeps its name.
    auto name = [&](const Contender& contender, int sender) {
      if (contender.name == "raw MPI") return contender.name;
      return LanguageName(options, sender) + " to " +
             LanguageName(options, 1 - sender);
    };
    const int iterations = Iterations(bytes);
    for (int sender : {0, 1}) {
      for (const Contender& contender : contenders) {
        OneWay(contender, sender, 1);
      }
    }
    warm_up = false;
    for (int rep = 0; rep < options.RepsFor(bytes); ++rep) {
      for (int sender : {0, 1}) {
        for (const Contender& contender : contenders) {
          Emit("mixed", "array", name(contender, sender), bytes,
               OneWay(contender, sender, iterations));
        }
      }
    }
  }
}

bool RunWorkload(const std::string& section, const WorkloadOptions& options) {
  if (section == "p2p") {
    RunPointToPoint(options);
  } else if (section == "objects") {
    RunObjects(options);
  } else if (section == "collectives") {
    RunCollectives(options);
  } else if (section == "memory") {
    RunMemory(options);
  } else if (section == "reductions") {
    RunReductions(options);
  } else if (section == "mixed") {
    RunMixed(options);
  } else {
    return false;
  }
  Progress("");
  return true;
}

}  // namespace pkl5::bench
